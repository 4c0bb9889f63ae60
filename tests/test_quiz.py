"""Chapter 07's quiz: every right answer is accepted, every wrong one gets its own reason,
garbage never raises, and the code questions judge right, wrong and stub answers."""

from __future__ import annotations

import base64
import json
import warnings

import jwt
import pytest

from jwt_course.checks import Exercise
from jwt_course.quiz import (
    QUIZ_AUDIENCE,
    QUIZ_ISSUER,
    QUIZ_KEY,
    Choice,
    CodeQuestion,
    Quiz,
    SafeVerify,
    quiz,
    quiz_token,
)


def choice(label: str) -> Choice:
    """The quiz's multiple-choice question ``label`` (quiz.qN is typed Choice | CodeQuestion)."""
    question = getattr(quiz, label)
    assert isinstance(question, Choice), label
    return question


def q19() -> SafeVerify:
    question = quiz.q19
    assert isinstance(question, SafeVerify)
    return question


CHOICES = [q for q in quiz if isinstance(q, Choice)]
CODE = [q for q in quiz if isinstance(q, CodeQuestion)]
WRONG = [(q, letter) for q in CHOICES for letter in q.why_not]
GARBAGE = ["z", "", "   ", 3, 0, None, True, 2.5, ["a", 1], {"a": 1}, "ab1", "aa", "the answer is b", b"b"]


@pytest.fixture(autouse=True)
def fresh_quiz():
    quiz.reset()
    yield
    quiz.reset()


def test_quiz_has_12_to_20_questions_with_labels_in_order():
    assert 12 <= len(quiz) <= 20
    assert [q.label for q in quiz] == [f"q{i}" for i in range(1, len(quiz) + 1)]
    assert all(getattr(quiz, q.label) is q for q in quiz)


def test_quiz_covers_every_chapter_after_the_first():
    chapters = {part for q in quiz for part in q.chapter.replace(" and ", " ").split()}
    assert {"01", "02", "03", "04", "05", "06", "08"} <= chapters


def test_code_questions_reuse_the_checker_framework():
    assert CODE and all(isinstance(q, Exercise) for q in CODE)


@pytest.mark.parametrize("question", CHOICES, ids=lambda q: q.label)
def test_right_answer_is_accepted_in_every_spelling(question):
    spellings = [question.correct, question.correct.upper(), ", ".join(question.correct), list(question.correct)]
    for spelling in spellings:
        verdict = question.evaluate(spelling)
        assert verdict.status == "correct", (spelling, verdict.message)
        assert question.explanation in verdict.message


@pytest.mark.parametrize(("question", "letter"), WRONG, ids=lambda v: getattr(v, "label", v))
def test_each_wrong_option_gets_its_own_reason(question, letter):
    verdict = question.evaluate(letter)
    assert verdict.status == "incorrect"
    assert f"{letter}) is wrong: {question.why_not[letter]}" in verdict.message
    others = [why for other, why in question.why_not.items() if other != letter]
    assert not any(why in verdict.message for why in others)
    assert question.explanation not in verdict.message  # the answer is not given away


@pytest.mark.parametrize("question", CHOICES, ids=lambda q: q.label)
def test_garbage_is_not_an_answer_and_never_raises(question, capsys):
    for given in GARBAGE:
        verdict = question.evaluate(given)
        assert verdict.status == "not solved", given
        question.answer(given)
        assert "is not an answer" in capsys.readouterr().out
    assert quiz.tally()[0] == 0  # garbage is not counted


def test_a_letter_past_the_last_option_is_garbage():
    assert quiz.q1.evaluate("e").status == "not solved"
    assert "x one of a, b, c, d." in quiz.q1.evaluate("e").message


def test_two_letters_on_a_one_answer_question_ask_for_one():
    verdict = quiz.q2.evaluate("ac")
    assert verdict.status == "not solved"
    assert "pick one option only" in verdict.message


def test_select_all_question_reports_wrong_picks_and_missing_ones():
    select_all = [q for q in CHOICES if q.select_all]
    assert select_all
    q3 = choice("q3")
    partial = q3.evaluate(q3.correct[:-1])
    assert partial.status == "incorrect" and "1 right option missing" in partial.message
    wrong = sorted(q3.why_not)[0]
    mixed = q3.evaluate(q3.correct + wrong)
    assert mixed.status == "incorrect" and q3.why_not[wrong] in mixed.message
    assert "missing" not in mixed.message


def test_answer_prints_and_records_the_latest_verdict(capsys):
    quiz.q1.answer("a")
    assert "a) is wrong" in capsys.readouterr().out
    assert quiz.tally() == (1, 0, len(quiz))
    quiz.q1.answer(choice("q1").correct)
    assert capsys.readouterr().out.startswith("q1: correct!")
    assert quiz.tally() == (1, 1, len(quiz))


