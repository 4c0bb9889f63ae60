"""jwt_course.handmade against PyJWT on random payloads: same bytes, same verdicts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from jwt_course import handmade

# 64 bytes: enough for HS512, so PyJWT does not warn (pytest turns warnings into errors).
SECRET = b"differential-secret-0123456789ab" * 2
# Generated once per module: RSA key generation is slow.
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()
SIGNING_KEYS: dict[str, Any] = {
    "HS256": SECRET,
    "HS384": SECRET,
    "HS512": SECRET,
    "RS256": RSA_KEY,
    "ES256": EC_KEY,
    "EdDSA": ED_KEY,
}
VERIFYING_KEYS: dict[str, Any] = {
    **SIGNING_KEYS,
    "RS256": RSA_KEY.public_key(),
    "ES256": EC_KEY.public_key(),
    "EdDSA": ED_KEY.public_key(),
}
DETERMINISTIC = ["HS256", "HS384", "HS512", "RS256", "EdDSA"]
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
REGISTERED = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

# Small JSON: a handful of keys, shallow nesting, short strings.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
payloads = st.dictionaries(st.text(max_size=8).filter(lambda k: k not in REGISTERED), json_values, max_size=5)
algorithms = st.sampled_from(handmade.SUPPORTED_ALGORITHMS)
# Seconds away from now: far enough that the two decoders' clocks agree on the verdict.
offsets = st.integers(min_value=5, max_value=10**8)
names = st.text(min_size=1, max_size=6)


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", result) or ("raised", the exception's class)."""
    try:
        return ("ok", call())
    except Exception as err:  # the class is what we compare
        return ("raised", type(err))


def both_decode(token: str, algorithm: str, **kwargs: Any) -> tuple[tuple[str, Any], tuple[str, Any]]:
    key = VERIFYING_KEYS[algorithm]
    ours = outcome(lambda: handmade.decode(token, key, [algorithm], **kwargs))
    theirs = outcome(lambda: jwt.decode(token, key, algorithms=[algorithm], **kwargs))
    return ours, theirs


@settings(max_examples=100, deadline=None)
@given(payload=payloads, algorithm=st.sampled_from(DETERMINISTIC))
def test_deterministic_algorithms_give_byte_identical_tokens(payload, algorithm):
    key = SIGNING_KEYS[algorithm]
    assert handmade.encode(payload, key, algorithm) == jwt.encode(payload, key, algorithm=algorithm)


@settings(max_examples=100, deadline=None)
@given(payload=payloads, algorithm=algorithms)
def test_each_decodes_the_others_tokens(payload, algorithm):
    signing, verifying = SIGNING_KEYS[algorithm], VERIFYING_KEYS[algorithm]
    ours = handmade.encode(payload, signing, algorithm)
    theirs = jwt.encode(payload, signing, algorithm=algorithm)
    assert jwt.decode(ours, verifying, algorithms=[algorithm]) == payload
    assert handmade.decode(theirs, verifying, [algorithm]) == payload


@settings(max_examples=100, deadline=None)
@given(
    payload=payloads,
    algorithm=algorithms,
    position=st.integers(min_value=0),
    replacement=st.sampled_from(ALPHABET + "."),
)
def test_tampered_tokens_raise_the_same_class(payload, algorithm, position, replacement):
    token = handmade.encode(payload, SIGNING_KEYS[algorithm], algorithm)
    position %= len(token)
    tampered = token[:position] + replacement + token[position + 1 :]
    ours, theirs = both_decode(tampered, algorithm)
    assert ours == theirs
    if tampered != token:
        assert ours[0] == "raised"


@settings(max_examples=100, deadline=None)
@given(payload=payloads, algorithm=algorithms, ago=offsets, leeway=st.integers(0, 4))
def test_expired_tokens_raise_the_same_class(payload, algorithm, ago, leeway):
    token = jwt.encode({**payload, "exp": int(time.time()) - ago}, SIGNING_KEYS[algorithm], algorithm=algorithm)
    ours, theirs = both_decode(token, algorithm, leeway=leeway)
    assert ours == theirs == ("raised", jwt.ExpiredSignatureError)


@settings(max_examples=100, deadline=None)
@given(payload=payloads, algorithm=algorithms, ahead=offsets, claim=st.sampled_from(["nbf", "iat"]))
def test_not_yet_valid_tokens_raise_the_same_class(payload, algorithm, ahead, claim):
    token = jwt.encode({**payload, claim: int(time.time()) + ahead}, SIGNING_KEYS[algorithm], algorithm=algorithm)
    ours, theirs = both_decode(token, algorithm)
    assert ours == theirs == ("raised", jwt.ImmatureSignatureError)


@settings(max_examples=100, deadline=None)
@given(
    payload=payloads,
    aud=st.none() | names | st.lists(names, max_size=3) | st.integers(),
    audience=st.none() | names | st.lists(names, max_size=3),
)
def test_audience_checks_give_the_same_verdict(payload, aud, audience):
    claims = payload if aud is None else {**payload, "aud": aud}
    ours, theirs = both_decode(jwt.encode(claims, SECRET, algorithm="HS256"), "HS256", audience=audience)
    assert ours == theirs


@settings(max_examples=100, deadline=None)
@given(
    payload=payloads,
    iss=st.none() | names,
    issuer=st.none() | names | st.lists(names, max_size=3),
)
def test_issuer_checks_give_the_same_verdict(payload, iss, issuer):
    claims = payload if iss is None else {**payload, "iss": iss}
    ours, theirs = both_decode(jwt.encode(claims, SECRET, algorithm="HS256"), "HS256", issuer=issuer)
    assert ours == theirs


@settings(max_examples=100, deadline=None)
@given(
    payload=payloads,
    times=st.dictionaries(
        st.sampled_from(["exp", "nbf", "iat"]),
        st.builds(lambda sign, offset: int(time.time()) + sign * offset, st.sampled_from([-1, 1]), offsets)
        | st.sampled_from([None, "soon", [1], {"t": 1}]),
    ),
    require=st.lists(st.sampled_from(sorted(REGISTERED)), max_size=2),
)
def test_time_and_required_claims_give_the_same_verdict(payload, times, require):
    # Not generated: numeric strings and booleans as times, which PyJWT accepts and handmade refuses.
    token = jwt.encode({**payload, **times}, SECRET, algorithm="HS256")
    ours, theirs = both_decode(token, "HS256", options={"require": require})
    assert ours == theirs
