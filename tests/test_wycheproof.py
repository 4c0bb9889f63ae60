"""Wycheproof's JWS vectors against handmade.decode_jws and PyJWT (tests/vectors/wycheproof).

Each vector gives a key (a JWK or a JWK set) and a compact JWS. The key is imported with
``jwt.PyJWK`` and selected the way an application selects it: the JWS header's ``kid`` picks
one key of a set, keys whose ``use`` is not ``sig`` are never used for signatures, and the
algorithm is the JWK's ``alg``, never the header's. A vector is then *decided by key
selection* (no single usable key: refused before any library runs), *excluded* (listed below
with the reason), *not applicable to handmade* (an algorithm outside its six) or *counted*.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest

from jwt_course import handmade

VECTORS = Path(__file__).parent / "vectors" / "wycheproof"
FILES = ("json_web_signature_test.json", "json_web_crypto_test.json", "json_web_key_test.json")

# (file, tcId): why the vector's expected result is not counted.
EXCLUDED: dict[tuple[str, int], str] = {
    **{
        ("json_web_signature_test.json", tc): "contradicted by an identical vector: the same JWS and key are"
        " tcId 357 'ValidMac', labelled valid"
        for tc in (367, 370)
    },
    **{
        ("json_web_signature_test.json", tc): "labelled valid though it holds '?', which is not base64url"
        " (RFC 7515 §2); Wycheproof's own 361-364, 366, 369 and 371 label the same mistake invalid"
        for tc in (372, 373)
    },
    **{
        (file, tc): "about the key set, not the JWS (flags MixedKeySet, Ambiguous): a set mixing a secret key"
        " with public keys; decode_jws is given one key"
        for file, tc in (("json_web_crypto_test.json", 47), ("json_web_key_test.json", 1))
    },
    **{
        ("json_web_signature_test.json", tc): "the JWK's alg (PS256) is not the algorithm RFC 7520 Figure 20"
        " signs with (PS384): with the algorithm taken from the key, the token must be refused"
        for tc in (346, 350)
    },
    **{
        ("json_web_signature_test.json", tc): "the JWK's alg 'ES521' is not a JOSE algorithm (RFC 7518 §3.1"
        " names it ES512): no algorithm can be taken from the key"
        for tc in (347, 351)
    },
}
# Where PyJWT 2.15 (defaults) disagrees with a counted vector: it accepts HMAC keys shorter than
# the hash (31, 47 and 63 bytes; RFC 7518 §3.2 requires at least 32, 48, 64), a 1024-bit RSA key
# (it only warns) and an RSA key with the ROCA fingerprint (CVE-2017-15361), twice.
PYJWT_DISAGREES = {
    ("json_web_key_test.json", 10): "HS256 with a 31-byte key",
    ("json_web_key_test.json", 11): "HS384 with a 47-byte key",
    ("json_web_key_test.json", 12): "HS512 with a 63-byte key",
    ("json_web_key_test.json", 8): "RS256 with a 1024-bit key",
    ("json_web_key_test.json", 7): "RS256 with a ROCA key",
    ("json_web_crypto_test.json", 46): "RS256 with a ROCA key",
}


@dataclass(frozen=True)
class Vector:
    file: str
    tc_id: int
    comment: str
    jws: Any
    expected: str  # "valid" or "invalid"
    jwk: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.file}#{self.tc_id} {self.comment}"


def _vectors() -> list[Vector]:
    found = []
    for file in FILES:
        data = json.loads((VECTORS / file).read_text())
        for group in data["testGroups"]:
            jwk = group.get("public") or group["private"]
            for test in group["tests"]:
                if "jws" in test:
                    found.append(Vector(file, test["tcId"], test["comment"], test["jws"], test["result"], jwk))
    return found


VECTOR_LIST = _vectors()


def _header_kid(token: str) -> object:
    head = token.split(".", 1)[0]
    try:
        return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))).get("kid")
    except (ValueError, AttributeError):
        return None


def select_key(vector: Vector) -> tuple[jwt.PyJWK, str] | str:
    """The key and algorithm an application would use, or why there is none."""
    if not isinstance(vector.jws, str):
        return "JSON serialisation: the course reads compact JWS only"
    entries = vector.jwk.get("keys", [vector.jwk])
    entries = [e for e in entries if e.get("use", "sig") == "sig"]
    kid = _header_kid(vector.jws)
    if kid is not None:
        entries = [e for e in entries if e.get("kid") == kid]
    if len(entries) != 1:
        return f"{len(entries)} usable keys for kid {kid!r}"
    if "alg" not in entries[0]:
        return "the JWK names no alg (it is never taken from the header)"
    try:
        return jwt.PyJWK(entries[0]), entries[0]["alg"]
    except jwt.PyJWTError as err:
        return f"jwt.PyJWK refuses the key: {type(err).__name__}"


def key_for(vector: Vector) -> tuple[jwt.PyJWK, str]:
    """select_key's answer for a vector that has a key (a counted or excluded one)."""
    selected = select_key(vector)
    assert not isinstance(selected, str), (vector.name, selected)
    return selected


