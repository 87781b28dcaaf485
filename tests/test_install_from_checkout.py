"""`pip install <checkout>` installs the package and leaves the checkout alone.

A copy of the checkout (its tracked and unignored files, as a user's clone holds them) is installed
into a fresh virtualenv; every file and directory of the copy is the same before and after, byte
for byte, and ``from rotation_testing import StrategyTestbed`` works there, from the installed
package. setuptools wrote build/ and secret_rotation.egg-info/ into the source tree; hatchling
builds in pip's temporary directory.

Fast and offline: the virtualenv has no pip of its own (this one installs into it with
``--python``), and moto, boto3 and the build backend come from this virtualenv's site-packages
through a path file (``--no-deps --no-build-isolation``). The path file adds the directory only:
the path files in it (this checkout's editable install) are not read, so the package can only come
from the new install.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _checkout_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return [name for name in listed if name and (ROOT / name).is_file()]


def _snapshot(tree: Path) -> dict[str, str]:
    """Every file (by content hash) and directory under ``tree``."""
    found: dict[str, str] = {}
    for path in sorted(tree.rglob("*")):
        name = path.relative_to(tree).as_posix()
        found[name] = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "directory"
        )
    return found


def test_pip_install_of_a_checkout_writes_nothing_into_it(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    for name in _checkout_files():
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, checkout / name)
    before = _snapshot(checkout)

    env_dir = tmp_path / "user-venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    ours = sysconfig.get_paths()["purelib"]
    (site_packages / "project_dependencies.pth").write_text(ours + "\n")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PIP_REQUIRE_VIRTUALENV"}}

    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(checkout),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr

    assert _snapshot(checkout) == before, "pip install wrote into the checkout"
    used = subprocess.run(
        [
            str(python),
            "-c",
            "import rotation_testing, rotator\n"
            "from rotation_testing import StrategyTestbed\n"
            "print(rotation_testing.__file__)\n"
            "print(rotator.__file__)\n"
            "print(StrategyTestbed.__name__)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert used.returncode == 0, used.stderr
    helper, function, name = used.stdout.split()
    assert Path(helper).is_relative_to(site_packages)
    assert Path(function).is_relative_to(site_packages)
    assert name == "StrategyTestbed"
    # The guide ships with the package; the sandbox, the tests and the tools do not.
    assert (site_packages / "rotator" / "STRATEGIES.md").is_file()
    assert (site_packages / "rotation_testing" / "pytest_plugin.py").is_file()
    assert (site_packages / "rotation_doctor" / "policy.json").is_file()
    assert (env_dir / "bin" / "rotation-doctor").is_file()
    shipped = {p.name for p in site_packages.iterdir() if (p / "__init__.py").is_file()}
    assert not shipped & {"sandbox", "tests", "terraform_offline", "bench", "scripts"}
