"""Chapter 03: the Bearer flow (a token dependency, a role guard, an httpx auth class).

q1 and q2 are called directly with header values, tokens and claims from the shared
corpus (alg none, the right secret under HS384/HS512, each required claim missing, roles
sharing a prefix). q3 is driven over real HTTP, the way the chapter's app uses it: one
auth instance for many requests, one client for many requests, two instances at once.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from fastapi import FastAPI, Header
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import Failure, NotSolved
from . import corpus as c
from ._servers import SharedServer
from .cases import Case, Expect, Outcome, Satisfies, TableExercise, short

__all__ = ["AUDIENCE", "ISSUER", "REQUIRED_CLAIMS", "SECRET_KEY", "issue_token", "q1", "q2", "q3"]

#: The exercises' shared secret: 72 bytes, enough even for HS512 (RFC 7518 §3.2).
SECRET_KEY = "chapter-03-exercise-secret-" + "0123456789abcdef" * 2 + "-long-enough!"
#: Who issues the exercise tokens (``iss``) and which API they are for (``aud``).
ISSUER = "https://auth.course.test"
AUDIENCE = "https://api.course.test"
#: The claims q1 requires.
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")

_OTHER_KEY = "a-different-secret-of-at-least-32-bytes!"


def _claims(sub: str, role: str, ttl: int, extra: dict[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": sub,
        "role": role,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl,
        **extra,
    }
    return {k: v for k, v in payload.items() if k not in drop}


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
    return jwt.encode(_claims(sub, role, ttl, claims, drop), key, algorithm=algorithm)


def _challenge(exc: Any) -> str:
    headers = getattr(exc, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "www-authenticate":
            return str(value)
    return ""


def _as_server_would(call: str, outcome: Outcome) -> str | None:
    """The words for an exception that is not an HTTPException: what a FastAPI app makes of it."""
    if outcome.error is not None and not isinstance(outcome.error, StarletteHTTPException):
        return (
            f"{call} {outcome.show()}: in a FastAPI app that is a 500 Internal Server Error; "
            "raise HTTPException instead"
        )
    return None


def _http_show(outcome: Outcome) -> str:
    error = outcome.error
    if isinstance(error, StarletteHTTPException):
        challenge = _challenge(error)
        return f"raised HTTPException({error.status_code})" + (
            f" with WWW-Authenticate {challenge!r}" if challenge else " without a WWW-Authenticate header"
        )
    return outcome.show()


@dataclass(frozen=True)
class RaisesHTTP(Expect):
    """Raises ``HTTPException(status)`` whose ``WWW-Authenticate`` passes ``challenge``."""

    status: int
    challenge: Callable[[str], bool]
    wanted: str

    def accepts(self, outcome: Outcome) -> bool:
        error = outcome.error
        return (
            isinstance(error, StarletteHTTPException)
            and error.status_code == self.status
            and self.challenge(_challenge(error))
        )

    def describe(self) -> str:
        return f"raise HTTPException({self.status}) with WWW-Authenticate {self.wanted}"

    def counterexample(self, call: str, outcome: Outcome) -> str:
        return _as_server_would(call, outcome) or f"{call} {_http_show(outcome)}; expected it to {self.describe()}"


@dataclass(frozen=True)
class ReturnsClaims(Expect):
    """Returns a claims dict whose ``sub`` is ``sub`` (and, optionally, is ``claims`` itself)."""

    sub: str
    same: dict[str, Any] | None = None

    def accepts(self, outcome: Outcome) -> bool:
        value = outcome.value
        if outcome.raised or not isinstance(value, dict) or value.get("sub") != self.sub:
            return False
        return self.same is None or value == self.same

    def describe(self) -> str:
        return "return the claims unchanged" if self.same is not None else f"return the claims dict (sub {self.sub!r})"

    def counterexample(self, call: str, outcome: Outcome) -> str:
        return _as_server_would(call, outcome) or f"{call} {_http_show(outcome)}; expected it to {self.describe()}"


_NO_TOKEN = RaisesHTTP(
    401, lambda h: h.startswith("Bearer") and "error=" not in h, "'Bearer' (no error code: RFC 6750 §3.1)"
)
_INVALID = RaisesHTTP(
    401,
    lambda h: h.startswith("Bearer") and 'error="invalid_token"' in h,
    "'Bearer error=\"invalid_token\"' (RFC 6750 §3.1)",
)
_ANY_401 = RaisesHTTP(401, lambda h: h.startswith("Bearer"), "'Bearer ...' (malformed: either challenge)")
_FORBIDDEN = RaisesHTTP(
    403, lambda h: h.startswith("Bearer") and 'error="insufficient_scope"' in h, "'Bearer error=\"insufficient_scope\"'"
)


# -- q1 ------------------------------------------------------------------------

_R1_VALID = "return the claims for 'Bearer <valid token>'; the scheme is case-insensitive"
_R1_NO_TOKEN = "no bearer token at all (no header, empty, another scheme, Bearer alone): 401, WWW-Authenticate: Bearer"
_R1_SIGNATURE = "refuse a token not signed with SECRET_KEY, or edited: 401 invalid_token"
_R1_ALGORITHM = "HS256 only: alg none, and HS384/HS512 even with the right secret, get 401 invalid_token"
_R1_ISS_AUD = "issued by ISSUER for AUDIENCE: any other iss or aud gets 401 invalid_token"
_R1_EXPIRED = "an expired token gets 401 invalid_token"
_R1_REQUIRED = "exp, iat, iss, aud and sub must all be present: a token without one gets 401 invalid_token"
_R1_MALFORMED = "a token that is sent and refused, whatever the reason, gets 401 invalid_token (never a 500)"


def _bearer(token: str) -> str:
    return f"Bearer {token}"


def _what(header: str | None) -> str:
    return f"bearer_claims({short(header, 50)})"


class BearerClaims(TableExercise):
    """Extract the token from an Authorization header value and validate it."""

    label = "q1"
    name = "bearer_claims"
    hints = (
        "Split the header once on a space: `scheme, _, token = (authorization or '').partition(' ')`. "
        "Compare the scheme case-insensitively with 'bearer' and check the token is not empty.",
        "Validate with jwt.decode(token, SECRET_KEY, algorithms=['HS256'], issuer=ISSUER, audience=AUDIENCE, "
        "options={'require': ['exp', 'iat', 'iss', 'aud', 'sub']}) inside try/except jwt.PyJWTError "
        "(PyJWT's root error: it covers InvalidKeyError too).",
        "No token: HTTPException(401, headers={'WWW-Authenticate': 'Bearer'}). A bad token: "
        "HTTPException(401, headers={'WWW-Authenticate': 'Bearer error=\"invalid_token\"'}).",
    )

    def cases(self) -> Sequence[Case]:
        def case(requirement: str, header: str | None, expect: Expect, what: str = "") -> Case:
            shown = f"bearer_claims('Bearer <{what}>')" if what else _what(header)
            return Case(requirement, expect, (header,), shown=shown)

        good = issue_token()
        base = _claims("alice", "user", 900, {}, ())
        swapped = {h.name: h.value for h in c.header_variants(base, SECRET_KEY)}
        table = [
            case(_R1_VALID, _bearer(good), ReturnsClaims("alice"), "a valid token"),
            case(_R1_VALID, f"bearer {good}", ReturnsClaims("alice"), "a valid token, scheme in lower case"),
            case(_R1_VALID, f"BEARER {good}", ReturnsClaims("alice"), "a valid token, scheme in upper case"),
            case(_R1_VALID, _bearer(swapped["header-swapped"]), ReturnsClaims("alice"), 'a valid token, "typ" first'),
            case(_R1_VALID, _bearer(swapped["header-kid"]), ReturnsClaims("alice"), "a valid token with a kid"),
        ]
        table += [
            case(_R1_NO_TOKEN, header, _NO_TOKEN)
            for header in (None, "", "Basic YWxpY2U6d29uZGVybGFuZA==", "Bearer", "Bearer ", "Token abc", good)
        ]
        table += [
            case(_R1_SIGNATURE, _bearer(issue_token(key=_OTHER_KEY)), _INVALID, "a token signed with another key"),
            case(_R1_SIGNATURE, _bearer(_edited(good)), _INVALID, "the valid token with role user -> admin"),
        ]
        table += [
            case(_R1_ALGORITHM, _bearer(h.value), _INVALID, h.what) for h in c.alg_none({**base, "role": "admin"}, good)
        ]
        table += [
            case(_R1_ALGORITHM, _bearer(h.value), _INVALID, h.what)
            for h in c.alg_confusion(base, secret=SECRET_KEY, expected="HS256")
        ]
        table += [
            case(
                _R1_ISS_AUD,
                _bearer(issue_token(aud="https://other-api.test")),
                _INVALID,
                "a token for another audience",
            ),
            case(_R1_ISS_AUD, _bearer(issue_token(iss="https://evil.test")), _INVALID, "a token from another issuer"),
            case(_R1_EXPIRED, _bearer(issue_token(ttl=-60)), _INVALID, "a token that expired a minute ago"),
        ]
        table += [
            case(_R1_REQUIRED, _bearer(issue_token(drop=(name,))), _INVALID, f"a token without {name!r}")
            for name in REQUIRED_CLAIMS
        ]
        table += [
            case(_R1_MALFORMED, "Bearer a.b.c", _INVALID),
            case(_R1_MALFORMED, "Bearer " + "x" * 10_000, _INVALID, "10 000 x's"),
            case(_R1_MALFORMED, f"Bearer {good} extra", _ANY_401, "a valid token, then ' extra'"),
            case(_R1_MALFORMED, f"Bearer {good}.{good}", _INVALID, "two tokens glued with a dot"),
            case(_R1_MALFORMED, "Bearer é.é.é", _INVALID),
        ]
        return table


def _edited(token: str) -> str:
    head, _body, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    edited = json.dumps({**claims, "role": "admin"}, separators=(",", ":")).encode()
    return f"{head}.{c.b64url(edited)}.{signature}"


# -- q2 ------------------------------------------------------------------------

_R2_PASS = "return the claims unchanged when claims['role'] is exactly the role"
_R2_EXACT = 'any other role gets 403 with WWW-Authenticate Bearer error="insufficient_scope": compare exactly (==)'
_R2_MISSING = "claims without a role get 403 (not a KeyError: a 500)"
_R2_OWN_ROLE = "each guard checks its own role: require_role('admin') and require_role('user') work side by side"


def _guard(role: str, claims: dict[str, Any]) -> Callable[[Any], Any]:
    def act(require_role: Any) -> Any:
        guard = require_role(role)
        if guard is None:
            raise NotSolved
        return guard(dict(claims))

    return act


def _lets_in(guard: Any, claims: dict[str, Any]) -> bool:
    try:
        guard(dict(claims))
    except StarletteHTTPException:
        return False
    return True


def _side_by_side(require_role: Any) -> tuple[bool, bool, bool]:
    admin, user = require_role("admin"), require_role("user")  # both made first, used after
    return _lets_in(user, _ALICE), _lets_in(admin, _ALICE), _lets_in(admin, _BOB)


_BOB = {"sub": "bob", "role": "admin"}
_ALICE = {"sub": "alice", "role": "user"}


class RequireRole(TableExercise):
    """A role guard: pass the claims through for the right role, 403 otherwise."""

    label = "q2"
    name = "require_role"
    hints = (
        "require_role(role) is a factory: define `def guard(claims: dict) -> dict:` inside it and `return guard`.",
        "Compare with ==, not `in` or startswith ('adm' in 'admin' is True; 'administrator'.startswith('admin') "
        "too), and read the role with claims.get('role') so a token without one is refused, not a KeyError (a 500).",
        "Wrong role: raise HTTPException(403, 'Insufficient role', headers={'WWW-Authenticate': "
        "'Bearer error=\"insufficient_scope\"'}).",
    )

    def cases(self) -> Sequence[Case]:
        bob, alice = _BOB, _ALICE

        def case(requirement: str, role: str, claims: dict[str, Any], expect: Expect) -> Case:
            return Case(requirement, expect, act=_guard(role, claims), shown=f"require_role({role!r})({claims})")

        table = [
            case(_R2_PASS, "admin", bob, ReturnsClaims("bob", bob)),
            case(_R2_PASS, "user", alice, ReturnsClaims("alice", alice)),
            case(
                _R2_PASS,
                "admin",
                {**bob, "iat": 1, "scope": "x"},
                ReturnsClaims("bob", {**bob, "iat": 1, "scope": "x"}),
            ),
            case(_R2_EXACT, "admin", alice, _FORBIDDEN),
            case(_R2_EXACT, "user", bob, _FORBIDDEN),
        ]
        table += [
            case(_R2_EXACT, "admin", {"sub": "mallory", "role": h.value}, _FORBIDDEN) for h in c.prefix_roles("admin")
        ]
        table += [
            case(_R2_MISSING, "admin", {"sub": "eve"}, _FORBIDDEN),
            case(_R2_MISSING, "admin", {}, _FORBIDDEN),
            Case(
                _R2_OWN_ROLE,
                Satisfies(lambda got: got == (True, False, True), "give (True, False, True)"),
                act=_side_by_side,
                shown="admin, user = require_role('admin'), require_role('user'); "
                "(user lets alice in, admin lets alice in, admin lets bob in)",
            ),
        ]
        return table


# -- q3 ------------------------------------------------------------------------

_R3_EVERY = "add 'Authorization: Bearer <token>' to every request, whatever the method"
_R3_MANY = "one BearerAuth instance serves many requests (auth_flow runs once per request)"
_R3_CLIENT = "httpx.Client(auth=BearerAuth(token)) sends the header on each of its requests"
_R3_OWN = "each instance sends its own token (keep it on self, not on the class)"
_R3_WORKS = "with a valid token, the chapter's protected GET /me answers 200"


def _echo_app() -> FastAPI:
    """Echoes the Authorization header; /me checks the token as the chapter's app does."""
    app = FastAPI()

    @app.api_route("/echo", methods=["GET", "POST", "PUT", "DELETE"])
    def echo(authorization: str | None = Header(default=None)) -> dict[str, Any]:
        return {"authorization": authorization}

    @app.get("/me")
    def me(authorization: str | None = Header(default=None)) -> dict[str, Any]:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise StarletteHTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        try:
            claims = jwt.decode(token, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE)
        except jwt.PyJWTError:
            raise StarletteHTTPException(
                401, "Invalid token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None
        return {"sub": claims["sub"]}

    return app


def _start_echo() -> tuple[Any, None]:
    from ..serving import serve

    return serve(_echo_app()), None


#: the echo app keeps no state, so one server serves every check in this process (started on first use)
_ECHO: SharedServer[None] = SharedServer(_start_echo)


@dataclass
class _Wire:
    """A real server and one client; the auth instances the cases reuse."""

    auth_class: Any
    client: httpx.Client
    kept: dict[str, Any]

    def send(self, key: str, token: str, method: str = "GET", path: str = "/echo") -> Any:
        auth = self.kept.setdefault(key, self.auth_class(token))
        response = self.client.request(method, path, json={"x": 1} if method in ("POST", "PUT") else None, auth=auth)
        return response.json().get("authorization") if path == "/echo" else response.status_code

    def with_client_auth(self, token: str, times: int) -> list[Any]:
        base = str(self.client.base_url)
        with httpx.Client(base_url=base, auth=self.auth_class(token), timeout=5, verify=False) as client:
            return [client.get("/echo").json().get("authorization") for _ in range(times)]

    def two_instances(self) -> list[Any]:
        first, second = self.auth_class("tok-first"), self.auth_class("tok-second")
        return [self.client.get("/echo", auth=auth).json().get("authorization") for auth in (first, second)]


def _header(expected: str) -> Satisfies:
    return Satisfies(lambda got: got == expected, f"arrive as {expected!r}")


class BearerAuthClass(TableExercise):
    """An httpx.Auth subclass that adds ``Authorization: Bearer <token>``."""

    label = "q3"
    name = "BearerAuth"
    hints = (
        "httpx calls auth_flow(request) for every request: it is a generator that yields the request to send.",
        "Set request.headers['Authorization'] = f'Bearer {self.token}' and then `yield request`, every time: "
        "no flag that remembers an earlier request.",
    )

    @contextmanager
    def subject(self, answer: Any) -> Iterator[_Wire]:
        if not (inspect.isclass(answer) and issubclass(answer, httpx.Auth)):
            raise Failure(f"BearerAuth should be a class derived from httpx.Auth, got {short(answer)}")
        auth_class: Any = answer  # the learner's class takes the token
        try:
            probe = auth_class("probe-token").auth_flow(httpx.Request("GET", "http://127.0.0.1/"))
        except NotImplementedError:
            raise NotSolved from None
        except Exception as exc:
            raise Failure(f"BearerAuth('probe-token').auth_flow(request) raised {type(exc).__name__}: {exc}") from None
        if probe is None:
            raise NotSolved
        if not inspect.isgenerator(probe):
            raise Failure(
                "Requirement: auth_flow is a generator. Counter-example: it returned "
                f"{short(probe)}; set the header, then `yield request`."
            )
        server, _ = _ECHO.get()
        # plain http to 127.0.0.1: no TLS is involved, so skip loading a CA bundle (~80 ms per client)
        with httpx.Client(base_url=server.url, timeout=5, verify=False) as client:
            yield _Wire(answer, client, {})

    def cases(self) -> Sequence[Case]:
        token = issue_token("alice")

        def send(key: str, tok: str, method: str = "GET", path: str = "/echo") -> Callable[[_Wire], Any]:
            return lambda wire: wire.send(key, tok, method, path)

        return [
            Case(
                _R3_EVERY,
                _header("Bearer tok-123"),
                act=send("a", "tok-123"),
                shown="GET /echo with auth=BearerAuth('tok-123'): the server received Authorization",
            ),
            Case(
                _R3_EVERY,
                _header("Bearer tok-123"),
                act=send("b", "tok-123", "POST"),
                shown="POST /echo with auth=BearerAuth('tok-123'): the server received Authorization",
            ),
            Case(
                _R3_EVERY,
                _header("Bearer tok-123"),
                act=send("c", "tok-123", "DELETE"),
                shown="DELETE /echo with auth=BearerAuth('tok-123'): the server received Authorization",
            ),
            Case(
                _R3_MANY,
                _header("Bearer tok-123"),
                act=send("a", "tok-123"),
                shown="the same BearerAuth instance, second request: the server received Authorization",
            ),
            Case(
                _R3_MANY,
                _header("Bearer tok-123"),
                act=send("a", "tok-123", "PUT"),
                shown="the same BearerAuth instance, third request: the server received Authorization",
            ),
            Case(
                _R3_CLIENT,
                Satisfies(lambda got: got == ["Bearer tok-9"] * 3, "all be 'Bearer tok-9'"),
                act=lambda wire: wire.with_client_auth("tok-9", 3),
                shown="httpx.Client(auth=BearerAuth('tok-9')): three GETs, the server received",
            ),
            Case(
                _R3_OWN,
                Satisfies(
                    lambda got: got == ["Bearer tok-first", "Bearer tok-second"],
                    "be ['Bearer tok-first', 'Bearer tok-second']",
                ),
                act=lambda wire: wire.two_instances(),
                shown="BearerAuth('tok-first') and BearerAuth('tok-second') made, then one request each: received",
            ),
            Case(
                _R3_WORKS,
                Satisfies(lambda got: got == 200, "answer 200"),
                act=send("me", token, "GET", "/me"),
                shown="GET /me with auth=BearerAuth(<a valid token>)",
            ),
        ]


q1 = BearerClaims()
q2 = RequireRole()
q3 = BearerAuthClass()
