"""The driver loads only when a MySQL strategy logs in; without it, a clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import rotator

ROOT = Path(rotator.__file__).resolve().parent.parent


def _run(code: str, *, no_site: bool = False) -> str:
    flags = ["-S"] if no_site else []
    result = subprocess.run(
        [sys.executable, *flags, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout.strip()


def test_loading_the_strategies_does_not_import_a_driver() -> None:
    code = (
        "import sys\n"
        "from rotator import strategies\n"
        "strategies.load('mysql-single-user'); strategies.load('mysql-multi-user')\n"
        "print('pymysql' in sys.modules, 'pg8000' in sys.modules)"
    )

    assert _run(code) == "False False"


def test_without_the_driver_login_fails_naming_the_layer() -> None:
    code = (
        "from rotator.strategies.mysql import database\n"
        "from rotator.strategies.mysql.errors import DriverMissingError\n"
        "try:\n"
        "    database._driver()\n"
        "except DriverMissingError as exc:\n"
        "    print(exc)\n"
    )

    message = _run(code, no_site=True)  # -S: no site-packages, as without the layer

    assert "PyMySQL is not installed" in message
    assert "make layer" in message
    assert "mysql-multi-user" in message
