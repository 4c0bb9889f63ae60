"""One home per fact (issue 16, item 6): every copy of a course-wide fact reads its one home."""

from __future__ import annotations

import typing

import pytest

from jwt_course import handmade, keys, sessions_demo, tokens
from jwt_course.checks import corpus
from jwt_course.cli import parser
from jwt_course.server import DEMO_USERS
from jwt_course.server.schemas import LoginRequest, RefreshRequest
from jwt_course.server.service import _MAX_AUTHORIZATION_LENGTH


def test_handmade_reads_the_token_limit_and_algorithms_from_tokens() -> None:
    assert handmade.MAX_TOKEN_LENGTH is tokens.MAX_TOKEN_LENGTH
    assert handmade.SUPPORTED_ALGORITHMS is tokens.SUPPORTED_ALGORITHMS


def test_the_algorithm_list_is_the_hmac_list_then_the_public_key_list() -> None:
    assert (*tokens.HMAC_ALGORITHMS, *tokens.PUBLIC_KEY_ALGORITHMS) == tokens.SUPPORTED_ALGORITHMS


def test_key_rings_know_exactly_the_public_key_algorithms() -> None:
    assert tuple(keys.ASYMMETRIC_ALGORITHMS) == tokens.PUBLIC_KEY_ALGORITHMS


def test_the_cli_offers_exactly_the_supported_algorithms(capsys: pytest.CaptureFixture[str]) -> None:
    for alg in tokens.SUPPORTED_ALGORITHMS:
        assert parser.build_parser().parse_args(["serve", "--algorithm", alg]).algorithm == alg
    with pytest.raises(SystemExit):
        parser.build_parser().parse_args(["serve", "--algorithm", "PS256"])
    assert "HS256, HS384, HS512, RS256, ES256, EdDSA" in capsys.readouterr().err.replace("'", "")


def test_the_server_bounds_tokens_by_the_one_limit() -> None:
    (limit,) = [m.max_length for m in RefreshRequest.model_fields["refresh_token"].metadata if hasattr(m, "max_length")]
    assert limit == tokens.MAX_TOKEN_LENGTH
    assert tokens.MAX_TOKEN_LENGTH + len("Bearer ") == _MAX_AUTHORIZATION_LENGTH


def test_the_sessions_demo_logs_in_the_servers_demo_users_with_its_body_model() -> None:
    assert {name: password for name, password, _ in DEMO_USERS} == sessions_demo.DEMO_PASSWORDS
    assert sessions_demo.Credentials is LoginRequest


def test_the_vulnerable_lab_uses_the_servers_login_body() -> None:
    from jwt_course import vulnerable

    assert not hasattr(vulnerable, "_Login")
    assert typing.get_type_hints(vulnerable.create_app)  # imports resolve
    assert vulnerable._ACCESS_TYPE is tokens.ACCESS_TOKEN_TYPE
    assert vulnerable._REFRESH_TYPE is tokens.REFRESH_TOKEN_TYPE


def test_the_corpus_encodes_with_handmade() -> None:
    assert corpus.b64url is handmade.b64url_encode
