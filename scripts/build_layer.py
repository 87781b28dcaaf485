"""Build a Lambda layer directory for a rotation strategy's driver: ``build/layers/<name>/python/``.

    python scripts/build_layer.py postgres [--wheelhouse DIR] [--ca-bundle PEM] [--output DIR]
    python scripts/build_layer.py postgres --zip PATH [--python-version 3.12]

Installs the pinned, hash-checked wheels of scripts/layers/<name>.txt with pip (``--no-deps``: the
file lists every dependency; ``--only-binary``: no build step; ``--no-compile``: no .pyc), then
makes the tree reproducible: every directory 0755, every file 0644, every mtime the same fixed
time, and pip's per-install files (INSTALLER, REQUESTED, direct_url.json) removed, with RECORD
rewritten to match. modules/rotation-function zips the directory with archive_file (entries in
lexical order, zeroed timestamps, output_file_mode 0644), so the same versions give the same
hash on every machine. The digest printed at the end is over paths, modes and contents.

``--zip PATH`` writes the layer as a zip instead (entries in lexical order, fixed times, modes
0644/0755; no directory is left behind): what modules/driver-layer runs at apply, and what an
org uploads with `aws lambda publish-layer-version` where Terraform cannot reach a package index.
``--python-version`` installs for the function's Python (pip's ``--python-version``), so the
interpreter that builds need not be the runtime's version. pip runs as configured on the machine
(pip.conf, PIP_INDEX_URL, proxy settings): an org's mirror is honoured, and its cache reused.

The directory is a build output (build/ is git-ignored), never committed. ``--wheelhouse`` installs
from a local directory of wheels instead of the index (offline builds; the hashes still apply).
``--from-installed`` copies the pinned distributions from the running interpreter's environment
instead (they must be installed at exactly the pinned versions, e.g. in .venv by `make venv`): no
network at all, same files. ``--ca-bundle PEM`` copies a CA bundle into the layer as
``certs/<file name>``, which Lambda mounts at ``/opt/certs/<file name>``: point PG_CA_BUNDLE there
(e.g. the RDS global bundle).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "scripts" / "layers"
# 1980-01-01T00:00:00Z, the earliest time a zip entry can hold.
FIXED_MTIME = 315532800
PIP_INSTALL_FILES = ("INSTALLER", "REQUESTED", "direct_url.json")


def build(
    name: str,
    output: Path,
    wheelhouse: Path | None,
    ca_bundles: tuple[Path, ...] = (),
    *,
    from_installed: bool = False,
    python_version: str | None = None,
) -> Path:
    requirements = REQUIREMENTS / f"{name}.txt"
    if not requirements.is_file():
        known = ", ".join(sorted(p.stem for p in REQUIREMENTS.glob("*.txt")))
        raise SystemExit(f"no layer named {name!r} (scripts/layers/{name}.txt); known: {known}")
    layer = output / name
    target = layer / "python"
    # Install next to the result and swap it in at the end: an interrupted build never leaves a
    # half-filled directory that the module would zip.
    output.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=output))
    try:
        if from_installed:
            _copy_installed(requirements, staging / "python")
        else:
            _pip_install(requirements, staging / "python", wheelhouse, python_version)
        for bundle in ca_bundles:
            certs = staging / "certs"
            certs.mkdir(exist_ok=True)
            shutil.copyfile(bundle, certs / bundle.name)
        _normalise(staging)
        if layer.exists():
            shutil.rmtree(layer)
        staging.rename(layer)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _pip_install(
    requirements: Path, target: Path, wheelhouse: Path | None, python_version: str | None = None
) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        "--no-deps",
        "--only-binary=:all:",
        "--no-compile",
        "--require-hashes",
        "--target",
        str(target),
        "--requirement",
        str(requirements),
    ]
    if wheelhouse is not None:
        command += ["--no-index", "--find-links", str(wheelhouse)]
    if python_version is not None:
        # Requires-Python is checked against the function's Python, not the builder's.
        command += ["--python-version", python_version]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PIP_NO_WARN_SCRIPT_LOCATION": "1"}
    subprocess.run(command, check=True, env=env)  # noqa: S603  fixed arguments, no shell


def _pins(requirements: Path) -> list[tuple[str, str]]:
    pins = []
    for line in requirements.read_text().splitlines():
        if line and not line.startswith(("#", " ")):
            name, _, version = line.split()[0].partition("==")
            pins.append((name, version))
    return pins


def _copy_installed(requirements: Path, target: Path) -> None:
    """The files pip installed for each pinned distribution, from this interpreter's environment."""
    from importlib import metadata  # noqa: PLC0415

    for name, version in _pins(requirements):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"--from-installed: {name} is not installed in {sys.prefix}") from None
        if dist.version != version:
            raise SystemExit(
                f"--from-installed: {name} {dist.version} is installed, {version} is pinned"
            )
        for file in dist.files or ():
            relative = Path(str(file))
            if relative.parts[0] == ".." or "__pycache__" in relative.parts:
                continue  # console scripts outside site-packages; bytecode
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(str(file.locate())), destination)


