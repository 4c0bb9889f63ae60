"""Held-out corpus, chapter 07: learner answers written from the exercise text alone, by someone
who had not read the checkers. Each wrong answer must be refused naming the requirement it breaks;
each right one (in a style unlike the model answer) must pass.
"""

from __future__ import annotations

import base64
import json
import re

import heldout
import jwt
import pytest

from jwt_course.quiz import QUIZ_AUDIENCE, QUIZ_ISSUER, QUIZ_KEY, quiz


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# ---------------------------------------------------------------- q17 read_claims
def q17_w_header(token: str) -> dict:
    return json.loads(_b64(token.split(".")[0]))


def q17_w_ascii(token: str) -> dict:
    return json.loads(_b64(token.split(".")[1]).decode("ascii"))


def q17_w_latin1(token: str) -> dict:
    return json.loads(_b64(token.split(".")[1]).decode("latin-1"))


def q17_w_checks_header(token: str) -> dict:
    header, payload, _ = token.split(".")
    if json.loads(_b64(header)).get("typ") not in (None, "JWT", "at+jwt"):
        raise ValueError("not a JWT")
    return json.loads(_b64(payload))


def q17_w_pyjwt(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def q17_w_no_padding(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1]))


def q17_w_returns_str(token: str) -> dict:
    return _b64(token.split(".")[1]).decode()  # type: ignore[return-value]


def q17_w_unpack_three(token: str) -> dict:
    header, payload, signature = token.split(".")
    base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))  # "make sure it is a real token"
    return json.loads(_b64(payload))


def q17_w_reads_signature(token: str) -> dict:
    header, payload, signature = token.split(".")
    _b64(signature)  # "make sure it is a real token"
    return json.loads(_b64(payload))


def q18_w_space_only(authorization):
    if not authorization or authorization[:7].lower() != "bearer " or not authorization[7:]:
        raise ValueError("bad header")
    token = authorization[7:]
    if " " in token:
        raise ValueError("bad token")
    return token  # 'Bearer a\tb' gives 'a\tb'


def q17_r_index(token: str) -> dict:
    return json.loads(_b64(token.split(".")[1]).decode("utf-8"))


def q17_r_bytes(token: str) -> dict:
    middle = token.split(".")[1]
    middle += "=" * ((4 - len(middle) % 4) % 4)
    return json.loads(base64.b64decode(middle, altchars=b"-_"))


# ---------------------------------------------------------------- q18 token_from_header
def q18_w_split_index(authorization):
    return authorization.split(" ")[1]


def q18_w_case_sensitive(authorization):
    if not authorization or not authorization.startswith("Bearer "):
        raise ValueError("no bearer token")
    token = authorization[len("Bearer ") :]
    if not token or " " in token:
        raise ValueError("bad token")
    return token


def q18_w_split_whitespace(authorization):
    if not authorization:
        raise ValueError("missing")
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise ValueError("bad header")
    return parts[1]


def q18_w_no_space(authorization):
    if not authorization or not authorization.lower().startswith("bearer"):
        raise ValueError("bad header")
    token = authorization[7:]
    if not token or " " in token:
        raise ValueError("bad token")
    return token


def q18_w_returns_none(authorization):
    if (
        authorization
        and authorization.lower().startswith("bearer ")
        and " " not in authorization[7:]
        and authorization[7:]
    ):
        return authorization[7:]
    return None


def q18_w_strip(authorization):
    if not authorization:
        raise ValueError("missing")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token:
        raise ValueError("bad header")
    return token


def q18_w_empty_token(authorization):
    if not authorization:
        raise ValueError("missing")
    scheme, token = authorization.split(" ")  # ValueError for 'Bearer' and 'Bearer a b'
    if scheme.lower() != "bearer":
        raise ValueError("not bearer")
    return token


def q18_w_typeerror_none(authorization):
    scheme, _, token = authorization.partition(" ")  # AttributeError for None
    if scheme.lower() != "bearer" or not token or " " in token:
        raise ValueError("bad header")
    return token


def q18_r_regex(authorization):
    match = re.fullmatch(r"(?i:bearer) (\S+)", authorization or "")
    if match is None:
        raise ValueError("expected 'Bearer <token>'")
    return match.group(1)


def q18_r_partition(authorization):
    if not isinstance(authorization, str):
        raise ValueError("no Authorization header")
    scheme, sep, token = authorization.partition(" ")
    if sep != " " or scheme.casefold() != "bearer" or token == "" or any(c.isspace() for c in token):
        raise ValueError("not a Bearer credential")
    return token


# ---------------------------------------------------------------- q19 verify
REQ = ["exp", "iat", "sub"]


def q19_w_header_alg(token: str) -> dict:
    alg = jwt.get_unverified_header(token)["alg"]
    return jwt.decode(
        token, QUIZ_KEY, algorithms=[alg], audience=QUIZ_AUDIENCE, issuer=QUIZ_ISSUER, options={"require": REQ}
    )


def q19_w_hs_family(token: str) -> dict:
    return jwt.decode(
        token,
        QUIZ_KEY,
        algorithms=["HS256", "HS384", "HS512"],
        audience=QUIZ_AUDIENCE,
        issuer=QUIZ_ISSUER,
        options={"require": REQ},
    )


def q19_w_require_exp(token: str) -> dict:
    return jwt.decode(
        token, QUIZ_KEY, algorithms=["HS256"], audience=QUIZ_AUDIENCE, issuer=QUIZ_ISSUER, options={"require": ["exp"]}
    )


