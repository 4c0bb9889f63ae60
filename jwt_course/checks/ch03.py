"""Chapter 03: the Bearer flow (a token dependency, a role guard, an httpx auth class).

The learner's code is called directly with crafted ``Authorization`` header values and
claims (q1, q2), and driven over real HTTP against a small FastAPI app started with
:func:`jwt_course.serving.serve` (q3).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
from fastapi import Depends, FastAPI, Header, HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import Exercise, Failure, NotSolved

__all__ = ["AUDIENCE", "ISSUER", "SECRET_KEY", "issue_token", "q1", "q2", "q3"]

#: The exercises' shared secret: 64 bytes, enough even for HS512 (RFC 7518 §3.2).
SECRET_KEY = "chapter-03-exercise-secret-" + "0123456789abcdef" * 2 + "-long-enough!"
#: Who issues the exercise tokens (``iss``) and which API they are for (``aud``).
ISSUER = "https://auth.course.test"
AUDIENCE = "https://api.course.test"

_OTHER_KEY = "a-different-secret-of-at-least-32-bytes!"


def issue_token(
    sub: str = "alice",
    role: str = "user",
    *,
    ttl: int = 900,
    key: str = SECRET_KEY,
    algorithm: str = "HS256",
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """A token for the exercises: ``sub``, ``role``, ``iss``, ``aud``, ``iat``, ``exp`` (+ ``claims``).

    ``drop`` removes claims (``drop=("exp",)`` makes a token that never expires).
    """
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": sub,
        "role": role,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl,
        **claims,
    }
    for name in drop:
        payload.pop(name, None)
    return jwt.encode(payload, key, algorithm=algorithm)


def _alg_none_token() -> str:
    header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(b'{"sub":"alice","role":"admin","exp":4102444800}').decode()
    return f"{header}.{body}."


def _outcome(fn: Callable[..., Any], *args: Any, what: str = "") -> tuple[str, Any]:
    """Run the learner's function: ("returned", value) or ("http", HTTPException).

    Any other exception is a failure: in a FastAPI app it would become a 500.
    """
    try:
        result = fn(*args)
    except StarletteHTTPException as exc:
        return "http", exc
    except NotImplementedError:
        raise NotSolved from None
    except Exception as exc:
        shown = ", ".join(_show(a) for a in args)
        case = f"for {what}, " if what else ""
        raise Failure(
            f"{case}{getattr(fn, '__name__', 'your function')}({shown}) raised "
            f"{type(exc).__name__}: {exc}. In a FastAPI app that is a 500 Internal Server Error; "
            "raise HTTPException instead"
        ) from None
    return "returned", result


def _show(value: Any) -> str:
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:30] + "...") + f" ({len(value)} characters)"
    return repr(value)


def _www_authenticate(exc: Any) -> str:
    headers = getattr(exc, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "www-authenticate":
            return str(value)
    return ""


# -- q1 ------------------------------------------------------------------------


def _q1_cases() -> tuple[list[tuple[str, str]], list[tuple[str, str | None]], list[tuple[str, str]]]:
    good = issue_token()
    accepted = [
        ("a valid token", f"Bearer {good}"),
        ("a valid token with the scheme in lower case (RFC 7235: case-insensitive)", f"bearer {good}"),
    ]
    no_token: list[tuple[str, str | None]] = [
        ("no Authorization header", None),
        ("an empty header", ""),
        ("a Basic header (another scheme)", "Basic YWxpY2U6d29uZGVybGFuZA=="),
        ("the word Bearer with no token", "Bearer"),
        ("Bearer and a space, no token", "Bearer "),
    ]
    invalid = [
        ("garbage in the token's place", "Bearer a.b.c"),
        ("a 10 KB token", "Bearer " + "x" * 10_000),
        ("an expired token", f"Bearer {issue_token(ttl=-60)}"),
        ("a token for another audience", f"Bearer {issue_token(aud='https://other-api.test')}"),
        ("a token from another issuer", f"Bearer {issue_token(iss='https://evil.test')}"),
        ("a token signed with another key", f"Bearer {issue_token(key=_OTHER_KEY)}"),
        ("an alg=none token (no signature)", f"Bearer {_alg_none_token()}"),
        ("an HS512 token (algorithm not allowed)", f"Bearer {issue_token(algorithm='HS512')}"),
        ("a token without exp (it would never expire)", f"Bearer {issue_token(drop=('exp',))}"),
        ("a token without aud", f"Bearer {issue_token(drop=('aud',))}"),
    ]
    return accepted, no_token, invalid


class BearerClaims(Exercise):
    """Extract the token from an Authorization header value and validate it."""

    label = "q1"
    name = "bearer_claims"
    hints = (
        "Split the header once on whitespace: `scheme, _, token = (authorization or '').partition(' ')`. "
        "Compare the scheme case-insensitively with 'bearer' and check the token is not empty.",
        "Validate with jwt.decode(token, SECRET_KEY, algorithms=['HS256'], issuer=ISSUER, audience=AUDIENCE, "
        "options={'require': ['exp', 'iat', 'iss', 'aud', 'sub']}) inside try/except jwt.InvalidTokenError.",
        "No token: HTTPException(401, headers={'WWW-Authenticate': 'Bearer'}). A bad token: "
        "HTTPException(401, headers={'WWW-Authenticate': 'Bearer error=\"invalid_token\"'}).",
    )
    solution_code = '''
def bearer_claims(authorization: str | None) -> dict:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    try:
        return jwt.decode(
            token.strip(), SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.InvalidTokenError:
        raise HTTPException(
            401, "Invalid or expired token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None
'''

    def verify(self, answer: Any) -> None:
        if not callable(answer):
            raise Failure(f"expected a function, got {type(answer).__name__}")
        accepted, no_token, invalid = _q1_cases()
        for what, header in accepted:
            kind, value = _outcome(answer, header, what=what)
            if kind == "returned" and (value is None or value is Ellipsis):
                raise NotSolved
            if kind == "http":
                raise Failure(f"for {what} it raised HTTPException({value.status_code}): it should return the claims")
            if not isinstance(value, dict) or value.get("sub") != "alice":
                raise Failure(f"for {what} it returned {_show(value)}; expected the claims dict (sub 'alice')")
        for what, missing in no_token:
            kind, value = _outcome(answer, missing, what=what)
            self._expect_401(what, missing, kind, value)
            challenge = _www_authenticate(value)
            if missing in (None, "") and "error=" in challenge:
                raise Failure(
                    f"for {what} the WWW-Authenticate header is {challenge!r}; with no credentials at all "
                    "RFC 6750 §3.1 says to send just 'Bearer' (no error code)"
                )
        for what, header in invalid:
            kind, value = _outcome(answer, header, what=what)
            self._expect_401(what, header, kind, value)
            challenge = _www_authenticate(value)
            if 'error="invalid_token"' not in challenge:
                raise Failure(
                    f"for {what} the WWW-Authenticate header is {challenge!r}; a token was sent and refused, "
                    "so RFC 6750 wants 'Bearer error=\"invalid_token\"'"
                )

    @staticmethod
    def _expect_401(what: str, header: str | None, kind: str, value: Any) -> None:
        if kind == "returned":
            if value is None or value is Ellipsis:
                raise Failure(f"for {what} ({_show(header)}) it returned None; raise HTTPException(401) instead")
            raise Failure(f"for {what} ({_show(header)}) it returned {_show(value)}; it must raise HTTPException(401)")
        if value.status_code != 401:
            raise Failure(
                f"for {what} it raised HTTPException({value.status_code}); expected 401 "
                "(401: we do not know who you are; 403 is for a valid token with too few rights)"
            )
        if not _www_authenticate(value).startswith("Bearer"):
            raise Failure(
                f"for {what} the 401 has no 'WWW-Authenticate: Bearer ...' header "
                "(RFC 6750 §3 and RFC 9110 §11.6.1 require one on every 401)"
            )


# -- q2 ------------------------------------------------------------------------


class RequireRole(Exercise):
    """A role guard: pass the claims through for the right role, 403 otherwise."""

    label = "q2"
    name = "require_role"
    hints = (
        "require_role(role) is a factory: define `def guard(claims: dict) -> dict:` inside it and `return guard`.",
        "Compare with ==, not `in` ('adm' in 'admin' is True), and read the role with claims.get('role') so a "
        "token without one is refused, not a KeyError (a 500).",
        "Wrong role: raise HTTPException(403, 'Insufficient role', headers={'WWW-Authenticate': "
        "'Bearer error=\"insufficient_scope\"'}).",
    )
    solution_code = '''
def require_role(role: str):
    def guard(claims: dict) -> dict:
        if claims.get("role") != role:
            raise HTTPException(
                403, f"requires role {role!r}",
                headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
            )
        return claims
    return guard
'''

    def verify(self, answer: Any) -> None:
        if not callable(answer):
            raise Failure(f"expected a function, got {type(answer).__name__}")
        guards: dict[str, Any] = {}
        for role in ("admin", "user"):
            guard = self.call(answer, role)
            if not callable(guard):
                raise Failure(f"require_role({role!r}) returned {_show(guard)}; it should return a function (the guard)")
            guards[role] = guard
        passing = [("admin", {"sub": "bob", "role": "admin"}), ("user", {"sub": "alice", "role": "user"})]
        for role, claims in passing:
            kind, value = _outcome(guards[role], dict(claims))
            if kind == "returned" and value is None:
                raise NotSolved
            if kind == "http":
                raise Failure(
                    f"require_role({role!r})({claims}) raised HTTPException({value.status_code}); "
                    "the role matches, so it should return the claims"
                )
            if not isinstance(value, dict) or value.get("sub") != claims["sub"]:
                raise Failure(f"require_role({role!r})({claims}) returned {_show(value)}; expected the claims")
        refused: list[tuple[str, dict[str, Any]]] = [
            ("admin", {"sub": "alice", "role": "user"}),
            ("user", {"sub": "bob", "role": "admin"}),
            ("admin", {"sub": "mallory", "role": "adm"}),
            ("admin", {"sub": "eve"}),
            ("admin", {"sub": "trent", "role": ["admin"]}),
        ]
        for role, claims in refused:
            kind, value = _outcome(guards[role], dict(claims))
            if kind == "returned":
                raise Failure(f"require_role({role!r})({claims}) returned {_show(value)}; it must raise HTTPException(403)")
            if value.status_code != 403:
                raise Failure(
                    f"require_role({role!r})({claims}) raised HTTPException({value.status_code}); expected 403: "
                    "the token is valid (we know who you are), you just may not do this"
                )
            if 'error="insufficient_scope"' not in _www_authenticate(value):
                raise Failure(
                    f"require_role({role!r})({claims}): the 403 should carry "
                    "'WWW-Authenticate: Bearer error=\"insufficient_scope\"' (RFC 6750 §3.1)"
                )


# -- q3 ------------------------------------------------------------------------


def _echo_app() -> FastAPI:
    """Echoes the Authorization header; /me is protected by the model answer of q1."""
    app = FastAPI()

    @app.api_route("/echo", methods=["GET", "POST", "DELETE"])
    def echo(authorization: str | None = Header(default=None)) -> dict[str, Any]:
        return {"authorization": authorization}

    def current(authorization: str | None = Header(default=None)) -> dict[str, Any]:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        try:
            return jwt.decode(token, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE)
        except jwt.InvalidTokenError:
            raise HTTPException(401, "Invalid token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None

    @app.get("/me")
    def me(claims: dict[str, Any] = Depends(current)) -> dict[str, Any]:
        return {"sub": claims["sub"]}

    return app


class BearerAuthClass(Exercise):
    """An httpx.Auth subclass that adds ``Authorization: Bearer <token>``."""

    label = "q3"
    name = "BearerAuth"
    hints = (
        "httpx calls auth_flow(request) for every request: it is a generator that yields the request to send.",
        "Set request.headers['Authorization'] = f'Bearer {self.token}' and then `yield request`.",
    )
    solution_code = '''
class BearerAuth(httpx.Auth):
    def __init__(self, token: str):
        self.token = token

    def auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request
'''

    def verify(self, answer: Any) -> None:
        if not (inspect.isclass(answer) and issubclass(answer, httpx.Auth)):
            raise Failure(f"BearerAuth should be a class derived from httpx.Auth, got {_show(answer)}")
        try:
            auth_class: Any = answer  # the learner's class takes the token
            probe = auth_class("probe-token").auth_flow(httpx.Request("GET", "http://127.0.0.1/"))
        except NotImplementedError:
            raise NotSolved from None
        except Exception as exc:
            raise Failure(f"BearerAuth('probe-token').auth_flow(request) raised {type(exc).__name__}: {exc}") from None
        if probe is None:
            raise NotSolved
        if not inspect.isgenerator(probe):
            raise Failure("auth_flow must be a generator: `yield request` after setting the header")
        from ..serving import serve

        token = issue_token("alice")
        with serve(_echo_app()) as server, httpx.Client(base_url=server.url, timeout=5) as client:
            calls = [("GET", "/echo", None), ("POST", "/echo", {"x": 1}), ("DELETE", "/echo", None)]
            for method, path, body in calls:
                got = self._send(client, answer, "tok-123", method, path, body).json()["authorization"]
                if got != "Bearer tok-123":
                    raise Failure(
                        f"BearerAuth('tok-123') on {method} {path}: the server received Authorization {got!r}, "
                        "expected 'Bearer tok-123'"
                    )
            got = self._send(client, answer, "another-token", "GET", "/echo", None).json()["authorization"]
            if got != "Bearer another-token":
                raise Failure(f"BearerAuth('another-token') sent Authorization {got!r}: use the token it was given")
            response = self._send(client, answer, token, "GET", "/me", None)
            if response.status_code != 200:
                raise Failure(f"with a valid token, GET /me answered {response.status_code}, expected 200")

    @staticmethod
    def _send(client: httpx.Client, cls: Any, token: str, method: str, path: str, body: Any) -> httpx.Response:
        try:
            return client.request(method, path, json=body, auth=cls(token))
        except Exception as exc:
            raise Failure(f"{method} {path} with auth=BearerAuth({token!r}) raised {type(exc).__name__}: {exc}") from None


q1 = BearerClaims()
q2 = RequireRole()
q3 = BearerAuthClass()
