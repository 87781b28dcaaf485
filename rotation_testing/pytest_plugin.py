"""pytest plugin: the ``strategy_testbed`` fixture, registered by the package's ``pytest11`` entry
point, so it is there in any test suite of a virtualenv the package is installed in.

    def test_rotation(strategy_testbed) -> None:
        bed = strategy_testbed("vendor_x:VendorXKey", source_dir="rotation")
        arn = bed.create_secret("vendor-x/api-key", '{"api_key": "first"}')
        bed.rotate(arn)

The fixture is a factory: it takes ``StrategyTestbed``'s arguments and returns a testbed already
entered, closed when the test ends. Nothing is imported until a test asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from rotation_testing.testbed import StrategyTestbed


@pytest.fixture
def strategy_testbed() -> Iterator[Callable[..., StrategyTestbed]]:
    """``strategy_testbed(strategy, source_dir=..., environment=...)``: an open testbed."""
    from rotation_testing.testbed import StrategyTestbed  # noqa: PLC0415  moto only when used

    opened: list[StrategyTestbed] = []

    def open_testbed(strategy: str, **options: Any) -> StrategyTestbed:
        if opened:
            raise RuntimeError(
                "one StrategyTestbed per test: it patches moto for the whole process; use the "
                "one this fixture returned"
            )
        bed = StrategyTestbed(strategy, **options).__enter__()
        opened.append(bed)
        return bed

    yield open_testbed
    for bed in opened:
        bed.__exit__(None, None, None)
