"""Password hashing for the demo API, with the standard library's scrypt.

Why scrypt from ``hashlib``: it is a real password KDF (slow on purpose and
memory-hard, so GPUs and ASICs gain little), it ships with Python (no extra
dependency for learners to install) and it is the KDF RFC 7914 specifies.

Parameters: ``n=2**12, r=8, p=1`` uses 128 * r * n = 4 MiB and costs about 8 ms per
hash on the course's 2-core reference machine (measured: 2**11 ~4 ms, 2**12 ~8 ms,
2**14 ~37 ms, 2**15 ~94 ms). That keeps a notebook's logins and the test suite fast.
A production service should spend more: OWASP suggests ``n=2**17, r=8, p=1``
(128 MiB). The parameters are stored inside each hash, so they can be raised later
without breaking existing hashes.

Format: ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>`` with a random 16-byte salt per
password. Verification recomputes the hash and compares with
``hmac.compare_digest`` (constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["DUMMY_HASH", "hash_password", "verify_password"]

SCRYPT_N = 2**12
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_MAXMEM = 64 * 1024 * 1024


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_KEY_BYTES, maxmem=_MAXMEM)


def hash_password(password: str) -> str:
    """Hash ``password`` with scrypt and a fresh random salt; returns a storable string."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    """True if ``password`` matches ``encoded`` (from :func:`hash_password`).

    A malformed ``encoded`` string gives ``False``, never an exception.
    """
    try:
        scheme, n, r, p, salt_hex, digest_hex = encoded.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
        actual = _scrypt(password, salt, int(n), int(r), int(p))
    except (ValueError, TypeError, OverflowError):  # hashlib.scrypt: TypeError/OverflowError for absurd n
        return False
    return hmac.compare_digest(actual, expected)


#: A hash of a random password nobody knows. Checking an unknown user's password
#: against it costs the same time as checking a real user's, so response times do
#: not reveal which usernames exist.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
