"""Chapter 03 checkers against a corpus of learner answers, and the chapter's app built from them.

For each exercise: realistic beginner mistakes that must be rejected with a message naming
the broken requirement, and correct answers in another style than the model answer that
must be accepted. The accepted answers then run the exercise notebook's "All together" app.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import httpx
import jwt
import nbformat
import pytest
from fastapi import Depends, FastAPI, Header, HTTPException

from jwt_course import serve
from jwt_course.checks.ch03 import AUDIENCE, ISSUER, SECRET_KEY, issue_token, q1, q2, q3
from jwt_course.tooling.notebooks import SOLUTIONS

from model_answers import model_answer  # tests/model_answers.py

bearer_claims = model_answer("03", "bearer_claims")  # what q.solution() prints
require_role = model_answer("03", "require_role")
BearerAuth: Any = model_answer("03", "BearerAuth")

REQUIRE = ["exp", "iat", "iss", "aud", "sub"]
INVALID = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
NO_TOKEN = {"WWW-Authenticate": "Bearer"}
FORBIDDEN = {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}


def rejected(exercise, answer, *requirement_words: str) -> str:
    verdict = exercise.evaluate(answer)
    assert verdict.status == "incorrect", verdict.message
    assert "Counter-example" in verdict.message, verdict.message
    for word in requirement_words:
        assert word in verdict.requirement, (word, verdict.message)
    return verdict.message


def accepted(exercise, answer) -> None:
    verdict = exercise.evaluate(answer)
    assert verdict.status == "correct", verdict.message


def test_issue_token_makes_a_valid_exercise_token():
    assert bearer_claims(f"Bearer {issue_token('bob', 'admin')}")["role"] == "admin"


@pytest.mark.parametrize(
    ("exercise", "answer"), [(q1, bearer_claims), (q2, require_role), (q3, BearerAuth)], ids=["q1", "q2", "q3"]
)
def test_model_answer_is_correct(exercise, answer):
    accepted(exercise, answer)


# -- q1 bearer_claims: wrong ----------------------------------------------------------------


def make_bearer_claims(*, scheme_ok=lambda s: s.lower() == "bearer", catch=jwt.PyJWTError, **decode):
    """A learner's bearer_claims with one thing changed."""
    options: dict[str, Any] = {
        "algorithms": ["HS256"],
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "options": {"require": REQUIRE},
    }
    options.update(decode)

    def answer(authorization):
        scheme, _, token = (authorization or "").partition(" ")
        if not scheme_ok(scheme) or not token.strip():
            raise HTTPException(401, "Not authenticated", headers=NO_TOKEN)
        try:
            return jwt.decode(token.strip(), SECRET_KEY, **options)
        except catch:
            raise HTTPException(401, "Invalid token", headers=INVALID) from None

    return answer


def test_q1_the_variant_maker_makes_a_correct_answer():
    accepted(q1, make_bearer_claims())


def test_q1_stub_is_not_solved():
    def stub(authorization): ...  # your code here

    assert q1.evaluate(stub).status == "not solved"


def test_q1_require_without_sub_and_iat_is_rejected():
    answer = make_bearer_claims(options={"require": ["exp", "iss", "aud"]})
    assert "without 'iat'" in rejected(q1, answer, "must all be present")


def test_q1_require_exp_only_is_rejected():
    answer = make_bearer_claims(options={"require": ["exp"]})
    rejected(q1, answer, "must all be present")


def test_q1_decode_without_audience_is_rejected():
    answer = make_bearer_claims(audience=None, options={"require": REQUIRE, "verify_aud": False})
    assert "another audience" in rejected(q1, answer, "AUDIENCE")


def test_q1_every_hmac_algorithm_is_rejected():
    answer = make_bearer_claims(algorithms=["HS256", "HS384", "HS512"])
    assert "HS384 token signed with the right secret" in rejected(q1, answer, "HS256 only")


def test_q1_algorithm_from_the_header_is_rejected():
    def header_alg(authorization):
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, headers=NO_TOKEN)
        try:
            alg = jwt.get_unverified_header(token)["alg"]
            return jwt.decode(
                token, SECRET_KEY, algorithms=[alg], issuer=ISSUER, audience=AUDIENCE, options={"require": REQUIRE}
            )
        except (jwt.PyJWTError, KeyError):
            raise HTTPException(401, headers=INVALID) from None

    rejected(q1, header_alg, "HS256 only")


def test_q1_uncaught_decode_error_is_reported_as_a_500():
    def leaky(authorization):
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, headers=NO_TOKEN)
        return jwt.decode(
            token, SECRET_KEY, algorithms=["HS256"], issuer=ISSUER, audience=AUDIENCE, options={"require": REQUIRE}
        )

    message = rejected(q1, leaky, "401 invalid_token")
    assert "500 Internal Server Error" in message


