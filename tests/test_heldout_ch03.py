"""Held-out corpus, chapter 03: learner answers written from the exercise text alone, before reading
the checkers (bearer_claims, require_role, BearerAuth). Each wrong answer must be refused naming a
requirement; each right one (in a style unlike the model answer) must pass.
"""

from __future__ import annotations

import functools
import re

import heldout
import httpx
import jwt
import pytest
from fastapi import HTTPException

from jwt_course.checks import ch03
from jwt_course.checks.ch03 import AUDIENCE, ISSUER, SECRET_KEY

REQ = ["exp", "iat", "iss", "aud", "sub"]


def _no():
    return HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})


def _bad():
    return HTTPException(401, "Invalid token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


# ---- q1 wrong
def w1_split_crash(a):
    token = a.split(" ")[1]
    try:
        return jwt.decode(
            token, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE, options={"require": REQ}
        )
    except jwt.PyJWTError:
        raise _bad()


def w1_two_algs(a):
    s, _, t = (a or "").partition(" ")
    if s.lower() != "bearer" or not t:
        raise _no()
    try:
        return jwt.decode(
            t,
            SECRET_KEY,
            algorithms=["HS256", "HS384", "HS512"],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": REQ},
        )
    except jwt.PyJWTError:
        raise _bad()


def w1_no_issuer(a):
    s, _, t = (a or "").partition(" ")
    if s.lower() != "bearer" or not t:
        raise _no()
    try:
        return jwt.decode(t, SECRET_KEY, algorithms=["HS256"], audience=AUDIENCE, options={"require": REQ})
    except jwt.PyJWTError:
        raise _bad()


def w1_require_exp_only(a):
    s, _, t = (a or "").partition(" ")
    if s.lower() != "bearer" or not t:
        raise _no()
    try:
        return jwt.decode(
            t, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE, options={"require": ["exp"]}
        )
    except jwt.PyJWTError:
        raise _bad()


def w1_catch_expired_only(a):
    s, _, t = (a or "").partition(" ")
    if s.lower() != "bearer" or not t:
        raise _no()
    try:
        return jwt.decode(
            t, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE, options={"require": REQ}
        )
    except jwt.ExpiredSignatureError:
        raise _bad()


def w1_case_sensitive(a):
    if not a or not a.startswith("Bearer "):
        raise _no()
    try:
        return jwt.decode(
            a[7:], SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE, options={"require": REQ}
        )
    except jwt.PyJWTError:
        raise _bad()


def w1_no_www_auth(a):
    s, _, t = (a or "").partition(" ")
    if s.lower() != "bearer" or not t:
        raise HTTPException(401, "no token")
    try:
        return jwt.decode(
            t, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE, options={"require": REQ}
        )
    except jwt.PyJWTError:
        raise HTTPException(401, "bad token")


def w1_replace(a):
    if not a:
        raise _no()
    t = a.replace("Bearer ", "")
    try:
        return jwt.decode(
            t, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE, options={"require": REQ}
        )
    except jwt.PyJWTError:
        raise _bad()


def w1_no_verify_exp(a):
    s, _, t = (a or "").partition(" ")
    if s.lower() != "bearer" or not t:
        raise _no()
    try:
        return jwt.decode(
            t,
            SECRET_KEY,
            algorithms=["HS256"],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": REQ, "verify_exp": False},
        )
    except jwt.PyJWTError:
        raise _bad()


def w1_catch_invalidtoken(a):  # catches InvalidTokenError only: InvalidKeyError would escape
    s, _, t = (a or "").partition(" ")
    if s.lower() != "bearer" or not t:
        raise _no()
    try:
        return jwt.decode(
            t, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE, options={"require": REQ}
        )
    except jwt.InvalidTokenError:
        raise _bad()


# ---- q1 right, other styles
BEARER = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.I)


def r1_regex(a):
    m = BEARER.match(a or "")
    if not m:
        raise _no()
    try:
        return jwt.PyJWT().decode(
            m.group(1), key=SECRET_KEY, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER, options={"require": REQ}
        )
    except jwt.PyJWTError as e:
        raise _bad() from e


