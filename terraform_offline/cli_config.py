"""Offline provider installation for Terraform: filesystem mirrors and a CLI configuration file.

`terraform init` here can reach no registry. The tests, `make lint` and `make demo` run Terraform
with a CLI configuration (TF_CLI_CONFIG_FILE) written by this module:

- `hashicorp/aws` (and any other provider it holds) from the filesystem mirror named by
  $TF_PROVIDER_MIRROR, falling back to /opt/tf-plugins when that exists;
- `hashicorp/archive` from that same mirror when it holds the real provider, otherwise from a
  second mirror into which the OFFLINE STAND-IN (archive_standin.py) is installed.

There is no `direct {}` block, so Terraform never tries the network. Only the subprocesses that
receive `OfflineTerraform.env()` see this configuration: a user running `terraform init` by hand,
with registry access, gets the real providers as usual.

Both mirrors use the unpacked layout (`<host>/<namespace>/<type>/<version>/<os>_<arch>/`), for
which `terraform init` symlinks the provider directory into `.terraform/providers` instead of
copying it (the AWS provider is 675 MB unpacked).

Terraform reaches each unpacked provider of the mirror through a launcher: a short script, in a
mirror of launchers beside the configuration, that runs the mirror's binary with the same
arguments. Terraform checksums a provider package at every `init` and, before running it, at every
command (`.terraform.lock.hcl`): for the AWS provider that is reading and hashing 675 MB, 0.55 CPU s
per init and about 0.4 s per command that starts the provider (measured with strace and time).
The launcher's checksum costs nothing and the provider that runs is the same binary. Packed
(`.zip`) entries are left to Terraform.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import shlex
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ARCHIVE_ADDRESS = "registry.terraform.io/hashicorp/archive"
# The version the stand-in claims in its mirror: the newest 2.x at the time of writing, so that
# every `>= 2.x` constraint a module declares can be satisfied offline.
STANDIN_VERSION = "2.7.1"
AWS_ADDRESS = "registry.terraform.io/hashicorp/aws"
MIRROR_ENV_VAR = "TF_PROVIDER_MIRROR"
# Where this machine ships its mirror (DEVELOPERS.md); used only when it exists.
DEFAULT_MIRROR = Path("/opt/tf-plugins")
REPO_ROOT = Path(__file__).resolve().parents[1]

_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


class OfflineTerraformError(Exception):
    """The offline Terraform environment cannot be prepared; the message says what to set."""


def terraform_platform() -> str:
    """Terraform's `<os>_<arch>` for this machine, e.g. `linux_amd64`."""
    machine = platform.machine().lower()
    arch = _GOARCH.get(machine)
    if arch is None:
        raise OfflineTerraformError(f"unsupported machine architecture for Terraform: {machine}")
    system = "darwin" if sys.platform == "darwin" else sys.platform.rstrip("0123456789")
    return f"{system}_{arch}"


def aws_provider_mirror(environ: Mapping[str, str] | None = None) -> Path:
    """The filesystem mirror that holds hashicorp/aws: $TF_PROVIDER_MIRROR, else /opt/tf-plugins."""
    env = os.environ if environ is None else environ
    configured = env.get(MIRROR_ENV_VAR, "").strip()
    if configured:
        mirror = Path(configured).expanduser().resolve()
        if not (mirror / AWS_ADDRESS).is_dir():
            raise OfflineTerraformError(
                f"{MIRROR_ENV_VAR}={configured} does not hold {AWS_ADDRESS}: point it at a "
                "filesystem mirror directory containing registry.terraform.io/hashicorp/aws/"
                "<version>/<os>_<arch>/ (for example one made with `terraform providers mirror`)."
            )
        return mirror
    if (DEFAULT_MIRROR / AWS_ADDRESS).is_dir():
        return DEFAULT_MIRROR
    raise OfflineTerraformError(
        f"No provider mirror for {AWS_ADDRESS}: set {MIRROR_ENV_VAR} to a filesystem mirror "
        "directory (for example one made with `terraform providers mirror DIR` on a machine with "
        f"registry access); {DEFAULT_MIRROR} does not exist on this machine."
    )


