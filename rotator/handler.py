"""Lambda entry point: ``rotator.handler.lambda_handler``.

Secrets Manager invokes the function four times per rotation with
``{"SecretId", "ClientRequestToken", "Step"}``. The handler turns the event into a typed value,
reads the configuration, and dispatches to the step (rotator/steps.py), which checks the secret's
state and delegates the secret-specific work to the strategy chosen by ROTATION_STRATEGY. It logs
one JSON line when the step ends, with its outcome and duration, and raises a RotationError so the
service sees the step fail and retries the rotation later with the same token.
https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from rotator import logs, strategies
from rotator.config import Config, log_level_from_env
from rotator.context import StepContext
from rotator.errors import ConfigurationError, RotationError, UnexpectedStepError
from rotator.events import RotationEvent, parse_event
from rotator.logs import StepLog
from rotator.secret_store import SecretStore, get_client
from rotator.steps import STEP_FUNCTIONS

if TYPE_CHECKING:
    from rotator.strategies.base import Strategy


def lambda_handler(event: Any, context: Any) -> None:
    """Run one rotation step; raise a RotationError (already logged) if it fails.

    Every failure leaves as a RotationError: an unanticipated exception becomes an
    UnexpectedStepError that names only its type.
    """
    started = time.perf_counter()
    _configure_logging_early()
    log = StepLog(request_id=getattr(context, "aws_request_id", None))
    parsed: RotationEvent | None = None
    strategy: Strategy | None = None
    try:
        parsed = parse_event(event)
        log.update(secret_arn=parsed.secret_id, token=parsed.token, step=parsed.step)
        config = Config.from_env()
        logs.configure(config.log_level)
        log.update(strategy=config.strategy, strategy_class=config.custom_strategy)
        log.debug("step_started")
        strategy = strategies.load(config.strategy, config.custom_strategy)
        store = SecretStore(get_client(config.secrets_manager_endpoint), log)
        ctx = StepContext(parsed, config, store, log)
        outcome = STEP_FUNCTIONS[parsed.step](ctx, strategy)
    except RotationError as exc:
        exc.bind(
            secret_arn=log.fields.get("secret_arn"),
            step=parsed.step if parsed is not None else None,
            token=parsed.token if parsed is not None else None,
        )
        log.error(  # noqa: TRY400  one JSON line; the runtime logs the traceback
            "step_failed",
            outcome="error",
            error_type=type(exc).__name__,
            error=str(exc),
            duration_ms=_ms_since(started),
        )
        raise
    except Exception as exc:  # noqa: BLE001  replaced below, see the comment
        # Not a failure we anticipated: its message and traceback could hold anything (a driver
        # error quoting SQL, a botocore error echoing a request), and the Lambda runtime prints
        # both for an exception that leaves the handler. Replace it with an error naming the
        # step and the type only; `from None` keeps the original out of the printed chain.
        # A custom strategy's own code is named by file and line (never the text), so the
        # message points at the strategy rather than at this function.
        where = None
        if strategy is not None and log.fields.get("strategy") == strategies.CUSTOM:
            from rotator.strategies.custom import frame_in_strategy  # noqa: PLC0415  custom only

            where = frame_in_strategy(exc, strategy)
        log.error(  # noqa: TRY400  as above
            "step_failed",
            outcome="error",
            error_type=type(exc).__name__,
            duration_ms=_ms_since(started),
            **({"error_at": where} if where is not None else {}),
        )
        if where is None:
            error = UnexpectedStepError(f"the step failed with an unexpected {type(exc).__name__}")
        else:
            error = UnexpectedStepError(
                f"the strategy {log.fields.get('strategy_class')} raised "
                f"{type(exc).__name__} at {where}",
                remedy="Fix the strategy there, or raise a RotationError subclass that says what "
                "to change (rotator/STRATEGIES.md). The exception's message is withheld because "
                "it can contain secret values; run the strategy in rotation_testing's "
                "StrategyTestbed to see it with its traceback",
            )
        raise error.bind(
            secret_arn=log.fields.get("secret_arn"),
            step=parsed.step if parsed is not None else None,
            token=parsed.token if parsed is not None else None,
        ) from None
    log.info("step_finished", outcome=outcome, duration_ms=_ms_since(started))


def _configure_logging_early() -> None:
    """Log at LOG_LEVEL even when the event is bad; INFO if LOG_LEVEL itself is bad.

    A bad LOG_LEVEL is reported by Config.from_env a moment later, with the other variables.
    """
    try:
        level = log_level_from_env(os.environ)
    except ConfigurationError:
        level = logs.DEFAULT_LEVEL
    logs.configure(level)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


# At import too: the library loggers are held at WARNING before anything in the process (the
# runtime, a test) makes its first AWS call with DEBUG on.
_configure_logging_early()
