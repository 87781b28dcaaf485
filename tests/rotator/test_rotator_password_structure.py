"""Generated values have no structure: a character's class does not depend on its position.

With REQUIRE_EACH_INCLUDED_TYPE, a password holds one character of each class placed at random,
the rest drawn from the whole alphabet. So at every position the chance of class c is

    p_c = 1/L + (L - k)/L * |c| / |alphabet|      (L the length, k the number of classes)

The test counts classes per position over many passwords and sums Pearson's chi-square against
those p_c. A generator that puts the required characters first (or anywhere fixed) makes that sum
hundreds of times larger; the real one keeps it near its degrees of freedom. The bound is the
chi-square quantile for a false alarm about once in a million runs (Wilson-Hilferty, z = 4.75).
"""

from __future__ import annotations

import json
import math
import secrets
from types import SimpleNamespace
from typing import Any

import pytest

from rotator.config import Config
from rotator.passwords import PasswordPolicy, generate_password
from rotator.secret_store import SecretVersion
from rotator.strategies.generic import GenericStrategy
from rotator.strategies.postgres.strategies import (
    PostgresMultiUserStrategy,
    PostgresSingleUserStrategy,
)

POLICY = PasswordPolicy()
SAMPLES = 2000
Z_ONE_IN_A_MILLION = 4.75


def _class_of(char: str, classes: tuple[str, ...]) -> int:
    return next(i for i, members in enumerate(classes) if char in members)


def _expected(policy: PasswordPolicy) -> list[float]:
    classes = policy.character_classes()
    size = sum(len(c) for c in classes)
    length, k = policy.length, len(classes)
    return [1 / length + (length - k) / length * len(c) / size for c in classes]


def _chi_square_bound(degrees: int) -> float:
    """Upper quantile of chi-square(degrees) at about 1e-6 (Wilson-Hilferty)."""
    spread = 2 / (9 * degrees)
    return float(degrees * (1 - spread + Z_ONE_IN_A_MILLION * math.sqrt(spread)) ** 3)


def _statistic(values: list[str], policy: PasswordPolicy, positions: int) -> tuple[float, int]:
    """Pearson's chi-square summed over ``positions``, and its degrees of freedom."""
    classes = policy.character_classes()
    expected = _expected(policy)
    total = 0.0
    for position in range(positions):
        counts = [0] * len(classes)
        for value in values:
            counts[_class_of(value[position], classes)] += 1
        total += sum(
            (observed - len(values) * p) ** 2 / (len(values) * p)
            for observed, p in zip(counts, expected, strict=True)
        )
    return total, positions * (len(classes) - 1)


def _fixed_layout(policy: PasswordPolicy) -> str:
    """The defect the test is for: the required characters first, in class order."""
    classes = policy.character_classes()
    alphabet = "".join(classes)
    chars = [secrets.choice(c) for c in classes]
    chars += [secrets.choice(alphabet) for _ in range(policy.length - len(chars))]
    return "".join(chars)


def test_every_position_has_the_alphabets_class_frequencies() -> None:
    values = [generate_password(POLICY) for _ in range(SAMPLES)]

    statistic, degrees = _statistic(values, POLICY, POLICY.length)

    assert statistic < _chi_square_bound(degrees), (statistic, degrees)


def test_the_check_fails_a_generator_that_puts_required_classes_first() -> None:
    values = [_fixed_layout(POLICY) for _ in range(SAMPLES)]

    statistic, degrees = _statistic(values, POLICY, POLICY.length)

    assert statistic > 10 * _chi_square_bound(degrees), (statistic, degrees)


def test_the_first_character_alone_would_catch_that_generator() -> None:
    """The per-strategy checks below look at the first character only: enough to bite."""
    values = [_fixed_layout(POLICY) for _ in range(SAMPLES)]

    statistic, degrees = _statistic(values, POLICY, 1)

    assert statistic > 10 * _chi_square_bound(degrees), (statistic, degrees)


_DB_SECRET = {
    "engine": "postgres",
    "host": "db.example.com",
    "username": "app",
    "password": "x",
    "masterarn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:master-AbCdEf",
}


def _context(policy: PasswordPolicy) -> Any:
    """What create_pending_value uses of the step context: the config and new_password."""
    config = Config(password_policy=policy)
    return SimpleNamespace(config=config, new_password=lambda: generate_password(policy))


@pytest.mark.parametrize(
    ("strategy", "value", "policy"),
    [
        (GenericStrategy(), {"password": "x"}, POLICY),
        (
            PostgresSingleUserStrategy(),
            _DB_SECRET,
            PasswordPolicy(exclude_characters=":/@\"'\\"),
        ),
        (
            PostgresMultiUserStrategy(),
            _DB_SECRET,
            PasswordPolicy(exclude_characters=":/@\"'\\"),
        ),
    ],
    ids=["generic", "postgres-single-user", "postgres-multi-user"],
)
def test_each_strategys_values_start_with_any_class_at_the_alphabets_rate(
    strategy: Any, value: dict[str, str], policy: PasswordPolicy
) -> None:
    ctx = _context(policy)
    current = SecretVersion(
        arn="arn", version_id="v1", stages=("AWSCURRENT",), value=json.dumps(value)
    )
    values = [
        json.loads(strategy.create_pending_value(ctx, current))["password"] for _ in range(SAMPLES)
    ]

    statistic, degrees = _statistic(values, policy, 1)

    assert statistic < _chi_square_bound(degrees), (statistic, degrees)