def test_q1_catching_only_expiry_is_rejected():
    assert "500" in rejected(q1, make_bearer_claims(catch=jwt.ExpiredSignatureError))


def test_q1_case_sensitive_scheme_is_rejected():
    answer = make_bearer_claims(scheme_ok=lambda s: s == "Bearer")
    assert "scheme in lower case" in rejected(q1, answer, "case-insensitive")


def test_q1_error_code_for_no_credentials_is_rejected():
    def always_invalid(authorization):
        try:
            return bearer_claims(authorization)
        except HTTPException as exc:
            raise HTTPException(401, headers=INVALID) from exc

    assert "bearer_claims(None)" in rejected(q1, always_invalid, "no bearer token")


def test_q1_split_unpacking_raises_for_a_missing_header():
    def split(authorization):
        scheme, token = authorization.split()
        if scheme.lower() != "bearer":
            raise HTTPException(401, headers=NO_TOKEN)
        return make_bearer_claims()(f"Bearer {token}")

    assert "raised AttributeError" in rejected(q1, split)


def test_q1_returning_none_for_no_header_is_rejected():
    def returns_none(authorization):
        if not authorization:
            return None
        return bearer_claims(authorization)

    assert "returned None" in rejected(q1, returns_none, "no bearer token")


def test_q1_403_for_a_bad_token_is_rejected():
    def forbidden(authorization):
        try:
            return bearer_claims(authorization)
        except HTTPException as exc:
            if exc.headers == INVALID:
                raise HTTPException(403, headers=INVALID) from None
            raise

    assert "HTTPException(403)" in rejected(q1, forbidden)


# -- q1: right, other styles ------------------------------------------------------------------


def test_q1_split_maxsplit_and_helpers_is_accepted():
    def unauthorized(error: str | None = None) -> HTTPException:
        challenge = f'Bearer error="{error}"' if error else "Bearer"
        return HTTPException(status_code=401, detail="Unauthorized", headers={"WWW-Authenticate": challenge})

    def by_split(authorization: str | None) -> dict:
        if authorization is None:
            raise unauthorized()
        parts = authorization.split(maxsplit=1)
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise unauthorized()
        try:
            claims = jwt.decode(
                parts[1],
                key=SECRET_KEY,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["sub", "iat", "exp", "aud", "iss"]},
            )
        except jwt.InvalidTokenError:
            raise unauthorized("invalid_token") from None
        return claims

    accepted(q1, by_split)


def test_q1_regex_is_accepted():
    header = re.compile(r"bearer\s+(\S+)", re.IGNORECASE)

    def by_regex(authorization):
        match = header.fullmatch((authorization or "").strip())
        if match is None:
            if (authorization or "").lower().startswith("bearer ") and authorization.strip()[7:]:
                raise HTTPException(401, headers=INVALID)  # something after Bearer, but not one token
            raise HTTPException(401, "no credentials", headers=NO_TOKEN)
        try:
            return jwt.decode(
                match.group(1),
                SECRET_KEY,
                algorithms=["HS256"],
                issuer=ISSUER,
                audience=AUDIENCE,
                options={"require": REQUIRE, "verify_signature": True},
            )
        except jwt.PyJWTError as exc:
            raise HTTPException(401, str(exc), headers=INVALID) from None

    accepted(q1, by_regex)


# -- q2 require_role: wrong ---------------------------------------------------------------------


def make_require_role(matches, *, status=403, headers=FORBIDDEN):
    def require_role(role):
        def guard(claims):
            if not matches(claims, role):
                raise HTTPException(status, "Insufficient role", headers=headers)
            return claims

        return guard

    return require_role


def test_q2_stub_is_not_solved():
    def require_role(role): ...  # your code here

    assert q2.evaluate(require_role).status == "not solved"


def test_q2_substring_match_is_rejected():
    answer = make_require_role(lambda claims, role: claims.get("role", "") in role)
    assert "'role': 'adm'" in rejected(q2, answer, "exactly")


def test_q2_startswith_lets_administrator_pending_in():
    answer = make_require_role(lambda claims, role: str(claims.get("role", "")).startswith(role))
    assert "administrator-pending" in rejected(q2, answer, "exactly")


def test_q2_key_error_is_reported_as_a_500():
    answer = make_require_role(lambda claims, role: claims["role"] == role)
    message = rejected(q2, answer, "without a role")
    assert "KeyError" in message and "500" in message


def test_q2_401_instead_of_403_is_rejected():
    answer = make_require_role(lambda claims, role: claims.get("role") == role, status=401)
    assert "HTTPException(401)" in rejected(q2, answer, "403")


