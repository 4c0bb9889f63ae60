"""jwt_course.passwords: scrypt hashing and verification, called directly."""

from __future__ import annotations

import hashlib

import pytest

from jwt_course.passwords import DUMMY_HASH, SCRYPT_N, SCRYPT_P, SCRYPT_R, hash_password, verify_password


def test_a_hash_verifies_its_own_password():
    assert verify_password("wonderland", hash_password("wonderland"))


def test_a_hash_refuses_another_password():
    assert not verify_password("Wonderland", hash_password("wonderland"))


def test_a_hash_names_scheme_parameters_salt_and_digest():
    scheme, n, r, p, salt, digest = hash_password("wonderland").split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", SCRYPT_N, SCRYPT_R, SCRYPT_P)
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32


def test_the_hash_never_contains_the_password():
    assert "wonderland" not in hash_password("wonderland")


def test_two_hashes_of_one_password_differ_by_their_salt():
    first, second = hash_password("wonderland"), hash_password("wonderland")
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]


def test_non_ascii_passwords_round_trip():
    assert verify_password("pässwörd ✓", hash_password("pässwörd ✓"))
    assert not verify_password("passwort ✓", hash_password("pässwörd ✓"))


def test_the_empty_password_is_hashed_like_any_other():
    encoded = hash_password("")
    assert verify_password("", encoded) and not verify_password(" ", encoded)


def test_parameters_stored_in_the_hash_are_the_ones_used():
    # A hash made with other parameters (as after raising n later) still verifies.
    scheme, _, r, p, salt, _ = hash_password("x").split("$")
    digest = hashlib.scrypt(b"wonderland", salt=bytes.fromhex(salt), n=2**10, r=int(r), p=int(p), dklen=32)
    assert verify_password("wonderland", f"{scheme}${2**10}${r}${p}${salt}${digest.hex()}")


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "not a hash",
        "bcrypt$4096$8$1$00$00",  # another scheme
        "scrypt$4096$8$1$zz$00",  # salt not hex
        "scrypt$4096$8$1$00$zz",  # digest not hex
        "scrypt$four$8$1$00$00",  # n not a number
        "scrypt$4095$8$1$00$00",  # n not a power of two
        "scrypt$4096$8$1$00",  # a field missing
        "scrypt$4096$8$1$00$00$00",  # a field too many
        "scrypt$1048576$8$1$00$00",  # n beyond the 64 MiB memory cap
        "scrypt$-4096$8$1$00$00",  # n negative: hashlib.scrypt raises TypeError
        "scrypt$" + "9" * 30 + "$8$1$00$00",  # n beyond 64 bits: OverflowError or TypeError
    ],
)
def test_a_malformed_hash_gives_false_never_an_exception(encoded):
    assert verify_password("wonderland", encoded) is False


def test_the_dummy_hash_matches_no_likely_password_and_has_the_real_cost():
    assert not any(verify_password(guess, DUMMY_HASH) for guess in ("", "wonderland", "builder"))
    assert DUMMY_HASH.split("$")[:4] == hash_password("x").split("$")[:4]  # same n, r, p
