"""Password generation from a policy, in process, with the operating system's CSPRNG.

Generating locally (``secrets``) rather than calling GetRandomPassword saves one Secrets Manager
call per rotated key and lets the function's role go without ``secretsmanager:GetRandomPassword``.
The policy mirrors GetRandomPassword's parameters, with one difference the issue asks for: with
REQUIRE_EACH_INCLUDED_TYPE, the space (when INCLUDE_SPACE is true) counts as an included type too.
https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from rotator.errors import ConfigurationError

MIN_LENGTH = 4
MAX_LENGTH = 4096

# GetRandomPassword's punctuation set is exactly string.punctuation.
_CLASSES: tuple[tuple[str, str, str], ...] = (
    # (name in messages, characters, variable that excludes the class)
    ("lowercase letters", string.ascii_lowercase, "EXCLUDE_LOWERCASE"),
    ("uppercase letters", string.ascii_uppercase, "EXCLUDE_UPPERCASE"),
    ("numbers", string.digits, "EXCLUDE_NUMBERS"),
    ("punctuation", string.punctuation, "EXCLUDE_PUNCTUATION"),
    ("space", " ", "INCLUDE_SPACE"),
)

_random = secrets.SystemRandom()


@dataclass(frozen=True)
class PasswordPolicy:
    """What a generated password may and must contain (AWS template variable names)."""

    length: int = 32
    exclude_characters: str = "/@\"'\\"
    exclude_numbers: bool = False
    exclude_punctuation: bool = False
    exclude_uppercase: bool = False
    exclude_lowercase: bool = False
    include_space: bool = False
    require_each_included_type: bool = True

    def character_classes(self) -> tuple[str, ...]:
        """The included classes, each without the excluded characters.

        Raises ConfigurationError for a policy no password can satisfy, so a bad policy fails
        loudly instead of producing a weak password.
        """
        if not MIN_LENGTH <= self.length <= MAX_LENGTH:
            raise ConfigurationError(
                f"PASSWORD_LENGTH is {self.length}",
                remedy=f"Set PASSWORD_LENGTH to a whole number from {MIN_LENGTH} to {MAX_LENGTH}",
            )
        excluded = {
            "EXCLUDE_LOWERCASE": self.exclude_lowercase,
            "EXCLUDE_UPPERCASE": self.exclude_uppercase,
            "EXCLUDE_NUMBERS": self.exclude_numbers,
            "EXCLUDE_PUNCTUATION": self.exclude_punctuation,
            "INCLUDE_SPACE": not self.include_space,
        }
        classes: list[str] = []
        for name, characters, variable in _CLASSES:
            if excluded[variable]:
                continue
            remaining = "".join(c for c in characters if c not in self.exclude_characters)
            if not remaining:
                flag = "false" if variable == "INCLUDE_SPACE" else "true"
                raise ConfigurationError(
                    f"EXCLUDE_CHARACTERS removes every character of the included class {name}",
                    remedy=f"Set {variable}={flag}, or remove those characters from "
                    "EXCLUDE_CHARACTERS",
                )
            classes.append(remaining)
        if not any(c.strip() for c in classes):
            raise ConfigurationError(
                "the password policy excludes every character class",
                remedy="Set at least one of EXCLUDE_LOWERCASE, EXCLUDE_UPPERCASE, "
                "EXCLUDE_NUMBERS, EXCLUDE_PUNCTUATION to false",
            )
        if self.require_each_included_type and self.length < len(classes):
            raise ConfigurationError(
                f"PASSWORD_LENGTH is {self.length} but REQUIRE_EACH_INCLUDED_TYPE needs one "
                f"character from each of {len(classes)} included classes",
                remedy=f"Set PASSWORD_LENGTH to at least {len(classes)}, exclude a class, or set "
                "REQUIRE_EACH_INCLUDED_TYPE=false",
            )
        return tuple(classes)


def generate_password(policy: PasswordPolicy) -> str:
    """A password of ``policy.length`` characters drawn with ``secrets.SystemRandom``.

    With ``require_each_included_type`` one character of each included class is placed first and
    the whole password is then shuffled, so the guaranteed characters sit at random positions.
    """
    classes = policy.character_classes()
    alphabet = "".join(classes)
    chars = [secrets.choice(c) for c in classes] if policy.require_each_included_type else []
    chars += [secrets.choice(alphabet) for _ in range(policy.length - len(chars))]
    _random.shuffle(chars)
    return "".join(chars)
