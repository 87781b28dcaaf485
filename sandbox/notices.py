"""One-line notices the sandbox process writes to its log: what went wrong on the way to a client.

A client that retries hides the first failure behind the last one (an SDK's resend of a create is
refused as a duplicate). These lines are what a failed Terraform command reports from the sandbox
(``Sandbox.notices``, ``terraform_offline.stack``).
"""

from __future__ import annotations

import sys

PREFIX = "sandbox: "


def notice(message: str) -> None:
    sys.stderr.write(f"{PREFIX}{message}\n")
    sys.stderr.flush()
