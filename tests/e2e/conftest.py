"""End-to-end fixtures: one sandbox for the session, each example applied once per module."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from e2e_support import AppliedStack

from sandbox.server import Sandbox
from terraform_offline.stack import Stack


@pytest.fixture(scope="session")
def e2e_sandbox() -> Iterator[Sandbox]:
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not on PATH; the end-to-end tests need it (docs/development.md)")
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def many_secrets(e2e_sandbox: Sandbox) -> Iterator[AppliedStack]:
    """examples/many-secrets, applied unchanged: one function, several secrets."""
    stack = Stack("many-secrets", e2e_sandbox, reuse_providers=True)
    try:
        stack.init()
        stack.apply()
        applied = AppliedStack(stack, e2e_sandbox)
        for arn in applied.outputs["secret_arns"].values():
            e2e_sandbox.wait_for_rotation(arn)
        yield applied
    finally:
        stack.cleanup()
