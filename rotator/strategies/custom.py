"""Loading a custom strategy: ``ROTATION_STRATEGY=custom`` with ``CUSTOM_STRATEGY=module:Class``.

modules/rotation-function packs the files of ``custom_strategy.source_dir`` under
``custom_strategy/`` in the function's zip, beside ``rotator/``. That directory goes on
``sys.path`` (last, so neither the runtime's modules nor the rotator's can be shadowed by a file
of the same name), the module is imported, and the class is checked against the protocol of
rotator/STRATEGIES.md before one instance is made. Every failure is a CustomStrategyError that
says what to change; none quotes the text of an exception raised by the user's code, which could
hold anything, only its type, a missing module's name or a file and line.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import traceback
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rotator.errors import CustomStrategyError
from rotator.strategies.base import PROTOCOL_VERSION, STEP_METHODS, SUPPORTED_PROTOCOL_VERSIONS
from rotator.strategy_registry import CUSTOM_CLASS_EXAMPLE, CUSTOM_CLASS_SPEC

if TYPE_CHECKING:
    from rotator.strategies.base import Strategy

# Where the module packs the user's files: /var/task/custom_strategy in the function.
PACKAGED_DIR = Path(__file__).resolve().parents[2] / "custom_strategy"


def load_custom(spec: str) -> Strategy:
    """An instance of the class ``spec`` names ("module:Class"), checked against the protocol."""
    if not CUSTOM_CLASS_SPEC.match(spec):
        raise CustomStrategyError(
            f"CUSTOM_STRATEGY {spec!r} is not of the form module:Class",
            remedy="Set custom_strategy.class to a module path and a class name, e.g. "
            + CUSTOM_CLASS_EXAMPLE,
        )
    module_name, _, class_name = spec.partition(":")
    if module_name.split(".")[0] == "rotator":
        raise CustomStrategyError(
            f"CUSTOM_STRATEGY {spec!r} names a module inside the rotator package",
            remedy="Select a built-in strategy with rotation_strategy instead, or rename the "
            "module",
        )
    if PACKAGED_DIR.is_dir() and str(PACKAGED_DIR) not in sys.path:
        sys.path.append(str(PACKAGED_DIR))
    module = _import(module_name)
    strategy_class = getattr(module, class_name, None)
    where = f"{class_name} in module {module_name} ({_file_of(module)})"
    if strategy_class is None:
        raise CustomStrategyError(
            f"module {module_name} ({_file_of(module)}) has no {class_name}",
            remedy="Set custom_strategy.class to the name of the strategy class in that module",
        )
    if not inspect.isclass(strategy_class):
        raise CustomStrategyError(
            f"{where} is a {type(strategy_class).__name__}, not a class",
            remedy="Name a class that implements the strategy protocol (rotator/STRATEGIES.md)",
        )
    _check_protocol_version(strategy_class, where)
    _check_methods(strategy_class, where)
    try:
        # Checked structurally above: a class need not subclass Strategy to implement it.
        instance = cast("Strategy", strategy_class())
    except Exception as exc:  # noqa: BLE001  its message is the user's code's: type only
        raise CustomStrategyError(
            f"creating {where} with no arguments raised {type(exc).__name__}",
            remedy="The rotator creates the strategy once per container with no arguments: give "
            "every __init__ parameter a default, and read configuration in the steps",
        ) from None
    return instance


def _import(module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or "?"
        if module_name == missing or module_name.startswith(missing + "."):
            raise CustomStrategyError(
                f"module {module_name} was not found",
                remedy=f"custom_strategy.source_dir must hold {module_name.replace('.', '/')}.py "
                "(or a package of that name); the module packs it under custom_strategy/ in the "
                "function's zip",
            ) from None
        raise CustomStrategyError(
            f"module {module_name} imports {missing}, which the function does not have",
            remedy="The Lambda Python runtime has the standard library and boto3 only: copy "
            "pure-Python dependencies into custom_strategy.source_dir (pip install --target "
            "<source_dir> <package>), or build a layer holding them under python/ and list its "
            "ARN in the layers input of modules/rotation-function or modules/secret-rotation",
        ) from None
    except SyntaxError as exc:
        raise CustomStrategyError(
            f"module {module_name} does not compile: {Path(exc.filename or '?').name}, "
            f"line {exc.lineno}",
            remedy="Fix the syntax error; the module must run on the function's Python runtime",
        ) from None
    except Exception as exc:  # noqa: BLE001  its message is the user's code's: type only
        raise CustomStrategyError(
            f"importing module {module_name} raised {type(exc).__name__}",
            remedy="Fix the module's import-time code (import it in a test with rotation_testing "
            "to see the traceback)",
        ) from None


def _check_protocol_version(strategy_class: type, where: str) -> None:
    supported = ", ".join(str(v) for v in sorted(SUPPORTED_PROTOCOL_VERSIONS))
    version = getattr(strategy_class, "protocol_version", None)
    if version is None:
        raise CustomStrategyError(
            f"{where} declares no protocol_version",
            remedy=f"Add `protocol_version = {PROTOCOL_VERSION}` to the class, the version of "
            "rotator/STRATEGIES.md it was written for",
        )
    if isinstance(version, bool) or not isinstance(version, int):
        raise CustomStrategyError(
            f"{where} declares protocol_version {version!r}, not a whole number",
            remedy=f"Set protocol_version to a whole number this rotator supports: {supported}",
        )
    if version not in SUPPORTED_PROTOCOL_VERSIONS:
        raise CustomStrategyError(
            f"{where} declares protocol_version {version}; this rotator supports {supported}",
            remedy="Deploy a rotator that supports that version, or port the strategy to a "
            "supported one (rotator/STRATEGIES.md lists what changed between versions)",
        )


def _check_methods(strategy_class: type, where: str) -> None:
    missing = [
        name
        for name in STEP_METHODS
        if not callable(getattr(strategy_class, name, None))
        or getattr(getattr(strategy_class, name), "__isabstractmethod__", False)
    ]
    if missing:
        raise CustomStrategyError(
            f"{where} does not implement {', '.join(missing)}",
            remedy="Implement create_pending_value(ctx, current), set_secret(ctx) and "
            "test_secret(ctx) (rotator/STRATEGIES.md)",
        )


def _file_of(module: Any) -> str:
    """The module's file, relative to the directory it was found in when that is short."""
    file = getattr(module, "__file__", None)
    if not file:
        return "no file"
    path = Path(file)
    for root in (PACKAGED_DIR, *(Path(p) for p in sys.path if p)):
        try:
            return str(path.relative_to(root))
        except ValueError:
            continue
    return path.name