def test_answer_without_an_argument_says_how(capsys):
    quiz.q1.answer()
    assert "quiz.q1.answer('x') with x one of a, b, c, d" in capsys.readouterr().out


def test_show_and_explain_print_every_option(capsys):
    for question in CHOICES:
        question.show()
        shown = capsys.readouterr().out
        assert question.question in shown and all(option in shown for option in question.options)
        question.explain()
        explained = capsys.readouterr().out
        assert question.explanation in explained
        assert all(why in explained for why in question.why_not.values())


def test_score_lists_wrong_and_unanswered_questions(capsys):
    quiz.q1.answer("a")
    quiz.q2.answer(choice("q2").correct)
    capsys.readouterr()
    quiz.score()
    out = capsys.readouterr().out
    assert out.startswith(f"answered 2 of {len(quiz)}, correct 1")
    assert "not right yet: q1" in out
    assert f"not answered : q3-q{len(quiz)}" in out


def test_score_says_when_everything_is_right(capsys):
    for question in CHOICES:
        question.answer(question.correct)
    for code in CODE:
        namespace: dict = {}
        exec(code.solution_code, namespace)
        code.answer(namespace[code.name])
    capsys.readouterr()
    quiz.score()
    assert "all correct" in capsys.readouterr().out


def test_unknown_question_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no question 'q99'"):
        _ = quiz.q99


def test_choice_refuses_an_inconsistent_definition():
    with pytest.raises(ValueError, match="why_not"):
        Choice("qx", "01", "?", ("yes", "no", "maybe"), "a", "because", {"b": "no"})
    with pytest.raises(ValueError, match="correct"):
        Choice("qx", "01", "?", ("yes", "no"), "c", "because", {"a": "x", "b": "y"})
    with pytest.raises(ValueError, match="unique"):
        Quiz([quiz.q1, quiz.q1])


# --- code questions -----------------------------------------------------------


def _model(question):
    namespace: dict = {}
    exec(question.solution_code, namespace)
    return namespace[question.name]


@pytest.mark.parametrize("question", CODE, ids=lambda q: q.label)
def test_model_solution_is_correct(question):
    assert question.evaluate(_model(question)).status == "correct"


@pytest.mark.parametrize("question", CODE, ids=lambda q: q.label)
def test_stub_is_not_solved(question):
    def stub(*args): ...  # your code here

    verdict = question.evaluate(stub)
    assert verdict.status == "not solved"
    assert f"{question.label}.hint()" in verdict.message


@pytest.mark.parametrize("question", CODE, ids=lambda q: q.label)
def test_code_garbage_is_incorrect_not_a_crash(question):
    for given in (3, "read_claims", [1, 2]):
        assert question.evaluate(given).status == "incorrect"


def test_code_answer_finds_the_function_by_name(capsys):
    def read_claims(token):
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    globals()["read_claims"] = read_claims
    try:
        quiz.q17.answer()
    finally:
        del globals()["read_claims"]
    assert capsys.readouterr().out == "q17: correct!\n"
    assert quiz.tally()[:2] == (1, 1)


def test_q17_plain_base64_fails_on_padding():
    def read_claims(token):
        return json.loads(base64.b64decode(token.split(".")[1]))

    verdict = quiz.q17.evaluate(read_claims)
    assert verdict.status == "incorrect"
    assert "Incorrect padding" in verdict.message


def test_q17_base64_with_padding_but_not_url_safe_is_caught():
    def read_claims(token):
        payload = token.split(".")[1]
        return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))

    verdict = quiz.q17.evaluate(read_claims)
    assert verdict.status == "incorrect"
    assert "???>>>~~~" in verdict.message


def test_q18_accepting_any_scheme_is_refused():
    def token_from_header(authorization):
        return authorization.split(" ")[-1]

    verdict = quiz.q18.evaluate(token_from_header)
    assert verdict.status == "incorrect"
    assert "token_from_header(None) raised AttributeError" in verdict.message


def test_q18_returning_none_for_bad_input_is_refused():
    def token_from_header(authorization):
        scheme, _, token = (authorization or "").partition(" ")
        return token if scheme.lower() == "bearer" and token and " " not in token else None

    verdict = quiz.q18.evaluate(token_from_header)
    assert verdict.status == "incorrect"
    assert "returned None; expected it to raise ValueError" in verdict.message