def test_q2_case_insensitive_compare_is_rejected():
    answer = make_require_role(lambda claims, role: str(claims.get("role")).lower() == role)
    assert "'ADMIN'" in rejected(q2, answer, "exactly")


def test_q2_stripping_whitespace_is_rejected():
    answer = make_require_role(lambda claims, role: str(claims.get("role", "")).strip() == role)
    rejected(q2, answer, "exactly")


def test_q2_membership_in_a_list_is_rejected():
    answer = make_require_role(lambda claims, role: role in (claims.get("role") or []))
    rejected(q2, answer, "exactly")


def test_q2_missing_challenge_header_is_rejected():
    answer = make_require_role(lambda claims, role: claims.get("role") == role, headers=None)
    assert "without a WWW-Authenticate header" in rejected(q2, answer)


def test_q2_a_shared_global_role_is_rejected():
    state = {}

    def require_role(role):
        state["role"] = role  # the last guard made decides for all of them

        def guard(claims):
            if claims.get("role") != state["role"]:
                raise HTTPException(403, headers=FORBIDDEN)
            return claims

        return guard

    rejected(q2, require_role, "its own role")


def test_q2_returning_true_is_rejected():
    def require_role(role):
        def guard(claims):
            if claims.get("role") != role:
                raise HTTPException(403, headers=FORBIDDEN)
            return True

        return guard

    assert "returned True" in rejected(q2, require_role, "unchanged")


# -- q2: right, other styles ----------------------------------------------------------------------


def test_q2_a_guard_class_is_accepted():
    class RoleGuard:
        def __init__(self, role: str) -> None:
            self.role = role

        def __call__(self, claims: dict) -> dict:
            if claims.get("role") == self.role:
                return claims
            raise HTTPException(
                status_code=403,
                detail=f"{self.role} only",
                headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
            )

    accepted(q2, RoleGuard)


def test_q2_partial_with_a_type_check_is_accepted():
    def check(role, claims):
        actual = claims.get("role")
        if not isinstance(actual, str) or actual != role:
            raise HTTPException(403, headers=FORBIDDEN)
        return claims

    accepted(q2, lambda role: partial(check, role))


# -- q3 BearerAuth: wrong --------------------------------------------------------------------------


def test_q3_stub_is_not_solved():
    class Stub(httpx.Auth):
        def __init__(self, token):
            self.token = token

        def auth_flow(self, request): ...  # your code here

    assert q3.evaluate(Stub).status == "not solved"


def test_q3_header_only_on_the_first_request_is_rejected():
    class Once(httpx.Auth):
        def __init__(self, token):
            self.token = token
            self.sent = False

        def auth_flow(self, request):
            if not self.sent:
                request.headers["Authorization"] = f"Bearer {self.token}"
                self.sent = True
            yield request

    assert "second request" in rejected(q3, Once, "many requests")


def test_q3_token_on_the_class_is_shared_by_every_instance():
    class Shared(httpx.Auth):
        token = ""

        def __init__(self, token):
            Shared.token = token

        def auth_flow(self, request):
            request.headers["Authorization"] = f"Bearer {Shared.token}"
            yield request

    rejected(q3, Shared, "its own token")


def test_q3_missing_scheme_is_rejected_with_what_the_server_saw():
    class NoScheme(BearerAuth):
        def auth_flow(self, request):
            request.headers["Authorization"] = self.token
            yield request

    message = rejected(q3, NoScheme, "every request")
    assert "returned 'tok-123'" in message


def test_q3_return_instead_of_yield_is_rejected():
    class Returns(httpx.Auth):
        def __init__(self, token):
            self.token = token

        def auth_flow(self, request):
            request.headers["Authorization"] = f"Bearer {self.token}"
            return request

    assert "generator" in q3.evaluate(Returns).message


def test_q3_header_for_get_only_is_rejected():
    class GetOnly(BearerAuth):
        def auth_flow(self, request):
            if request.method == "GET":
                request.headers["Authorization"] = f"Bearer {self.token}"
            yield request

    assert "POST /echo" in rejected(q3, GetOnly, "every request")


def test_q3_a_global_token_is_rejected():
    TOKEN = "the-token-from-the-lesson"

    class GlobalToken(httpx.Auth):
        def __init__(self, token):
            pass

        def auth_flow(self, request):
            request.headers["Authorization"] = f"Bearer {TOKEN}"
            yield request

    rejected(q3, GlobalToken, "every request")


def test_q3_not_an_auth_class_is_rejected():
    assert "httpx.Auth" in q3.evaluate(lambda token: None).message


# -- q3: right, other styles --------------------------------------------------------------------------


