"""Authentication strings computed in the function, so no password is ever sent as SQL text.

* ``mysql_native_password`` (MySQL and MariaDB): ``*`` and the upper-case hex of
  SHA1(SHA1(password)), what the server's ``PASSWORD()`` returns
  (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_native_password_authentication.html).
* ``caching_sha2_password`` (MySQL 8): ``$A$<rounds/1000 as 3 hex digits>$<20-byte salt><43
  characters>``, the 43 characters being the SHA-256 crypt digest (Ulrich Drepper's "Unix crypt
  using SHA-256 and SHA-512", https://www.akkadia.org/drepper/SHA-crypt.txt) of the password with
  that salt and 5000 rounds, as MySQL's sha2_password code stores it
  (https://dev.mysql.com/doc/refman/8.0/en/caching-sha2-pluggable-authentication.html). The salt
  here is drawn from the crypt alphabet ``./0-9A-Za-z``, so the string needs no escaping in SQL.
  MySQL 8 cannot run on the test machines: the digest is checked against the C library's
  SHA-256 crypt and Drepper's published vectors, the format against MySQL's documentation only.
"""

from __future__ import annotations

import hashlib
import secrets

NATIVE = "mysql_native_password"
CACHING_SHA2 = "caching_sha2_password"
# What each flavour can hash; anything else is refused before anything changes.
HASHABLE = {"mariadb": frozenset({NATIVE}), "mysql": frozenset({NATIVE, CACHING_SHA2})}

CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CACHING_SHA2_ROUNDS = 5000  # MySQL's caching_sha2_password_digest_rounds default
CACHING_SHA2_SALT_LENGTH = 20
# SHA-256 crypt's output order: three digest bytes per four characters (Drepper, step 22).
_SHA256_ORDER = (
    (0, 10, 20),
    (21, 1, 11),
    (12, 22, 2),
    (3, 13, 23),
    (24, 4, 14),
    (15, 25, 5),
    (6, 16, 26),
    (27, 7, 17),
    (18, 28, 8),
    (9, 19, 29),
)


def native_password(password: str) -> str:
    """``*`` + upper-case hex of SHA1(SHA1(password)), the password as UTF-8."""
    inner = hashlib.sha1(password.encode(), usedforsecurity=False).digest()
    return "*" + hashlib.sha1(inner, usedforsecurity=False).hexdigest().upper()


def _b64_24bit(b2: int, b1: int, b0: int, count: int) -> str:
    word = (b2 << 16) | (b1 << 8) | b0
    out = []
    for _ in range(count):
        out.append(CRYPT_ALPHABET[word & 0x3F])
        word >>= 6
    return "".join(out)


def sha256_crypt_digest(password: bytes, salt: bytes, rounds: int) -> str:
    """The 43-character digest of SHA-256 crypt (Drepper's steps 1 to 22), any salt length."""
    plen, slen = len(password), len(salt)
    b = hashlib.sha256(password + salt + password).digest()
    a = hashlib.sha256(password + salt)
    for _ in range(plen // 32):
        a.update(b)
    a.update(b[: plen % 32])
    n = plen
    while n:
        a.update(b if n & 1 else password)
        n >>= 1
    digest_a = a.digest()
    dp = hashlib.sha256(password * plen).digest()
    p_seq = (dp * (plen // 32 + 1))[:plen]
    ds = hashlib.sha256(salt * (16 + digest_a[0])).digest()
    s_seq = (ds * (slen // 32 + 1))[:slen]
    c = digest_a
    for i in range(rounds):
        h = hashlib.sha256(p_seq if i & 1 else c)
        if i % 3:
            h.update(s_seq)
        if i % 7:
            h.update(p_seq)
        h.update(c if i & 1 else p_seq)
        c = h.digest()
    text = "".join(_b64_24bit(c[x], c[y], c[z], 4) for x, y, z in _SHA256_ORDER)
    return text + _b64_24bit(0, c[31], c[30], 3)


def caching_sha2_password(password: str, *, salt: str | None = None) -> str:
    """``$A$005$<salt><digest>`` as MySQL 8 stores a caching_sha2_password account."""
    if salt is None:
        salt = "".join(secrets.choice(CRYPT_ALPHABET) for _ in range(CACHING_SHA2_SALT_LENGTH))
    if len(salt) != CACHING_SHA2_SALT_LENGTH or any(ch not in CRYPT_ALPHABET for ch in salt):
        raise ValueError("the salt must be 20 characters of ./0-9A-Za-z")
    digest = sha256_crypt_digest(password.encode(), salt.encode(), CACHING_SHA2_ROUNDS)
    return f"$A${CACHING_SHA2_ROUNDS // 1000:03X}${salt}{digest}"


def auth_string(plugin: str, password: str) -> str:
    """The stored string for ``password`` under ``plugin`` (one of HASHABLE's)."""
    if plugin == NATIVE:
        return native_password(password)
    if plugin == CACHING_SHA2:
        return caching_sha2_password(password)
    raise ValueError(f"no hash for plugin {plugin!r}")
