"""The MariaDB the tests need: installed with apt-get where missing and we are root, saying so;
otherwise an error naming the package (tests/mysql/mariadbserver.py, ensure_installed)."""

from __future__ import annotations

import subprocess
from typing import Any

import mariadbserver
import pytest


def test_missing_mariadbd_as_root_is_installed_with_apt_get_saying_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    installed: list[list[str]] = []

    def which(name: str) -> str | None:
        if name == "apt-get":
            return "/usr/bin/apt-get"
        return f"/usr/sbin/{name}" if installed else None

    def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        installed.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(mariadbserver, "_which", which)
    monkeypatch.setattr(mariadbserver.os, "geteuid", lambda: 0)
    monkeypatch.setattr(mariadbserver.subprocess, "run", run)

    assert mariadbserver.ensure_installed() == (
        "/usr/sbin/mariadbd",
        "/usr/sbin/mariadb-install-db",
    )
    assert [c[:2] for c in installed] == [["apt-get", "update"], ["apt-get", "install"]]
    assert installed[1][-1] == "mariadb-server"
    assert "installing mariadb-server with apt-get" in capsys.readouterr().err


def test_missing_mariadbd_without_root_fails_naming_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mariadbserver, "_which", lambda name: None)
    monkeypatch.setattr(mariadbserver.os, "geteuid", lambda: 1000)

    with pytest.raises(mariadbserver.MariaDbUnavailableError, match="mariadb-server"):
        mariadbserver.ensure_installed()