def frame_in_strategy(exc: BaseException, strategy: object) -> str | None:
    """Where in the strategy's own code ``exc`` was raised, e.g. "vendor_x.py:42 in set_secret".

    The innermost frame of the traceback in a file of the strategy: under the directory its module
    was imported from (custom_strategy/ in the function, source_dir in rotation_testing), leaving
    out the files of libraries installed there with ``pip install --target`` (listed in their
    ``*.dist-info/RECORD``), so a library's error is placed at the strategy's call into it. A
    file name, a line and a function name: never the exception's text. None when no frame of the
    traceback is the strategy's (the rotator failed before or after calling it).
    """
    module = sys.modules.get(type(strategy).__module__)
    file = getattr(module, "__file__", None)
    if module is None or not file:
        return None
    path = Path(file).resolve()
    # The directory the top-level package was found in: one level up per dot of the module
    # name, one more for a package's __init__.py.
    depth = module.__name__.count(".") + (1 if path.name == "__init__.py" else 0)
    root = path.parents[depth]
    library_files = _library_files(root)
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        frame_path = Path(frame.filename).resolve()
        try:
            relative = frame_path.relative_to(root).as_posix()
        except ValueError:
            continue
        if relative not in library_files:
            found = f"{relative}:{frame.lineno} in {frame.name}"
    return found


@cache
def _library_files(root: Path) -> frozenset[str]:
    """Files that pip installed into ``root`` (``--target``), as RECORD lists them."""
    files: set[str] = set()
    for record in root.glob("*.dist-info/RECORD"):
        try:
            lines = record.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        files.update(line.split(",", 1)[0] for line in lines if line)
    return frozenset(files)
