"""Strategies: what setSecret and testSecret do for a kind of secret, keyed by ROTATION_STRATEGY.

The loader: a name from rotator.strategy_registry to its class, importing the strategy's module only
when that strategy is selected, so a strategy's driver (e.g. a database client) never loads for
the others. To add a strategy, write a ``Strategy`` subclass and add its name to the registry.

``custom`` is not in the registry: it selects the class CUSTOM_STRATEGY names ("module:Class"),
written outside this repository and packed beside the rotator by modules/rotation-function
(rotator/strategies/custom.py, rotator/STRATEGIES.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from rotator.errors import ConfigurationError

# The names and defaults live in rotator.strategy_registry (configuration reads them without
# importing a strategy); they are re-exported here for the loader's callers.
from rotator.strategy_registry import (
    CUSTOM,
    CUSTOM_CLASS_EXAMPLE,
    CUSTOM_CLASS_SPEC,
    GENERIC_EXCLUDE_CHARACTERS,
    REGISTRY,
    default_exclude_characters,
    names,
    selectable_names,
)

if TYPE_CHECKING:
    from rotator.strategies.base import Strategy

__all__ = [
    "CUSTOM",
    "CUSTOM_CLASS_EXAMPLE",
    "CUSTOM_CLASS_SPEC",
    "GENERIC_EXCLUDE_CHARACTERS",
    "default_exclude_characters",
    "forget_loaded",
    "load",
    "names",
    "selectable_names",
]

_loaded: dict[str, Strategy] = {}


def load(name: str, custom_class: str | None = None) -> Strategy:
    """The strategy registered as ``name``; its module is imported on first use.

    ``name`` ``custom``: the class ``custom_class`` ("module:Class", CUSTOM_STRATEGY) names.
    """
    if name == CUSTOM:
        if not custom_class:
            raise ConfigurationError(
                "ROTATION_STRATEGY is custom but CUSTOM_STRATEGY is not set",
                remedy="Set CUSTOM_STRATEGY to module:Class (modules/rotation-function does it "
                "from custom_strategy.class)",
            )
        key = f"{CUSTOM}:{custom_class}"
        if key not in _loaded:
            from rotator.strategies.custom import load_custom  # noqa: PLC0415  custom only

            _loaded[key] = load_custom(custom_class)
        return _loaded[key]
    if name not in _loaded:
        if name not in REGISTRY:
            raise ConfigurationError(
                f"ROTATION_STRATEGY is {name!r}",
                remedy=f"Set ROTATION_STRATEGY to one of {', '.join(selectable_names())}",
            )
        module_name, _, class_name = REGISTRY[name].partition(":")
        strategy_class: type[Strategy] = getattr(importlib.import_module(module_name), class_name)
        _loaded[name] = strategy_class()
    return _loaded[name]


def forget_loaded() -> None:
    """Drop every loaded strategy, as a new container would start (the test helper uses it)."""
    _loaded.clear()
