"""rotator/STRATEGIES.md's complete example runs: its strategy and its test, as a user writes them.

The two Python blocks of "Testing your strategy" are written to files and the test function of
the second one is called, so the page cannot drift from the loader and the testbed.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

import rotator

PAGE = Path(rotator.__file__).resolve().parent / "STRATEGIES.md"


def _blocks_after(heading: str) -> list[str]:
    text = PAGE.read_text()
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_pages_strategy_and_its_test_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    strategy, test = _blocks_after("Testing your strategy")
    (tmp_path / "vendor_x.py").write_text(strategy)
    (tmp_path / "test_vendor_x.py").write_text(test)
    # A fresh module name for this run (Python caches imports by name).
    monkeypatch.delitem(__import__("sys").modules, "vendor_x", raising=False)
    spec = importlib.util.spec_from_file_location(
        "doc_test_vendor_x", tmp_path / "test_vendor_x.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    module.test_rotation_publishes_the_new_key()


def test_the_page_states_the_protocol_version_the_loader_checks() -> None:
    from rotator.strategies.base import PROTOCOL_VERSION  # noqa: PLC0415

    assert f"**Strategy protocol, version {PROTOCOL_VERSION}.**" in PAGE.read_text()
