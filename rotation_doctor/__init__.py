"""rotation-doctor: per secret, whether Secrets Manager rotation works and what to change.

Ships with the package (``rotation-doctor``, ``python -m rotation_doctor``). Imports ``rotator``
(its error types and remedies) and boto3; nothing of the sandbox or the tests. Read-only: the
calls it makes are exactly those in ``policy.json`` (``POLICY_PATH``), plus GetSecretValue with
``--connect`` only (``connect-policy.json``).
"""

from pathlib import Path

POLICY_PATH = Path(__file__).with_name("policy.json")
# What --connect needs on top (AWSCURRENT of the secrets it logs in with); nothing else reads it.
CONNECT_POLICY_PATH = Path(__file__).with_name("connect-policy.json")
