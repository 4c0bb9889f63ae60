"""Held-out corpus, chapter 06: learner answers written from the exercise text alone, by someone
who had not read the checkers. Each wrong answer must be refused naming the requirement it breaks;
each right one (in a style unlike the model answer) must pass.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import heldout
import jwt
import pytest

from jwt_course.checks import ch06
from jwt_course.checks.ch06 import AUDIENCE, ISSUER, PUBLIC_KEY_PEM
from jwt_course.handmade import b64url_decode, b64url_encode


def _parts(token: str) -> tuple[dict, dict]:
    h, p, _ = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p))


# ---------------------------------------------------------------- q1 forge_alg_none
def q1_w_new_header(token: str) -> str:
    _, claims = _parts(token)
    claims["role"] = "admin"
    header = b64url_encode(b'{"alg":"none","typ":"JWT"}')
    return f"{header}.{b64url_encode(json.dumps(claims).encode())}."


def q1_w_capital_none(token: str) -> str:
    header, claims = _parts(token)
    header["alg"], claims["role"] = "None", "admin"
    return f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(json.dumps(claims).encode())}."


def q1_w_padding(token: str) -> str:
    header, claims = _parts(token)
    header["alg"], claims["role"] = "none", "admin"
    enc = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).decode()  # noqa: E731
    return f"{enc(header)}.{enc(claims)}."


def q1_w_two_parts(token: str) -> str:
    header, claims = _parts(token)
    header["alg"], claims["role"] = "none", "admin"
    return f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(json.dumps(claims).encode())}"


def q1_w_capital_admin(token: str) -> str:
    header, claims = _parts(token)
    header["alg"], claims["role"] = "none", "Admin"
    return f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(json.dumps(claims).encode())}."


def q1_w_drops_claims(token: str) -> str:
    header, claims = _parts(token)
    header["alg"] = "none"
    new = {"sub": claims["sub"], "role": "admin"}
    return f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(json.dumps(new).encode())}."


def q1_w_std_b64(token: str) -> str:
    header, claims = _parts(token)
    header["alg"], claims["role"] = "none", "admin"
    enc = lambda o: base64.b64encode(json.dumps(o).encode()).decode().rstrip("=")  # noqa: E731
    return f"{enc(header)}.{enc(claims)}."


def q1_w_pyjwt_none(token: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["role"] = "admin"
    return jwt.encode(claims, None, algorithm="none")  # loses typ/kid of the original header


def q1_r_by_hand(token: str) -> str:
    header_b64, payload_b64, _sig = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    payload = json.loads(b64url_decode(payload_b64))
    header["alg"] = "none"
    payload["role"] = "admin"
    return ".".join(
        [
            b64url_encode(json.dumps(header, separators=(",", ":")).encode()),
            b64url_encode(json.dumps(payload, separators=(",", ":")).encode()),
            "",
        ]
    )


def q1_r_stdlib(token: str) -> str:
    def dec(part: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    def enc(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    h, p = token.split(".")[:2]
    return enc({**dec(h), "alg": "none"}) + "." + enc({**dec(p), "role": "admin"}) + "."


# ---------------------------------------------------------------- q2 crack_secret
HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def q2_w_hs256_only(token: str, wordlist: list[str]) -> str | None:
    h, p, s = token.split(".")
    for word in wordlist:
        mac = hmac.new(word.encode(), f"{h}.{p}".encode(), hashlib.sha256).digest()
        if b64url_encode(mac) == s:
            return word
    return None


def q2_w_decode(token: str, wordlist: list[str]) -> str | None:
    alg = jwt.get_unverified_header(token)["alg"]
    for word in wordlist:
        try:
            jwt.decode(token, word, algorithms=[alg])
            return word
        except jwt.PyJWTError:
            continue
    return None


def q2_w_strip_lower(token: str, wordlist: list[str]) -> str | None:
    h, p, s = token.split(".")
    digest = HASHES[jwt.get_unverified_header(token)["alg"]]
    for word in wordlist:
        word = word.strip().lower()
        if b64url_encode(hmac.new(word.encode(), f"{h}.{p}".encode(), digest).digest()) == s:
            return word
    return None


def q2_w_padding(token: str, wordlist: list[str]) -> str | None:
    h, p, s = token.split(".")
    digest = HASHES[jwt.get_unverified_header(token)["alg"]]
    for word in wordlist:
        mac = hmac.new(word.encode(), f"{h}.{p}".encode(), digest).digest()
        if base64.urlsafe_b64encode(mac).decode() == s:
            return word
    return None


def q2_w_last_word(token: str, wordlist: list[str]) -> str | None:
    h, p, s = token.split(".")
    digest = HASHES[jwt.get_unverified_header(token)["alg"]]
    found = None
    for word in wordlist:
        if b64url_encode(hmac.new(word.encode(), f"{h}.{p}".encode(), digest).digest()) == s:
            found = word
        found = word  # oops
    return found


def q2_w_raises(token: str, wordlist: list[str]) -> str | None:
    h, p, s = token.split(".")
    digest = HASHES[jwt.get_unverified_header(token)["alg"]]
    for word in wordlist:
        if b64url_encode(hmac.new(word.encode(), f"{h}.{p}".encode(), digest).digest()) == s:
            return word
    raise ValueError("secret not in the wordlist")


def q2_w_payload_only(token: str, wordlist: list[str]) -> str | None:
    h, p, s = token.split(".")
    digest = HASHES[jwt.get_unverified_header(token)["alg"]]
    for word in wordlist:
        if b64url_encode(hmac.new(word.encode(), p.encode(), digest).digest()) == s:
            return word
    return None


def q2_r_by_hand(token: str, wordlist: list[str]) -> str | None:
    signing_input, _, sig = token.rpartition(".")
    target = b64url_decode(sig)
    digest = HASHES[json.loads(b64url_decode(token.split(".")[0]))["alg"]]
    for word in wordlist:
        if hmac.compare_digest(hmac.new(word.encode("utf-8"), signing_input.encode(), digest).digest(), target):
            return word
    return None


def q2_r_pyjwt(token: str, wordlist: list[str]) -> str | None:
    import warnings

    alg = jwt.get_unverified_header(token)["alg"]
    for word in wordlist:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                jwt.decode(
                    token,
                    word,
                    algorithms=[alg],
                    options={
                        "verify_exp": False,
                        "verify_aud": False,
                        "verify_iat": False,
                        "verify_nbf": False,
                        "verify_iss": False,
                    },
                )
        except jwt.InvalidSignatureError:
            continue
        return word
    return None


# ---------------------------------------------------------------- q3 safe_verify
def _legit(token: str, **kw) -> dict:
    return jwt.decode(token, PUBLIC_KEY_PEM, **kw)


def q3_w_two_algs(token: str) -> dict:
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("typ")
    return _legit(
        token,
        algorithms=["RS256", "HS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def q3_w_no_typ(token: str) -> dict:
    return _legit(
        token,
        algorithms=["RS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def q3_w_require_exp(token: str) -> dict:
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("typ")
    return _legit(token, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER, options={"require": ["exp"]})


def q3_w_no_aud(token: str) -> dict:
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("typ")
    return _legit(
        token,
        algorithms=["RS256"],
        issuer=ISSUER,
        options={"verify_aud": False, "require": ["exp", "iat", "iss", "sub"]},
    )


def q3_w_header_alg(token: str) -> dict:
    header = jwt.get_unverified_header(token)
    if header.get("typ") != "at+jwt" or header.get("alg", "").lower() == "none":
        raise jwt.InvalidTokenError("bad header")
    return _legit(
        token,
        algorithms=[header["alg"]],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def q3_w_no_issuer(token: str) -> dict:
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("typ")
    return _legit(
        token, algorithms=["RS256"], audience=AUDIENCE, options={"require": ["exp", "iat", "iss", "aud", "sub"]}
    )


def q3_w_returns_none(token: str) -> dict:
    try:
        if jwt.get_unverified_header(token).get("typ") != "at+jwt":
            return None  # type: ignore[return-value]
        return _legit(
            token,
            algorithms=["RS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError:
        return None  # type: ignore[return-value]


def q3_w_typ_contains(token: str) -> dict:
    if "jwt" not in str(jwt.get_unverified_header(token).get("typ", "")).lower():
        raise jwt.InvalidTokenError("typ")
    return _legit(
        token,
        algorithms=["RS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def q3_w_keyerror_typ(token: str) -> dict:
    header = jwt.get_unverified_header(token)
    if header["typ"] != "at+jwt":  # KeyError for a token without typ
        raise jwt.InvalidTokenError("typ")
    return _legit(
        token,
        algorithms=["RS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def q3_r_spec(token: str) -> dict:
    header = jwt.get_unverified_header(token)
    if header.get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("not an access token")
    return jwt.decode(
        token,
        PUBLIC_KEY_PEM,
        algorithms=["RS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def q3_r_after_verify(token: str) -> dict:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = load_pem_public_key(PUBLIC_KEY_PEM)
    decoded = jwt.api_jwt.decode_complete(
        token,
        key,
        algorithms=["RS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "iss", "aud", "sub"], "verify_signature": True},
    )
    if decoded["header"].get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("typ must be at+jwt")
    return decoded["payload"]


# (exercise, answer, how the requirement its refusal names begins ('' = any) or None for accepted, what the
# learner did).
CORPUS = [
    ("q1", q1_w_new_header, "same header but alg 'none',", "new header {alg:none,typ:JWT}: kid/typ lost"),
    ("q1", q1_w_capital_none, "same header but alg 'none',", "alg 'None' capitalised"),
    ("q1", q1_w_padding, "same header but alg 'none',", "keeps = padding"),
    ("q1", q1_w_two_parts, "same header but alg 'none',", "two parts, no trailing dot"),
    ("q1", q1_w_capital_admin, "same header but alg 'none',", "role 'Admin'"),
    ("q1", q1_w_drops_claims, "same header but alg 'none',", "drops the other claims"),
    ("q1", q1_w_pyjwt_none, "same header but alg 'none',", "PyJWT alg none: header members lost"),
    ("q1", q1_w_std_b64, "same header but alg 'none',", "standard base64: '+' and '/'"),
    ("q1", q1_r_by_hand, None, "by hand, compact JSON"),
    ("q1", q1_r_stdlib, None, "stdlib only, default json spacing"),
    ("q2", q2_w_hs256_only, "return the word of the", "HS256 only"),
    (
        "q2",
        q2_w_decode,
        "only the signature decides: an",
        "jwt.decode with claims checks: expired/aud tokens never crack",
    ),
    ("q2", q2_w_strip_lower, "return the word exactly as", "strips and lowercases words"),
    ("q2", q2_w_padding, "return the word of the", "compares padded base64"),
    ("q2", q2_w_last_word, "return None when no word", "returns the last word"),
    ("q2", q2_w_raises, "return None when no word", "raises when not found"),
    ("q2", q2_w_payload_only, "return the word of the", "HMAC of the payload only"),
    ("q2", q2_r_by_hand, None, "compare_digest on raw bytes"),
    ("q2", q2_r_pyjwt, None, "PyJWT with claim checks off, InvalidSignatureError"),
    ("q3", q3_w_two_algs, "RS256 only: never the header's", "algorithms RS256+HS256"),
    ("q3", q3_w_no_typ, "only access tokens: typ must", "no typ check"),
    ("q3", q3_w_require_exp, "require exp, iat, iss, aud", "require exp only"),
    ("q3", q3_w_no_aud, "check the audience: AUDIENCE", "no audience check"),
    ("q3", q3_w_header_alg, "RS256 only: never the header's", "algorithm from the header"),
    ("q3", q3_w_no_issuer, "check the issuer: ISSUER", "no issuer"),
    ("q3", q3_w_returns_none, "verify the signature with PUBLIC_KEY_PEM", "returns None instead of raising"),
    ("q3", q3_w_typ_contains, "only access tokens: typ must", "typ check 'jwt' in typ"),
    ("q3", q3_w_keyerror_typ, "only access tokens: typ must", "header['typ'] KeyError"),
    ("q3", q3_r_spec, None, "typ then decode"),
    ("q3", q3_r_after_verify, None, "decode_complete then typ"),
]


@pytest.mark.parametrize(heldout.FIELDS, CORPUS, ids=heldout.ids(CORPUS))
def test_heldout_answer(label, answer, requirement, what):
    heldout.check_answer(ch06, label, answer, requirement, what)