def verdict(call: Callable[[], object]) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyJWT warns about short keys; its verdict is what counts
            call()
    except (jwt.PyJWTError, ValueError, TypeError):
        return "invalid"
    return "valid"


def pyjwt_verdict(vector: Vector, key: jwt.PyJWK, alg: str) -> str:
    return verdict(lambda: jwt.api_jws.decode_complete(vector.jws, key, [alg]))


def handmade_verdict(vector: Vector, key: jwt.PyJWK, alg: str) -> str:
    return verdict(lambda: handmade.decode_jws(vector.jws, key, [alg]))


def _sorted_out() -> dict[str, list[Vector]]:
    kinds: dict[str, list[Vector]] = {"selection": [], "excluded": [], "other_alg": [], "counted": []}
    for vector in VECTOR_LIST:
        selected = select_key(vector)
        if isinstance(selected, str):
            kinds["selection"].append(vector)
        elif (vector.file, vector.tc_id) in EXCLUDED:
            kinds["excluded"].append(vector)
        elif selected[1] not in handmade.SUPPORTED_ALGORITHMS:
            kinds["other_alg"].append(vector)
        else:
            kinds["counted"].append(vector)
    return kinds


KINDS = _sorted_out()


def test_the_vectors_are_vendored_with_their_licence():
    assert (VECTORS / "LICENSE").read_text().startswith("\n                                 Apache License")
    assert len(VECTOR_LIST) == 401 + 49 + 26  # all 401 JWS tests, the 49 JWS of the 83 JwCrypto ones, all 26 JWK
    assert len(KINDS["counted"]) > 350


def test_handmade_agrees_with_every_counted_vector():
    wrong = []
    for vector in KINDS["counted"]:
        key, alg = key_for(vector)
        if handmade_verdict(vector, key, alg) != vector.expected:
            wrong.append(vector.name)
    assert wrong == []


def test_pyjwt_disagrees_only_where_it_accepts_weak_keys():
    wrong = {}
    for vector in KINDS["counted"] + KINDS["other_alg"]:
        key, alg = key_for(vector)
        if pyjwt_verdict(vector, key, alg) != vector.expected:
            wrong[(vector.file, vector.tc_id)] = vector.comment
    assert wrong.keys() == PYJWT_DISAGREES.keys()


def test_vectors_decided_by_key_selection_are_all_invalid_ones():
    # No usable key means no verification at all: only a vector that expects a refusal may end here.
    assert KINDS["selection"]
    assert {v.name: v.expected for v in KINDS["selection"]} == {v.name: "invalid" for v in KINDS["selection"]}


def test_every_exclusion_names_a_vector_and_both_libraries_refuse_or_accept_it_alike():
    names = {(v.file, v.tc_id) for v in KINDS["excluded"]}
    assert names == EXCLUDED.keys()
    for vector in KINDS["excluded"]:
        key, alg = key_for(vector)
        assert handmade_verdict(vector, key, alg) == pyjwt_verdict(vector, key, alg), vector.name


def test_an_identical_vector_really_contradicts_the_excluded_padding_cases():
    by_id = {(v.file, v.tc_id): v for v in VECTOR_LIST}
    valid = by_id[("json_web_signature_test.json", 357)]
    for tc in (367, 370):
        twin = by_id[("json_web_signature_test.json", tc)]
        assert (twin.jws, twin.jwk, twin.expected) == (valid.jws, valid.jwk, "invalid")
        assert valid.expected == "valid"


@pytest.mark.parametrize("tc_id", [10, 11, 12])
def test_handmade_refuses_the_short_hmac_keys_pyjwt_accepts(tc_id):
    vector = next(v for v in VECTOR_LIST if (v.file, v.tc_id) == ("json_web_key_test.json", tc_id))
    key, alg = key_for(vector)
    with pytest.raises(jwt.InvalidKeyError, match="RFC 7518"):
        handmade.decode_jws(vector.jws, key, [alg])
    # ...and verifies it with the explicit opt-out: the signature itself is right.
    assert handmade.decode_jws(vector.jws, key, [alg], options={"enforce_minimum_key_length": False})


def test_handmade_refuses_a_key_with_the_roca_fingerprint():
    vector = next(v for v in VECTOR_LIST if v.comment == "rejectsKeyWithRocaVulnerability")
    key, alg = key_for(vector)
    with pytest.raises(jwt.InvalidKeyError, match="ROCA"):
        handmade.decode_jws(vector.jws, key, [alg])


def test_the_algorithm_comes_from_the_key_never_from_the_header():
    # An HS256 key set next to a token whose header claims another algorithm is refused.
    vector = next(v for v in KINDS["counted"] if v.comment == "acceptsValid" and v.jwk.get("alg") == "HS256")
    key, _ = key_for(vector)
    forged = handmade.encode({"sub": "mallory"}, key.key, "HS512")
    with pytest.raises(jwt.InvalidAlgorithmError):
        handmade.decode_jws(forged, key, ["HS256", "HS512"])