def _normalise(layer: Path) -> None:
    for cache in sorted(layer.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)
    for compiled in layer.rglob("*.py[co]"):
        compiled.unlink()
    bin_dir = layer / "python" / "bin"
    if bin_dir.exists():
        shutil.rmtree(bin_dir)  # console scripts: absolute interpreter paths, unused in a layer
    for dist_info in layer.glob("python/*.dist-info"):
        removed = {f for f in PIP_INSTALL_FILES if (dist_info / f).exists()}
        for file_name in removed:
            (dist_info / file_name).unlink()
        record = dist_info / "RECORD"
        if record.exists() and removed:
            kept = [
                line
                for line in record.read_text().splitlines()
                if line.split(",", 1)[0].rsplit("/", 1)[-1] not in removed
                and "__pycache__" not in line
            ]
            record.write_text("\n".join(kept) + "\n")
    for path in sorted(layer.rglob("*"), reverse=True):
        path.chmod(0o755 if path.is_dir() else 0o644)
        os.utime(path, (FIXED_MTIME, FIXED_MTIME), follow_symlinks=False)
    layer.chmod(0o755)


def write_zip(layer: Path, destination: Path) -> None:
    """Zip a normalised layer directory: entries in lexical order, fixed times and modes.

    Written beside the destination and renamed into place, so a reader never sees half a zip.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            files = {p.relative_to(layer).as_posix(): p for p in layer.rglob("*") if p.is_file()}
            for name, path in sorted(files.items()):
                entry = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                entry.external_attr = (0o100644 & 0xFFFF) << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, path.read_bytes())
        os.chmod(tmp, 0o644)
        os.replace(tmp, destination)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def digest(layer: Path) -> str:
    """sha256 over every file's relative path, mode and content, in lexical order."""
    h = hashlib.sha256()
    for path in sorted(p for p in layer.rglob("*") if p.is_file()):
        relative = path.relative_to(layer).as_posix()
        h.update(f"{relative}\0{path.stat().st_mode & 0o777:o}\0".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("name", help="layer name: scripts/layers/<name>.txt (e.g. postgres)")
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "layers")
    parser.add_argument("--wheelhouse", type=Path, help="install from these wheels, offline")
    parser.add_argument(
        "--ca-bundle",
        type=Path,
        action="append",
        default=[],
        help="PEM file to ship as /opt/certs/<name> (repeatable)",
    )
    parser.add_argument(
        "--zip", type=Path, help="write the layer as this zip file (no directory is kept)"
    )
    parser.add_argument(
        "--python-version",
        help="the function's Python, e.g. 3.12 (pip --python-version); default: this interpreter's",
    )
    parser.add_argument(
        "--from-installed",
        action="store_true",
        help="copy the pinned versions from this interpreter's environment (offline)",
    )
    args = parser.parse_args(argv)
    if args.from_installed and args.wheelhouse:
        parser.error("--from-installed and --wheelhouse exclude each other")
    for bundle in args.ca_bundle:
        if not bundle.is_file():
            parser.error(f"--ca-bundle {bundle}: no such file")
    if args.zip is None:
        output = args.output.resolve()
    else:
        args.zip.parent.mkdir(parents=True, exist_ok=True)
        output = Path(tempfile.mkdtemp(prefix=f".{args.name}-layer-", dir=args.zip.parent))
    try:
        target = build(
            args.name,
            output,
            args.wheelhouse,
            tuple(args.ca_bundle),
            from_installed=args.from_installed,
            python_version=args.python_version,
        )
        layer = target.parent
        if args.zip is not None:
            write_zip(layer, args.zip)
            print(f"layer {args.name}: {args.zip}, content sha256 {digest(layer)}")
        else:
            print(f"layer {args.name}: {layer} (python/ inside), sha256 {digest(layer)}")
    finally:
        if args.zip is not None:
            shutil.rmtree(output, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
