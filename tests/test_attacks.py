"""jwt_course.attacks.show_source: what a lesson shows, by named markers in the source."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from jwt_course import vulnerable
from jwt_course.attacks import show_source
from jwt_course.keys import KeyRing
from jwt_course.tokens import TokenSigner, check_secret


def test_a_marker_name_prints_its_lines_without_the_marker(capsys: pytest.CaptureFixture[str]) -> None:
    show_source(TokenSigner, "pinned-algorithm")
    assert capsys.readouterr().out == "jwt_course/tokens.py · TokenSigner\n    algorithms=[self.algorithm],\n"


def test_a_marker_on_several_lines_prints_them_all_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    show_source(TokenSigner, "claims-checked")
    lines = capsys.readouterr().out.splitlines()[1:]
    assert lines == ["    audience=self.audience,", "    issuer=self.issuer,", '    "require": required,']


def test_a_marker_keeps_the_lines_own_comment(capsys: pytest.CaptureFixture[str]) -> None:
    show_source(vulnerable.verify_with_alg_from_header, "public-key-as-secret")
    assert '    key = s.public_pem  # "the key we verify with"' in capsys.readouterr().out.splitlines()


def test_old_needle_text_still_works(capsys: pytest.CaptureFixture[str]) -> None:
    show_source(check_secret, "len(raw) < minimum")
    assert capsys.readouterr().out.splitlines()[1] == "    if len(raw) < minimum:"


def test_no_handle_prints_the_whole_source_without_markers(capsys: pytest.CaptureFixture[str]) -> None:
    show_source(check_secret)
    out = capsys.readouterr().out
    assert out.startswith("jwt_course/tokens.py · check_secret\ndef check_secret(")
    assert "    if len(raw) < minimum:\n" in out and "# show:" not in out


def test_an_unknown_handle_raises_lookup_error() -> None:
    with pytest.raises(LookupError, match="no-such-marker"):
        show_source(KeyRing.verifying_key, "no-such-marker")


# Every handle lesson 06 uses (see /tmp/coord/arch-notebook-changes.md) names a marker that exists.
LESSON_06_HANDLES = [
    (vulnerable.verify_without_signature, "no-signature"),
    (TokenSigner, "signature-verified"),
    (vulnerable.verify_trusting_alg_header, "alg-none"),
    (TokenSigner, "pinned-algorithm"),
    (vulnerable.verify_with_alg_from_header, "public-key-as-secret"),
    (TokenSigner, "alg-header-check"),
    (check_secret, "secret-length"),
    (vulnerable.verify_trusting_kid_path, "kid-path"),
    (KeyRing.verifying_key, "kid-lookup"),
    (vulnerable.verify_trusting_jku, "jku"),
    (TokenSigner, "token-type"),
    (vulnerable.verify_ignoring_claims, "claims-ignored"),
    (TokenSigner, "claims-checked"),
    (TokenSigner.decode, "exp-checked"),
]


@pytest.mark.parametrize(("obj", "name"), LESSON_06_HANDLES, ids=[n for _, n in LESSON_06_HANDLES])
def test_each_lesson_marker_exists_in_its_object(obj: Any, name: str) -> None:
    assert f"# show: {name}" in inspect.getsource(obj)
