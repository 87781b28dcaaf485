"""Offline Terraform for tests, `make lint` and `make demo`: provider mirrors, no registry.

`offline_env()` returns the environment variables that make a Terraform subprocess install
`hashicorp/aws` from a filesystem mirror ($TF_PROVIDER_MIRROR, else /opt/tf-plugins) and
`hashicorp/archive` from an OFFLINE STAND-IN (archive_standin.py) when the real provider is not
available. Users with registry access never see any of this: it only applies to subprocesses
that are given these variables. `python -m terraform_offline --help` for the CLI.
"""

from terraform_offline.cli_config import (
    OfflineTerraform,
    OfflineTerraformError,
    aws_provider_mirror,
    offline_env,
    offline_terraform,
    prepare,
)

__all__ = [
    "OfflineTerraform",
    "OfflineTerraformError",
    "aws_provider_mirror",
    "offline_env",
    "offline_terraform",
    "prepare",
]