def test_q18_case_sensitive_scheme_is_refused():
    def token_from_header(authorization):
        scheme, _, token = (authorization or "").partition(" ")
        if scheme != "Bearer" or not token or " " in token:
            raise ValueError("no")
        return token

    verdict = quiz.q18.evaluate(token_from_header)
    assert verdict.status == "incorrect"
    assert "'bearer abc.def.ghi'" in verdict.message


def test_quiz_token_is_valid_for_the_model_verify():
    claims = jwt.decode(
        quiz_token(role="admin"), QUIZ_KEY, algorithms=["HS256"], issuer=QUIZ_ISSUER, audience=QUIZ_AUDIENCE
    )
    assert claims["role"] == "admin" and "exp" in claims


@pytest.mark.parametrize(
    ("what", "options", "expected"),
    [
        (
            "no audience check",
            {"audience": None, "options": {"verify_aud": False, "require": ["exp", "iat", "sub"]}},
            "another audience",
        ),
        ("no issuer check", {"issuer": None}, "another issuer"),
        ("no require", {"options": {}}, "a token without exp"),
        ("two algorithms", {"algorithms": ["HS256", "HS512"]}, "an HS512 token signed with the right secret"),
        ("no signature check", {"options": {"verify_signature": False}}, 'an unsigned token with "alg": "none"'),
    ],
)
def test_q19_each_missing_check_is_named(what, options, expected):
    arguments = {
        "algorithms": ["HS256"],
        "issuer": QUIZ_ISSUER,
        "audience": QUIZ_AUDIENCE,
        "options": {"require": ["exp", "iat", "sub"]},
        **options,
    }

    def verify(token):
        kwargs = {k: v for k, v in arguments.items() if v is not None}
        return jwt.decode(token, QUIZ_KEY, **kwargs)

    verdict = quiz.q19.evaluate(verify)
    assert verdict.status == "incorrect", what
    assert expected in verdict.message


def test_q19_a_verify_that_raises_the_wrong_error_is_refused():
    def verify(token):
        header = jwt.get_unverified_header(token)
        if header["alg"] != "HS256":
            raise ValueError("bad alg")
        return jwt.decode(
            token,
            QUIZ_KEY,
            algorithms=["HS256"],
            issuer=QUIZ_ISSUER,
            audience=QUIZ_AUDIENCE,
            options={"require": ["exp", "iat", "sub"]},
        )

    verdict = quiz.q19.evaluate(verify)
    assert verdict.status == "incorrect"
    assert "any other exception is a 500" in verdict.message


def test_q19_every_attack_token_is_refused_by_the_model():
    verify = _model(quiz.q19)
    for _, _what, token, _ in q19().attacks():
        with pytest.raises(jwt.InvalidTokenError):
            verify(token)


@pytest.mark.parametrize("question", CODE, ids=lambda q: q.label)
def test_code_show_hint_explain_print(question, capsys):
    question.show()
    question.hint()
    question.explain()
    out = capsys.readouterr().out
    assert question.task in out and question.hints[0] in out and question.solution_code.strip() in out


def test_q19_the_alg_confusion_tokens_are_signed_with_the_right_key():
    confused = [token for _, what, token, _ in q19().attacks() if "signed with the right secret" in what]
    assert len(confused) == 2  # HS384 and HS512
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)  # 48 bytes < 64 for HS512
        for token in confused:
            alg = jwt.get_unverified_header(token)["alg"]
            claims = jwt.decode(token, QUIZ_KEY, algorithms=[alg], audience=QUIZ_AUDIENCE, issuer=QUIZ_ISSUER)
            assert claims["sub"] == "alice"


def test_q19_refuses_a_verifier_allowing_every_hmac_algorithm():
    def verify(token):
        return jwt.decode(
            token,
            QUIZ_KEY,
            algorithms=["HS256", "HS384", "HS512"],
            issuer=QUIZ_ISSUER,
            audience=QUIZ_AUDIENCE,
            options={"require": ["exp", "iat", "sub"]},
        )

    verdict = quiz.q19.evaluate(verify)
    assert verdict.status == "incorrect" and "HS384 token signed with the right secret" in verdict.message


def test_q8_does_not_claim_that_access_tokens_die_everywhere():
    q8 = choice("q8")
    answer = q8.options[ord(q8.correct) - ord("a")]
    assert "refresh token" in answer and "every token" not in answer
    assert "JWKS-only" in q8.explanation


def test_q12_is_about_a_hand_written_verifier():
    assert "hand-written RS256 verifier" in choice("q12").question


def test_q15_has_no_half_true_option_about_grant_types():
    assert not any("grant type" in option for option in choice("q15").options)


def test_q16_harmful_example_is_not_a_refresh():
    assert "refresh" not in choice("q16").question
