"""Import a Python file that is not on a package path: scripts/ and another folder's conftest.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[1]


def load_module(name: str, path: Path) -> ModuleType:
    """Execute ``path`` as module ``name`` (registered in sys.modules, so dataclasses work)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build_layer_script() -> ModuleType:
    """scripts/build_layer.py, which builds the PostgreSQL driver layer."""
    return load_module("build_layer", REPO_ROOT / "scripts" / "build_layer.py")