def q19_w_no_audience(token: str) -> dict:
    return jwt.decode(
        token, QUIZ_KEY, algorithms=["HS256"], issuer=QUIZ_ISSUER, options={"require": REQ, "verify_aud": False}
    )


def q19_w_no_issuer(token: str) -> dict:
    return jwt.decode(token, QUIZ_KEY, algorithms=["HS256"], audience=QUIZ_AUDIENCE, options={"require": REQ})


def q19_w_swallow(token: str) -> dict:
    try:
        return jwt.decode(
            token, QUIZ_KEY, algorithms=["HS256"], audience=QUIZ_AUDIENCE, issuer=QUIZ_ISSUER, options={"require": REQ}
        )
    except jwt.PyJWTError:
        return {}


def q19_w_no_verify_exp(token: str) -> dict:
    return jwt.decode(
        token,
        QUIZ_KEY,
        algorithms=["HS256"],
        audience=QUIZ_AUDIENCE,
        issuer=QUIZ_ISSUER,
        options={"require": REQ, "verify_exp": False},
    )


def q19_w_value_error(token: str) -> dict:
    claims = jwt.decode(token, QUIZ_KEY, algorithms=["HS256"], audience=QUIZ_AUDIENCE, issuer=QUIZ_ISSUER)
    for name in REQ:
        if name not in claims:
            raise ValueError(f"missing {name}")
    return claims


def q19_r_decode(token: str) -> dict:
    return jwt.decode(
        token,
        QUIZ_KEY,
        algorithms=["HS256"],
        audience=QUIZ_AUDIENCE,
        issuer=QUIZ_ISSUER,
        options={"require": ["exp", "iat", "sub"]},
    )


def q19_r_handmade(token: str) -> dict:
    from jwt_course import handmade

    claims = handmade.decode(token, QUIZ_KEY, algorithms=["HS256"], audience=QUIZ_AUDIENCE, issuer=QUIZ_ISSUER)
    missing = [name for name in ("exp", "iat", "sub") if name not in claims]
    if missing:
        raise jwt.MissingRequiredClaimError(missing[0])
    return claims


# (exercise, answer, how the requirement its refusal names begins ('' = any) or None for accepted, what the
# learner did).
CORPUS = [
    ("q17", q17_w_header, "return the payload: base64url-decode the", "reads the header"),
    ("q17", q17_w_ascii, "return the payload: base64url-decode the", "decodes as ASCII (text: UTF-8)"),
    ("q17", q17_w_latin1, "return the payload: base64url-decode the", "decodes as latin-1 (text: UTF-8)"),
    ("q17", q17_w_checks_header, "decode only the middle part,", "parses the header too (text: nothing else read)"),
    ("q17", q17_w_pyjwt, "decode only the middle part,", "PyJWT (reads header and signature)"),
    ("q17", q17_w_no_padding, "return the payload: base64url-decode the", "no padding restored"),
    ("q17", q17_w_returns_str, "return the payload: base64url-decode the", "returns str"),
    ("q17", q17_w_reads_signature, "decode only the middle part,", "decodes the signature too"),
    ("q17", q17_r_index, None, "index 1, utf-8"),
    ("q17", q17_r_bytes, None, "b64decode altchars"),
    ("q18", q18_w_split_index, "raise ValueError for anything that", "split(' ')[1]: IndexError, Basic accepted"),
    ("q18", q18_w_case_sensitive, "return the token of 'Bearer", "case-sensitive 'Bearer '"),
    ("q18", q18_w_no_space, "raise ValueError for anything that", "startswith('bearer') without the space"),
    ("q18", q18_w_returns_none, "raise ValueError for anything that", "returns None instead of raising"),
    ("q18", q18_w_empty_token, "raise ValueError for anything that", "'Bearer ' gives an empty token"),
    ("q18", q18_w_typeerror_none, "raise ValueError for anything that", "AttributeError for None"),
    ("q18", q18_w_split_whitespace, "raise ValueError for anything that", "split(): 'Bearer  abc' and tabs"),
    ("q18", q18_w_strip, "raise ValueError for anything that", "strip() first: 'Bearer abc ' accepted"),
    ("q18", q18_w_space_only, "raise ValueError for anything that", "a tab inside the token accepted"),
    ("q18", q18_r_regex, None, "regex fullmatch"),
    ("q18", q18_r_partition, None, "partition, casefold"),
    ("q19", q19_w_header_alg, "accept HS256 only: never the", "alg from header"),
    ("q19", q19_w_hs_family, "accept HS256 only: never the", "HS256/384/512"),
    ("q19", q19_w_require_exp, "require exp, iat and sub", "require exp only"),
    ("q19", q19_w_no_audience, "check the audience: QUIZ_AUDIENCE", "no audience check"),
    ("q19", q19_w_no_issuer, "check the issuer: QUIZ_ISSUER", "no issuer check"),
    ("q19", q19_w_swallow, "accept HS256 only: never the", "returns {} instead of raising"),
    ("q19", q19_w_no_verify_exp, "refuse an expired token", "verify_exp False"),
    ("q19", q19_w_value_error, "require exp, iat and sub", "ValueError for a missing claim"),
    ("q19", q19_r_decode, None, "jwt.decode with require"),
    ("q19", q19_r_handmade, None, "handmade.decode + own require"),
]


@pytest.mark.parametrize(heldout.FIELDS, CORPUS, ids=heldout.ids(CORPUS))
def test_heldout_answer(label, answer, requirement, what):
    heldout.check_answer(quiz, label, answer, requirement, what)