def test_q3_precomputed_header_and_update_is_accepted():
    class Precomputed(httpx.Auth):
        def __init__(self, token: str) -> None:
            self._value = f"Bearer {token}"

        def auth_flow(self, request: httpx.Request):
            request.headers.update({"Authorization": self._value})
            response = yield request
            del response  # nothing to retry here

    accepted(q3, Precomputed)


def test_q3_requires_response_body_flag_style_is_accepted():
    class WithFlags(httpx.Auth):
        requires_request_body = False
        requires_response_body = False

        def __init__(self, token):
            self.token = token

        def auth_flow(self, request):
            request.headers["authorization"] = "Bearer " + self.token
            yield request

    accepted(q3, WithFlags)


# -- the exercise notebook's "All together" app, built from accepted answers -------------------------


def _all_together_cell() -> str:
    nb = nbformat.read(SOLUTIONS / "03_bearer_flow_fastapi.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "app = FastAPI()" in c.source]
    return cell.source


def _regex_answers():
    """Accepted answers of another style, bundled as the notebook would hold them."""

    def by_split(authorization):
        parts = (authorization or "").split(maxsplit=1)
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise HTTPException(401, headers=NO_TOKEN)
        try:
            return jwt.decode(
                parts[1],
                SECRET_KEY,
                algorithms=["HS256"],
                issuer=ISSUER,
                audience=AUDIENCE,
                options={"require": REQUIRE},
            )
        except jwt.PyJWTError:
            raise HTTPException(401, headers=INVALID) from None

    class RoleGuard:
        def __init__(self, role):
            self.role = role

        def __call__(self, claims):
            if claims.get("role") != self.role:
                raise HTTPException(403, headers=FORBIDDEN)
            return claims

    class Precomputed(httpx.Auth):
        def __init__(self, token):
            self.value = f"Bearer {token}"

        def auth_flow(self, request):
            request.headers["Authorization"] = self.value
            yield request

    return by_split, RoleGuard, Precomputed


ANSWER_SETS = {"model": (bearer_claims, require_role, BearerAuth), "other-style": _regex_answers()}


@pytest.fixture(params=sorted(ANSWER_SETS), scope="module")
def all_together(request):
    """The notebook's cell run with one set of accepted answers; yields its app served for probes."""
    claims, role, auth = ANSWER_SETS[request.param]
    namespace = {
        "Header": Header,
        "Depends": Depends,
        "FastAPI": FastAPI,
        "httpx": httpx,
        "serve": serve,
        "q1": q1,
        "q2": q2,
        "q3": q3,
        "issue_token": issue_token,
        "bearer_claims": claims,
        "require_role": role,
        "BearerAuth": auth,
    }
    exec(_all_together_cell(), namespace)  # prints the cell's own demonstration
    with serve(namespace["app"]) as server:
        yield server, auth


def test_all_together_one_client_many_requests(all_together):
    server, auth = all_together
    with httpx.Client(base_url=server.url, auth=auth(issue_token("alice")), timeout=5) as client:
        assert [client.get("/me").status_code for _ in range(3)] == [200, 200, 200]


def test_all_together_token_without_sub_is_401_not_500(all_together):
    server, auth = all_together
    with httpx.Client(base_url=server.url, auth=auth(issue_token(drop=("sub",))), timeout=5) as client:
        response = client.get("/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_all_together_prefix_role_is_403_on_admin(all_together):
    server, auth = all_together
    with httpx.Client(
        base_url=server.url, auth=auth(issue_token("carol", "administrator-pending")), timeout=5
    ) as client:
        assert client.get("/admin").status_code == 403


def test_all_together_admin_gets_in(all_together):
    server, auth = all_together
    with httpx.Client(base_url=server.url, auth=auth(issue_token("bob", "admin")), timeout=5) as client:
        assert client.get("/admin").json() == {"message": "welcome, bob"}


def test_all_together_forged_algorithm_is_401(all_together):
    server, _ = all_together
    forged = jwt.encode(
        {"sub": "bob", "role": "admin", "iss": ISSUER, "aud": AUDIENCE, "iat": 1, "exp": 4102444800},
        SECRET_KEY,
        algorithm="HS512",
    )
    response = httpx.get(server.url + "/admin", headers={"Authorization": f"Bearer {forged}"}, timeout=5)
    assert response.status_code == 401


def test_all_together_token_without_role_is_200_on_me_and_403_on_admin(all_together):
    server, auth = all_together
    with httpx.Client(base_url=server.url, auth=auth(issue_token("dave", drop=("role",))), timeout=5) as client:
        assert client.get("/me").json() == {"sub": "dave", "role": None}
        assert client.get("/admin").status_code == 403
