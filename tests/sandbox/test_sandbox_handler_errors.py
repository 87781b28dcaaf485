"""An unanticipated exception in the rotator never reaches what the Lambda runtime prints.

The runtime prints the type, message and traceback of any exception that leaves the handler, to
the function's log and in the invocation's error payload. The rotator is deployed here from this
checkout, with one injected fault: DescribeSecret raises an exception whose message is a secret
value (as a driver error quoting SQL, or a library echoing a request, could).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from typing import Any

from sandbox_helpers import Inspect, rotator_files

# The handler module of the deployed zip: the real rotator, with DescribeSecret made to fail.
INJECTING_HANDLER = """
from rotator import handler as rotator_handler
from rotator.secret_store import SecretStore


class DriverError(Exception):
    pass


def _describe(self, secret_id):
    raise DriverError("password authentication failed; statement was: ALTER ROLE app "
                      "PASSWORD '{secret}'")


SecretStore.describe = _describe
handler = rotator_handler.lambda_handler
"""


def test_unexpected_exception_message_is_in_neither_the_result_nor_the_logs(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], inspect: Inspect
) -> None:
    secret = f"s3cr3t-{secrets.token_hex(16)}"
    function = make_function(
        INJECTING_HANDLER.replace("{secret}", secret),
        extra_files=rotator_files(),
        environment={"LOG_LEVEL": "DEBUG"},
    )
    secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf"
    event = {"SecretId": secret_arn, "ClientRequestToken": "token-1", "Step": "setSecret"}

    response = aws("lambda").invoke(
        FunctionName=function["name"], Payload=json.dumps(event), LogType="Tail"
    )

    payload_text = response["Payload"].read().decode()
    tail = base64.b64decode(response.get("LogResult", "")).decode()
    messages = inspect.log_messages(function["name"])
    assert response.get("FunctionError")
    result = json.loads(payload_text)
    # What Secrets Manager and an operator see: the step and the original type, nothing else.
    assert result["errorType"] == "UnexpectedStepError"
    assert "setSecret of secret " + secret_arn in result["errorMessage"]
    assert "DriverError" in result["errorMessage"]
    assert any("[ERROR] UnexpectedStepError: setSecret" in m for m in messages), messages
    printed = "\n".join([payload_text, tail, *messages])
    assert "Traceback" in printed  # the runtime did print a traceback, and it is clean:
    assert secret not in printed
    assert "ALTER ROLE" not in printed