def r1_split(a):
    parts = (a or "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise _no()
    try:
        claims = jwt.decode(
            parts[1],
            SECRET_KEY,
            ["HS256"],
            issuer=ISSUER,
            audience=[AUDIENCE],
            options={"require": ["sub", "aud", "iss", "iat", "exp"], "verify_exp": True},
        )
    except jwt.PyJWTError:
        raise _bad()
    return claims


# ---- q2
def w2_keyerror(role):
    def g(c):
        if c["role"] != role:
            raise HTTPException(403, headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return c

    return g


def w2_startswith(role):
    def g(c):
        if not c.get("role", "").startswith(role):
            raise HTTPException(403, headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return c

    return g


def w2_contains(role):
    def g(c):
        if role not in c.get("role", ""):
            raise HTTPException(403, headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return c

    return g


_ROLE = {}


def w2_global(role):
    _ROLE["r"] = role

    def g(c):
        if c.get("role") != _ROLE["r"]:
            raise HTTPException(403, headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return c

    return g


def w2_401(role):
    def g(c):
        if c.get("role") != role:
            raise HTTPException(401, headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return c

    return g


def w2_lower(role):
    def g(c):
        if str(c.get("role", "")).lower() != role.lower():
            raise HTTPException(403, headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return c

    return g


def w2_returns_true(role):
    def g(c):
        if c.get("role") != role:
            raise HTTPException(403, headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return True

    return g


class R2:
    def __init__(self, role):
        self.role = role

    def __call__(self, claims):
        if claims.get("role") == self.role:
            return claims
        raise HTTPException(
            status_code=403, detail="forbidden", headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'}
        )


def r2_class(role):
    return R2(role)


def _guard(role, claims):
    if isinstance(claims, dict) and claims.get("role") == role:
        return claims
    raise HTTPException(403, "insufficient role", headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})


def r2_partial(role):
    return functools.partial(_guard, role)


# ---- q3
class W3Once(httpx.Auth):
    def __init__(self, token):
        self.token = token

    def auth_flow(self, request):
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
            self.token = None
        yield request


class W3NoScheme(httpx.Auth):
    def __init__(self, token):
        self.token = token

    def auth_flow(self, request):
        request.headers["Authorization"] = self.token
        yield request


class W3Shared(httpx.Auth):
    token = None

    def __init__(self, token):
        W3Shared.token = token

    def auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {W3Shared.token}"
        yield request


class W3Colon(httpx.Auth):
    def __init__(self, token):
        self.token = token

    def auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer: {self.token}"
        yield request


class W3Return(httpx.Auth):
    def __init__(self, token):
        self.token = token

    def auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class R3Update(httpx.Auth):
    def __init__(self, token):
        self._t = token

    def auth_flow(self, request):
        request.headers.update({"Authorization": "Bearer " + self._t})
        yield request


class R3Fn(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.header = "Bearer %s" % token

    def auth_flow(self, request):
        request.headers.setdefault("Authorization", self.header)
        yield request


# (exercise, answer, how the refusal's requirement begins ('' = any) or None for accepted, what the learner did)
CORPUS = [
    ("q1", w1_split_crash, "", "split(' ')[1] on None"),
    ("q1", w1_two_algs, "HS256 only", "HS256, HS384 and HS512 allowed"),
    ("q1", w1_no_issuer, "issued by ISSUER", "no issuer="),
    ("q1", w1_require_exp_only, "exp, iat, iss, aud and sub", "require exp only"),
    ("q1", w1_catch_expired_only, "", "catches ExpiredSignatureError only"),
    ("q1", w1_case_sensitive, "return the claims", "case-sensitive 'Bearer '"),
    ("q1", w1_no_www_auth, "", "401 without WWW-Authenticate"),
    ("q1", w1_replace, "", "replace('Bearer ', '')"),
    ("q1", w1_no_verify_exp, "an expired token", "verify_exp False"),
    # Catching InvalidTokenError only is not wrong here: with HS256 and a fixed str secret no token can
    # make PyJWT raise InvalidKeyError, so nothing tells it apart from catching PyJWTError.
    ("q1", w1_catch_invalidtoken, None, "catches InvalidTokenError (not PyJWTError)"),
    ("q1", r1_regex, None, "regex and PyJWT()"),
    ("q1", r1_split, None, "split() and a list audience"),
    ("q2", w2_keyerror, "claims without a role", "claims['role'] (KeyError)"),
    ("q2", w2_startswith, "any other role", "startswith"),
    ("q2", w2_contains, "any other role", "role in claims['role']"),
    ("q2", w2_global, "each guard checks its own role", "role kept in a global"),
    ("q2", w2_401, "any other role", "401 instead of 403"),
    ("q2", w2_lower, "any other role", "case-insensitive compare"),
    ("q2", w2_returns_true, "return the claims", "returns True"),
    ("q2", r2_class, None, "a class with __call__"),
    ("q2", r2_partial, None, "functools.partial"),
    ("q3", W3Once, "one BearerAuth instance", "header on the first request only"),
    ("q3", W3NoScheme, "", "token without 'Bearer '"),
    ("q3", W3Shared, "each instance sends its own token", "token on the class"),
    ("q3", W3Colon, "", "'Bearer: <token>'"),
    ("q3", W3Return, "", "return instead of yield"),
    ("q3", R3Update, None, "headers.update"),
    ("q3", R3Fn, None, "setdefault, header built once"),
]


@pytest.mark.parametrize(heldout.FIELDS, CORPUS, ids=heldout.ids(CORPUS))
def test_heldout_answer(label, answer, requirement, what):
    heldout.check_answer(ch03, label, answer, requirement, what)
