"""Password generation honours the whole policy (properties checked with hypothesis)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotator.errors import ConfigurationError
from rotator.passwords import PasswordPolicy, generate_password

CLASSES = {
    "exclude_lowercase": string.ascii_lowercase,
    "exclude_uppercase": string.ascii_uppercase,
    "exclude_numbers": string.digits,
    "exclude_punctuation": string.punctuation,
}


@st.composite
def policies(draw: st.DrawFn) -> PasswordPolicy:
    return PasswordPolicy(
        length=draw(st.integers(4, 300)),
        exclude_characters=draw(st.text(alphabet=string.printable, max_size=20)),
        exclude_numbers=draw(st.booleans()),
        exclude_punctuation=draw(st.booleans()),
        exclude_uppercase=draw(st.booleans()),
        exclude_lowercase=draw(st.booleans()),
        include_space=draw(st.booleans()),
        require_each_included_type=draw(st.booleans()),
    )


def _included(policy: PasswordPolicy) -> list[str]:
    classes = [chars for flag, chars in CLASSES.items() if not getattr(policy, flag)]
    if policy.include_space:
        classes.append(" ")
    return ["".join(x for x in cls if x not in policy.exclude_characters) for cls in classes]


@settings(max_examples=300, deadline=None)
@given(policies())
def test_password_honours_policy_or_policy_is_rejected(policy: PasswordPolicy) -> None:
    included = _included(policy)
    impossible = (
        any(not c for c in included)
        or not any(c.strip() for c in included)
        or (policy.require_each_included_type and policy.length < len(included))
    )
    if impossible:
        with pytest.raises(ConfigurationError):
            generate_password(policy)
        return

    password = generate_password(policy)

    assert len(password) == policy.length
    assert set(password) <= set("".join(included))
    assert not set(password) & set(policy.exclude_characters)
    if policy.require_each_included_type:
        for cls in included:
            assert set(password) & set(cls), f"no character of {cls!r}"


@given(st.integers(-10, 3) | st.integers(4097, 10_000))
def test_length_outside_4_to_4096_is_rejected(length: int) -> None:
    with pytest.raises(ConfigurationError, match="PASSWORD_LENGTH"):
        generate_password(PasswordPolicy(length=length))


@pytest.mark.parametrize("length", [4, 4096])
def test_length_bounds_are_accepted(length: int) -> None:
    assert len(generate_password(PasswordPolicy(length=length))) == length


def test_without_every_type_required_a_length_below_the_number_of_classes_is_kept() -> None:
    """Five classes (space included), four characters: none is placed per class."""
    policy = PasswordPolicy(length=4, include_space=True, require_each_included_type=False)
    assert {len(generate_password(policy)) for _ in range(20)} == {4}


def test_default_policy_excludes_aws_template_characters() -> None:
    password = "".join(generate_password(PasswordPolicy()) for _ in range(200))

    assert not set(password) & set("/@\"'\\")
    assert not set(password) & {" "}


def test_passwords_do_not_repeat() -> None:
    passwords = {generate_password(PasswordPolicy(length=16)) for _ in range(1000)}

    assert len(passwords) == 1000