def _write_if_changed(path: Path, content: str, mode: int = 0o644) -> None:
    """Write atomically, and only when the content differs (several processes share the files)."""
    try:
        if path.read_text() == content and (path.stat().st_mode & 0o777) == mode:
            return
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# The executable's text must not depend on where things are: Terraform records a checksum of the
# provider package in .terraform.lock.hcl and refuses a package that differs from a recorded
# one. The interpreter and checkout therefore live in a file next to the mirror, which the
# script finds from its own resolved location (package dir -> 6 levels up -> base dir).
STANDIN_SCRIPT = """#!/bin/sh
# OFFLINE STAND-IN for hashicorp/archive, generated by terraform_offline for offline
# tests and demos. Not the real provider: see terraform_offline/archive_standin.py.
here=$(dirname "$(readlink -f "$0")")
. "$here/../../../../../../archive-standin.env"
PYTHONPATH="$STANDIN_REPO${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
exec "$STANDIN_PYTHON" -m terraform_offline.archive_standin "$@"
"""


def standin_target(python: str, repo_root: Path) -> str:
    """The shell fragment the stand-in's script sources: which interpreter and checkout to use."""
    return (
        "# Interpreter and checkout the OFFLINE STAND-IN for hashicorp/archive runs with.\n"
        f"STANDIN_PYTHON={shlex.quote(python)}\n"
        f"STANDIN_REPO={shlex.quote(str(repo_root))}\n"
    )


def install_archive_standin(
    mirror_dir: Path, python: str | None = None, repo_root: Path = REPO_ROOT
) -> Path:
    """Install the stand-in into an unpacked filesystem mirror; return the executable's path.

    The interpreter and checkout go to `archive-standin.env` in the mirror's parent directory.
    """
    host, namespace, name = ARCHIVE_ADDRESS.split("/")
    package_dir = mirror_dir / host / namespace / name / STANDIN_VERSION / terraform_platform()
    executable = package_dir / f"terraform-provider-{name}_v{STANDIN_VERSION}"
    _write_if_changed(
        mirror_dir.parent / "archive-standin.env",
        standin_target(python or sys.executable, repo_root),
    )
    _write_if_changed(executable, STANDIN_SCRIPT, 0o755)
    return executable


# A launcher's text names only the binary's place inside the mirror, so its checksum is the same
# wherever the mirror is; the mirror's own path is in provider-mirror.env in the base directory
# (launcher dir -> 6 levels up -> base dir), as for the stand-in.
LAUNCHER_SCRIPT = """#!/bin/sh
# PROVIDER LAUNCHER generated by terraform_offline for offline tests and demos: runs the
# provider binary at this path inside the filesystem mirror named in provider-mirror.env.
here=$(dirname "$(readlink -f "$0")")
. "$here/../../../../../../provider-mirror.env"
exec "$PROVIDER_MIRROR"/{relative} "$@"
"""
LAUNCHER_MIRROR = "provider-launchers"
# Unpacked layout: <host>/<namespace>/<type>/<version>/<os>_<arch>/terraform-provider-<type>_*
UNPACKED_EXECUTABLES = "*/*/*/*/*/terraform-provider-*"


def install_provider_launchers(
    mirror: Path, launcher_mirror: Path, skip: frozenset[str] = frozenset()
) -> list[str]:
    """A launcher in ``launcher_mirror`` for each unpacked provider in ``mirror``; the addresses.

    ``skip``: provider addresses left out (the archive provider when the stand-in replaces it).
    Launchers whose binary has left the mirror are removed.
    """
    _write_if_changed(
        launcher_mirror.parent / "provider-mirror.env",
        f"PROVIDER_MIRROR={shlex.quote(str(mirror))}\n",
    )
    wanted: set[Path] = set()
    addresses: set[str] = set()
    for binary in sorted(mirror.glob(UNPACKED_EXECUTABLES)):
        relative = binary.relative_to(mirror)
        address = "/".join(relative.parts[:3])
        if address in skip or not binary.is_file() or not os.access(binary, os.X_OK):
            continue
        _write_if_changed(
            launcher_mirror / relative,
            LAUNCHER_SCRIPT.format(relative=shlex.quote(relative.as_posix())),
            0o755,
        )
        wanted.add(launcher_mirror / relative)
        addresses.add(address)
    for stale in launcher_mirror.glob(UNPACKED_EXECUTABLES):
        if stale not in wanted:
            stale.unlink(missing_ok=True)
    return sorted(addresses)


def _hcl_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("${", "$${").replace("%{", "%%{") + '"'


