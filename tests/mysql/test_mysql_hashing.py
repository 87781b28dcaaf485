"""Authentication strings, each against an independent computation: the C library's SHA-256
crypt and Drepper's published vector for caching_sha2_password's digest (MySQL 8 cannot run
here), the server's own PASSWORD() for mysql_native_password (test_mysql_single_user.py)."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rotator.strategies.mysql import hashing


def _libc_crypt(password: bytes, setting: bytes) -> str:
    name = ctypes.util.find_library("crypt")
    assert name, "libcrypt (glibc's crypt(3)) is needed for the independent computation"
    library = ctypes.CDLL(name)
    library.crypt.restype = ctypes.c_char_p
    library.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    result: bytes = library.crypt(password, setting)
    return result.decode()


def test_sha256_crypt_matches_dreppers_published_vector() -> None:
    # https://www.akkadia.org/drepper/SHA-crypt.txt, the first SHA-256 test vector.
    assert (
        hashing.sha256_crypt_digest(b"Hello world!", b"saltstring", 5000)
        == "5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
    )


@settings(max_examples=40, deadline=None)
@given(
    password=st.binary(min_size=0, max_size=80).filter(lambda b: b"\0" not in b),
    salt=st.text(alphabet=hashing.CRYPT_ALPHABET, min_size=1, max_size=16),
    rounds=st.sampled_from([1000, 5000, 7777]),
)
def test_sha256_crypt_matches_the_c_library(password: bytes, salt: str, rounds: int) -> None:
    expected = _libc_crypt(password, f"$5$rounds={rounds}${salt}$".encode())
    digest = hashing.sha256_crypt_digest(password, salt.encode(), rounds)
    assert expected.rsplit("$", 1)[1] == digest


def test_caching_sha2_string_has_mysqls_shape() -> None:
    stored = hashing.caching_sha2_password("pw", salt="abcdefghij0123456789")

    # MySQL's own placeholder (scripts/mysql_system_users.sql) has the same shape:
    # $A$005$ + 20 salt characters + 43 digest characters.
    placeholder = "$A$005$THISISACOMBINATIONOFINVALIDSALTANDPASSWORDTHATMUSTNEVERBRBEUSED"
    assert len(stored) == len(placeholder) == 70
    assert stored.startswith("$A$005$abcdefghij0123456789")
    assert stored[27:] == hashing.sha256_crypt_digest(b"pw", b"abcdefghij0123456789", 5000)
    assert re.fullmatch(r"[./0-9A-Za-z]{43}", stored[27:])


def test_caching_sha2_salts_are_random_and_need_no_sql_escaping() -> None:
    one, two = hashing.caching_sha2_password("pw"), hashing.caching_sha2_password("pw")

    assert one[7:27] != two[7:27]
    assert not set(one) & set("'\"\\\0")


def test_native_password_is_sha1_of_sha1_upper_hex() -> None:
    inner = hashlib.sha1(b"p\xc3\xa9", usedforsecurity=False).digest()
    assert (
        hashing.native_password("pé")
        == "*" + hashlib.sha1(inner, usedforsecurity=False).hexdigest().upper()
    )


def test_auth_string_refuses_other_plugins() -> None:
    with pytest.raises(ValueError, match="ed25519"):
        hashing.auth_string("ed25519", "pw")