def cli_config_text(
    aws_mirror: Path,
    archive_mirror: Path | None,
    launcher_mirror: Path | None = None,
    launched: Sequence[str] = (),
) -> str:
    """The CLI configuration: filesystem mirrors only, no `direct` installation.

    ``launched``: the provider addresses installed from ``launcher_mirror`` instead of
    ``aws_mirror``.
    """
    lines = [
        "# Written by terraform_offline for offline tests and demos; not for users.",
        "provider_installation {",
    ]
    if archive_mirror is not None:
        lines += [
            "  # OFFLINE STAND-IN for hashicorp/archive (terraform_offline).",
            "  filesystem_mirror {",
            f"    path    = {_hcl_string(str(archive_mirror))}",
            f"    include = [{_hcl_string(ARCHIVE_ADDRESS)}]",
            "  }",
        ]
    if launcher_mirror is not None and launched:
        lines += [
            "  # Launchers of the unpacked providers in the mirror below (terraform_offline).",
            "  filesystem_mirror {",
            f"    path    = {_hcl_string(str(launcher_mirror))}",
            f"    include = [{', '.join(_hcl_string(a) for a in launched)}]",
            "  }",
        ]
    excluded = [*([ARCHIVE_ADDRESS] if archive_mirror is not None else []), *launched]
    lines += ["  filesystem_mirror {", f"    path    = {_hcl_string(str(aws_mirror))}"]
    if excluded:
        lines.append(f"    exclude = [{', '.join(_hcl_string(a) for a in sorted(set(excluded)))}]")
    lines += ["  }", "}", ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class OfflineTerraform:
    """A prepared offline environment: where things are, and the env vars that select it."""

    base_dir: Path
    cli_config: Path
    aws_mirror: Path
    # None when the aws mirror also holds the real hashicorp/archive, which is then used.
    archive_mirror: Path | None
    # The provider addresses Terraform runs through launchers (install_provider_launchers).
    launched: tuple[str, ...] = ()

    @property
    def uses_archive_standin(self) -> bool:
        return self.archive_mirror is not None

    def env(self) -> dict[str, str]:
        """Variables to merge into a Terraform subprocess's environment."""
        return {
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        }


def _default_base_dir(python: str, aws_mirror: Path) -> Path:
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    # One directory per checkout, interpreter and mirror: the stand-in's env file names the first
    # two, the launchers' the mirror.
    digest = hashlib.sha256(f"{REPO_ROOT}\0{python}\0{aws_mirror}".encode()).hexdigest()[:12]
    return cache_home / "secret-rotation" / f"terraform-offline-{digest}"


def prepare(
    base_dir: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    force_standin: bool = False,
) -> OfflineTerraform:
    """Install the stand-in if needed and write the CLI configuration; cheap when repeated.

    `base_dir` defaults to a per-checkout directory under ~/.cache, stable across runs so that
    `.terraform` directories and lock files written by earlier runs stay valid.
    `force_standin` uses the stand-in even when the aws mirror holds the real archive provider
    (the stand-in's own tests need that).
    """
    python = sys.executable
    aws_mirror = aws_provider_mirror(environ)
    base = (base_dir or _default_base_dir(python, aws_mirror)).resolve()
    archive_mirror: Path | None = None
    if force_standin or not (aws_mirror / ARCHIVE_ADDRESS).is_dir():
        archive_mirror = base / "archive-standin-mirror"
        install_archive_standin(archive_mirror, python)
    launcher_mirror = base / LAUNCHER_MIRROR
    skip = frozenset([ARCHIVE_ADDRESS] if archive_mirror is not None else [])
    launched = install_provider_launchers(aws_mirror, launcher_mirror, skip)
    cli_config = base / "terraform.rc"
    _write_if_changed(
        cli_config, cli_config_text(aws_mirror, archive_mirror, launcher_mirror, launched)
    )
    return OfflineTerraform(base, cli_config, aws_mirror, archive_mirror, tuple(launched))


@functools.cache
def _prepared_default(mirror: str, force_standin: bool) -> OfflineTerraform:
    return prepare(environ={MIRROR_ENV_VAR: mirror}, force_standin=force_standin)


def offline_terraform(*, force_standin: bool = False) -> OfflineTerraform:
    """`prepare()` with the defaults, once per process (per value of $TF_PROVIDER_MIRROR)."""
    return _prepared_default(os.environ.get(MIRROR_ENV_VAR, ""), force_standin)


def offline_env(*, force_standin: bool = False) -> dict[str, str]:
    """Env vars for a Terraform subprocess that must work offline: merge into os.environ."""
    return offline_terraform(force_standin=force_standin).env()
