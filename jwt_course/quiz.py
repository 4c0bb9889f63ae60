"""Chapter 07's self-check quiz: multiple-choice questions and short code questions.

In a notebook::

    from jwt_course.quiz import quiz
    quiz.q1.show()          # the question and its options
    quiz.q1.answer("b")     # "correct", or why option b is wrong; never raises
    quiz.q1.explain()       # the right answer, and why each other option is wrong
    quiz.score()            # how many answered, how many correct

A multiple-choice question (:class:`Choice`) takes letters: ``"b"``, or for a
"select all that apply" question several (``"abd"``, ``"a, b, d"`` or
``["a", "b", "d"]``). Anything else (``"z"``, ``3``, ``None``) is not counted and gets
a line saying what a valid answer looks like.

A code question (:class:`CodeQuestion`) is a :class:`jwt_course.checks.Exercise`: the
learner defines a function and calls ``quiz.q17.answer()`` (or passes the function);
it is checked on real tokens and reports one concrete counter-example, with
``hint()`` and ``solution()`` as in every chapter's exercises.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from .checks import Exercise, Verdict, corpus
from .checks.cases import Case, Expect, Outcome, Raises, Returns, TableExercise
from .checks.differential import Differential
from .handmade import b64url_encode

__all__ = [
    "QUIZ_AUDIENCE",
    "QUIZ_ISSUER",
    "QUIZ_KEY",
    "Choice",
    "CodeQuestion",
    "Quiz",
    "quiz",
    "quiz_token",
]

_MISSING: Any = object()
_LETTERS = "abcdefgh"


class _Recorder:
    """Where a question reports its verdicts (a :class:`Quiz` sets itself)."""

    def record(self, label: str, verdict: Verdict) -> None:  # pragma: no cover - replaced
        """Remember the latest verdict for ``label``."""


class Choice:
    """A multiple-choice question.

    ``correct`` holds the letters of the right options (``"b"``; several letters make a
    "select all that apply" question). ``why_not`` maps every other letter to the reason
    it is wrong, which is what a learner who picks it is told. ``explanation`` says why
    the right answer is right; ``chapter`` is where the course goes deeper.
    """

    def __init__(
        self,
        label: str,
        chapter: str,
        question: str,
        options: Sequence[str],
        correct: str,
        explanation: str,
        why_not: Mapping[str, str],
    ) -> None:
        letters = _LETTERS[: len(options)]
        if not 2 <= len(options) <= len(_LETTERS):
            raise ValueError(f"{label}: between 2 and {len(_LETTERS)} options")
        if not correct or any(c not in letters for c in correct) or len(set(correct)) != len(correct):
            raise ValueError(f"{label}: correct must be distinct letters among {letters!r}")
        wrong = [c for c in letters if c not in correct]
        if sorted(why_not) != wrong:
            raise ValueError(f"{label}: why_not needs exactly the wrong letters {wrong}")
        self.label = label
        self.chapter = chapter
        self.question = question
        self.options = tuple(options)
        self.correct = "".join(sorted(correct))
        self.explanation = explanation
        self.why_not = dict(why_not)
        self._recorder: _Recorder = _Recorder()

    @property
    def letters(self) -> str:
        """The valid letters, e.g. ``"abcd"``."""
        return _LETTERS[: len(self.options)]

    @property
    def select_all(self) -> bool:
        """True when more than one option is right."""
        return len(self.correct) > 1

    def _parse(self, given: Any) -> str | None:
        """The chosen letters, sorted, or ``None`` if ``given`` is not a valid answer."""
        if isinstance(given, str):
            chosen = re.sub(r"[\s,;/+&().]", "", given.lower())
        elif isinstance(given, list | tuple | set | frozenset) and all(isinstance(g, str) for g in given):
            chosen = "".join(g.strip().lower() for g in given)
        else:
            return None
        if not chosen or any(c not in self.letters for c in chosen) or len(set(chosen)) != len(chosen):
            return None
        return "".join(sorted(chosen))

    def _how_to_answer(self) -> str:
        letters = ", ".join(self.letters)
        if self.select_all:
            return f"Select all that apply: quiz.{self.label}.answer('...') with every right letter among {letters}"
        return f"Use quiz.{self.label}.answer('x') with x one of {letters}"

    def evaluate(self, given: Any) -> Verdict:
        """The verdict for ``given`` without printing or recording it. Never raises."""
        chosen = self._parse(given)
        if chosen is None:
            shown = repr(given) if len(repr(given)) <= 20 else repr(given)[:17] + "..."
            return Verdict("not solved", f"{self.label}: {shown} is not an answer. {self._how_to_answer()}.")
        if not self.select_all and len(chosen) > 1:
            return Verdict("not solved", f"{self.label}: pick one option only. {self._how_to_answer()}.")
        if chosen == self.correct:
            return Verdict("correct", f"{self.label}: correct! {self.explanation}")
        lines = [f"{self.label}: not quite."]
        for letter in chosen:
            if letter in self.why_not:
                lines.append(f"  {letter}) is wrong: {self.why_not[letter]}")
        missed = len(set(self.correct) - set(chosen))
        if self.select_all and missed:
            lines.append(f"  {missed} right option{'s' if missed > 1 else ''} missing.")
        lines.append(f"  Try again, or quiz.{self.label}.explain().")
        return Verdict("incorrect", "\n".join(lines))

    def answer(self, given: Any = _MISSING) -> None:
        """Print whether ``given`` is right (and why not); count it in the score."""
        if given is _MISSING:
            print(f"{self.label}: give your answer. {self._how_to_answer()}.")
            return
        verdict = self.evaluate(given)
        if verdict.status != "not solved":
            self._recorder.record(self.label, verdict)
        print(verdict.message)

    def show(self) -> None:
        """Print the question and its lettered options."""
        print(f"{self.label} (chapter {self.chapter}). {self.question}")
        for letter, option in zip(self.letters, self.options, strict=True):
            print(f"  {letter}) {option}")
        print(f"  -> {self._how_to_answer()}")

    def explain(self) -> None:
        """Print the right answer and why each other option is wrong."""
        print(f"{self.label}: the answer is {', '.join(self.correct)}. {self.explanation}")
        for letter in self.letters:
            if letter in self.why_not:
                print(f"  {letter}) {self.options[_LETTERS.index(letter)]}")
                print(f"     no: {self.why_not[letter]}")
        print(f"  More in chapter {self.chapter}.")

    def __repr__(self) -> str:
        return f"<quiz question {self.label}: .show() .answer('{self.letters[0]}') .explain()>"


class CodeQuestion(Exercise):
    """A short code question: an :class:`Exercise` with a task text and the quiz's API."""

    chapter: str = ""
    task: str = ""
    explanation: str = ""

    def __init__(self) -> None:
        self._recorder: _Recorder = _Recorder()

    def show(self) -> None:
        """Print the task."""
        print(f"{self.label} (chapter {self.chapter}, code). {self.task}")
        print(f"  -> define `{self.name}`, then quiz.{self.label}.answer()")

    def answer(self, fn: Any = _MISSING) -> None:
        """Check ``fn`` (default: the notebook's function of the right name); never raises."""
        if fn is _MISSING:
            frame = inspect.currentframe()
            namespace = frame.f_back.f_globals if frame is not None and frame.f_back else {}
            verdict = self.evaluate(namespace=namespace)
        else:
            verdict = self.evaluate(fn)
        if verdict.status != "not solved":
            self._recorder.record(self.label, verdict)
        print(verdict.message)

    def explain(self) -> None:
        """Print why it matters and a model solution."""
        print(f"{self.label}: {self.explanation} More in chapter {self.chapter}.")
        self.solution()

    def __repr__(self) -> str:
        return f"<quiz question {self.label}: define {self.name}; .show() .answer() .hint() .explain()>"


class Quiz(_Recorder):
    """The questions, reachable as attributes (``quiz.q1``), and the learner's score."""

    def __init__(self, questions: Sequence[Choice | CodeQuestion]) -> None:
        self.questions = tuple(questions)
        self._by_label = {q.label: q for q in self.questions}
        if len(self._by_label) != len(self.questions):
            raise ValueError("question labels must be unique")
        self._results: dict[str, Verdict] = {}
        for question in self.questions:
            question._recorder = self

    def __getattr__(self, name: str) -> Choice | CodeQuestion:
        by_label: dict[str, Choice | CodeQuestion] = self.__dict__.get("_by_label", {})
        try:
            return by_label[name]
        except KeyError:
            raise AttributeError(f"the quiz has no question {name!r}") from None

    def __iter__(self) -> Iterator[Choice | CodeQuestion]:
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    def record(self, label: str, verdict: Verdict) -> None:
        """Remember the latest verdict for question ``label``."""
        self._results[label] = verdict

    def reset(self) -> None:
        """Forget every answer."""
        self._results.clear()

    def tally(self) -> tuple[int, int, int]:
        """``(answered, correct, total)``."""
        correct = sum(v.correct for v in self._results.values())
        return len(self._results), correct, len(self.questions)

    def score(self) -> None:
        """Print how many questions are answered and right, and which remain."""
        answered, correct, total = self.tally()
        print(f"answered {answered} of {total}, correct {correct}")
        wrong = [q.label for q in self.questions if q.label in self._results and not self._results[q.label].correct]
        todo = [q.label for q in self.questions if q.label not in self._results]
        if wrong:
            print("  not right yet:", _ranges(wrong))
        if todo:
            print("  not answered :", _ranges(todo))
        if correct == total:
            print("  all correct: you are ready for the interview.")

    def __repr__(self) -> str:
        answered, correct, total = self.tally()
        return f"<quiz: {total} questions, {answered} answered, {correct} correct; .score()>"


def _ranges(labels: list[str]) -> str:
    numbers = [int(label[1:]) for label in labels]
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"q{r[0]}" if len(r) == 1 else f"q{r[0]}-q{r[-1]}" for r in runs)


# --- the code questions ----------------------------------------------------------------

#: The code questions' HS256 secret (48 bytes), issuer and audience.
QUIZ_KEY = "chapter-07-quiz-secret-0123456789abcdef-32bytes+"
QUIZ_ISSUER = "https://auth.quiz.test"
QUIZ_AUDIENCE = "https://api.quiz.test"


def quiz_token(*, drop: Sequence[str] = (), key: str = QUIZ_KEY, algorithm: str = "HS256", **claims: Any) -> str:
    """A valid token for the code questions (now + 15 min), with ``claims`` changed and ``drop`` removed."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": "alice",
        "role": "user",
        "iss": QUIZ_ISSUER,
        "aud": QUIZ_AUDIENCE,
        "iat": now,
        "exp": now + 900,
        **claims,
    }
    for name in drop:
        payload.pop(name, None)
    return jwt.encode(payload, key, algorithm=algorithm)


def _unsigned(header: dict[str, Any], payload: dict[str, Any], signature: str = "") -> str:
    parts = [
        b64url_encode(json.dumps(p, separators=(",", ":"), ensure_ascii=False).encode()) for p in (header, payload)
    ]
    return ".".join([*parts, signature])


class _TableQuestion(CodeQuestion, TableExercise):
    """A code question checked by a table of cases (and differentials), like the chapters' exercises."""


_TEXT = 'abcxyzABC019 ?>~_-"\\/éüßłŻ€😀'


def _read_claims_reference(token: str) -> Any:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class ReadClaims(_TableQuestion):
    """Read a token's payload without a key."""

    label = "q17"
    chapter = "01"
    name = "read_claims"
    task = (
        "Write read_claims(token) -> dict that returns a JWT's payload WITHOUT verifying it "
        "(base64url-decode the middle part, then parse the JSON as UTF-8; nothing else of the token is "
        "read). Only the standard library."
    )
    explanation = (
        "Anyone holding a token can do this, which is why a payload must never carry secrets: "
        "it is encoded, not encrypted."
    )
    hints = (
        "token.split('.')[1] is the payload; base64url uses '-' and '_' and drops the '=' padding.",
        "Add '=' * (-len(part) % 4) back, then base64.urlsafe_b64decode, then json.loads.",
    )
    solution_code = """
import base64, json

def read_claims(token: str) -> dict:
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))
"""

    #: payloads of every padding length, one whose base64url has '-' and '_', and non-ASCII text
    CASES: tuple[dict[str, Any], ...] = (
        {"sub": "alice"},
        {"sub": "alice", "role": "user"},
        {"sub": "bob", "role": "admin", "n": 1},
        {"sub": "???>>>~~~", "note": "base64url's - and _"},
        {"sub": "Zoë", "city": "Kraków"},
    )
    REQUIREMENT = "return the payload: base64url-decode the middle part (padding restored), then parse the JSON"

    def cases(self) -> Sequence[Case]:
        table = []
        for payload in self.CASES:
            token = _unsigned({"alg": "HS256", "typ": "JWT"}, payload, "c2lnbmF0dXJl")
            shown = f"read_claims(<a token whose payload is {json.dumps(payload, ensure_ascii=False)}>)"
            table.append(Case(self.REQUIREMENT, Returns(payload), args=(token,), shown=shown))
        payload = {"sub": "alice"}
        only_middle = "decode only the middle part, with the standard library: nothing else of the token is read"
        middle = _unsigned({}, payload).split(".")[1]
        odd_header = b64url_encode(b"not json") + "." + middle + ".c2ln"
        table.append(
            Case(
                only_middle,
                Returns(payload),
                args=(odd_header,),
                shown="read_claims(<a token whose header part is not JSON, payload {'sub': 'alice'}>)",
            )
        )
        # One character is no base64 at all (a length of 1 mod 4): decoding the signature would raise.
        odd_signature = b64url_encode(b'{"alg":"HS256"}') + "." + middle + ".x"
        table.append(
            Case(
                only_middle,
                Returns(payload),
                args=(odd_signature,),
                shown="read_claims(<a token whose signature part is 'x', payload {'sub': 'alice'}>)",
            )
        )
        return table

    def differentials(self) -> Sequence[Differential]:
        def inputs(st: Any) -> Any:
            text = st.text(alphabet=_TEXT, max_size=12)  # an explicit alphabet: no unicode tables to build
            payloads = st.dictionaries(text, st.one_of(text, st.integers(-(10**6), 10**6), st.booleans()), max_size=4)
            return payloads.map(lambda p: (_unsigned({"alg": "HS256", "typ": "JWT"}, p, "c2ln"),))

        return [
            Differential(
                self.REQUIREMENT,
                _read_claims_reference,
                inputs,
                max_examples=40,
                shown=lambda args: f"read_claims(<a token whose payload is {_read_claims_reference(args[0])!r:.60}>)",
            )
        ]


class TokenFromHeader(_TableQuestion):
    """Extract the token from an ``Authorization: Bearer`` header value."""

    label = "q18"
    chapter = "03"
    name = "token_from_header"
    task = (
        "Write token_from_header(authorization) -> str that returns the token from an "
        "'Authorization' header value 'Bearer <token>': the scheme (case-insensitive), one space, then "
        "a token with no whitespace at all. It raises ValueError for anything else: None, '', 'Bearer', "
        "'Basic ...', 'Bearer a b', 'Bearer a\\tb', a leading or trailing space. (RFC 6750 allows several "
        "spaces after 'Bearer'; a parser that accepts exactly one is stricter, and strict is safe.)"
    )
    explanation = (
        "RFC 6750 §2.1: the token travels as 'Authorization: Bearer <token>'; whatever else arrives "
        "must become a 401, never a 500 or a token that is half of something."
    )
    hints = (
        "Split once on the first space: the scheme, then the rest.",
        "scheme.lower() == 'bearer', the rest non-empty and without whitespace (str.isspace() on each "
        "character catches tabs and newlines too); otherwise raise ValueError.",
    )
    solution_code = """
def token_from_header(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token or any(ch.isspace() for ch in token):
        raise ValueError("expected 'Bearer <token>'")
    return token
"""

    GOOD: tuple[tuple[str, str], ...] = (
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc.def.ghi", "abc.def.ghi"),
        ("BEARER eyJ0eXAi.eyJzdWIi.c2ln", "eyJ0eXAi.eyJzdWIi.c2ln"),
    )
    BAD: tuple[str | None, ...] = (
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic YWxpY2U6d29uZGVybGFuZA==",
        "Token abc.def.ghi",
        "Bearer abc def",
        "Bearer  abc.def.ghi",
        "Bearer abc.def.ghi ",
        " Bearer abc.def.ghi",
        "Bearer abc\tdef",
        "Bearer abc.def.ghi\n",
        "Bearer\tabc.def.ghi",
        "abc.def.ghi",
        "Bearerabc.def.ghi",
    )

    def cases(self) -> Sequence[Case]:
        good = "return the token of 'Bearer <token>', the scheme matched case-insensitively"
        bad = "raise ValueError for anything that is not exactly 'Bearer <one token>'"
        refuse = Raises((ValueError,), "raise ValueError")
        return [
            *(Case(good, Returns(token), args=(header,)) for header, token in self.GOOD),
            *(Case(bad, refuse, args=(header,)) for header in self.BAD),
        ]


#: q19 requires these claims (the task says so).
_Q19_REQUIRED = ("exp", "iat", "sub")


class _Refused(Expect):
    """Raises a ``jwt.PyJWTError``; for an algorithm attack, not PyJWT's key guard (InvalidKeyError)."""

    def __init__(self, *, past_the_algorithm: bool = False) -> None:
        self.past_the_algorithm = past_the_algorithm
        self.problem = ""

    def accepts(self, outcome: Outcome) -> bool:
        self.problem = ""
        if not isinstance(outcome.error, jwt.PyJWTError):
            if outcome.error is not None:
                self.problem = "any other exception is a 500 in a server that catches jwt.PyJWTError"
            return False
        error = outcome.error
        if self.past_the_algorithm and (
            isinstance(error, jwt.InvalidKeyError)
            or (isinstance(error, jwt.InvalidAlgorithmError) and "does not match the key's algorithm" in str(error))
        ):
            self.problem = (
                "this alg got through your algorithm list; only PyJWT's key check stopped it (InvalidKeyError). "
                "Allow HS256 only"
            )
            return False
        return True

    def describe(self) -> str:
        return "raise jwt.InvalidTokenError (or let PyJWT's own error through)" + (
            f"; {self.problem}" if self.problem else ""
        )


class _Claims(Expect):
    def __init__(self, sub: str) -> None:
        self.sub = sub

    def accepts(self, outcome: Outcome) -> bool:
        return not outcome.raised and isinstance(outcome.value, Mapping) and outcome.value.get("sub") == self.sub

    def describe(self) -> str:
        return f"return its claims (sub {self.sub!r})"


class SafeVerify(_TableQuestion):
    """Verify a token with every check a server needs."""

    label = "q19"
    chapter = "03 and 06"
    name = "verify"
    task = (
        "Write verify(token) -> dict that returns the claims of a valid token and raises "
        "jwt.InvalidTokenError (any subclass; PyJWT's own errors may pass through) otherwise. Tokens are "
        "HS256 only, signed with QUIZ_KEY by QUIZ_ISSUER for QUIZ_AUDIENCE (from jwt_course.quiz), and "
        "must have exp, iat and sub. Make a test token with quiz_token()."
    )
    explanation = (
        "Pin the algorithm, check issuer and audience, require exp: leave one out and a forged, "
        "foreign or eternal token gets in."
    )
    hints = (
        "One call: jwt.decode(token, QUIZ_KEY, algorithms=[...], issuer=..., audience=..., options=...).",
        "algorithms=['HS256'] (a list of one), issuer=QUIZ_ISSUER, audience=QUIZ_AUDIENCE, "
        "options={'require': ['exp', 'iat', 'sub']}.",
    )
    solution_code = """
import jwt
from jwt_course.quiz import QUIZ_AUDIENCE, QUIZ_ISSUER, QUIZ_KEY

def verify(token: str) -> dict:
    return jwt.decode(
        token, QUIZ_KEY, algorithms=["HS256"], issuer=QUIZ_ISSUER, audience=QUIZ_AUDIENCE,
        options={"require": ["exp", "iat", "sub"]},
    )
"""

    @contextmanager
    def subject(self, answer: Any) -> Iterator[Any]:
        with super().subject(answer) as fn, warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # the checker's own short keys
            yield fn

    @staticmethod
    def attacks() -> list[tuple[str, str, str, bool]]:
        """(requirement, what is wrong with it, token, past_the_algorithm) for every token ``verify`` must refuse."""
        now = int(time.time())
        good = jwt.decode(quiz_token(), options={"verify_signature": False})
        admin = {**good, "role": "admin"}
        tampered = quiz_token()
        head, _, signature = tampered.split(".")
        pinned = "accept HS256 only: never the header's alg"
        found = [(pinned, hostile.what, hostile.value, True) for hostile in corpus.alg_none(admin, tampered)]
        found += [
            (pinned, hostile.what, hostile.value, True)
            for hostile in corpus.alg_confusion(good, secret=QUIZ_KEY, expected="HS256")
        ]
        found += [
            (
                "verify the signature with QUIZ_KEY",
                "a token whose payload was edited after signing",
                f"{head}.{b64url_encode(json.dumps(admin).encode())}.{signature}",
                False,
            ),
            (
                "verify the signature with QUIZ_KEY",
                "a token signed with another key",
                quiz_token(key="another-key-that-is-at-least-32-bytes-long!"),
                False,
            ),
            (
                "check the audience: QUIZ_AUDIENCE",
                "a token for another audience",
                quiz_token(aud="https://billing.quiz.test"),
                False,
            ),
            (
                "check the issuer: QUIZ_ISSUER",
                "a token from another issuer",
                quiz_token(iss="https://evil.test"),
                False,
            ),
            (
                "refuse an expired token",
                "a token whose exp is in the past",
                quiz_token(iat=now - 3600, exp=now - 60),
                False,
            ),
        ]
        for hostile in corpus.without_each(good, _Q19_REQUIRED):
            claim = hostile.name.removeprefix("no-")
            found.append(
                (
                    f"require exp, iat and sub (here: {claim})",
                    f"a token without {claim}",
                    quiz_token(drop=(claim,)),
                    False,
                )
            )
        return found

    def cases(self) -> Sequence[Case]:
        table = [
            Case(
                "return the claims of a valid token",
                _Claims("bob"),
                args=(quiz_token(sub="bob", role="admin"),),
                shown="verify(<a valid token for bob>)",
            )
        ]
        for requirement, what, token, past in self.attacks():
            table.append(Case(requirement, _Refused(past_the_algorithm=past), args=(token,), shown=f"verify(<{what}>)"))
        return table


# --- the multiple-choice questions -----------------------------------------------------
# The questions are content, not code: jwt_course/data/quiz_choices.json holds them (label,
# chapter, question, options, correct letters, explanation, why each wrong letter is wrong).

_CHOICES_FILE = "quiz_choices.json"


def _load_choices() -> tuple[Choice, ...]:
    text = resources.files("jwt_course").joinpath("data", _CHOICES_FILE).read_text(encoding="utf-8")
    return tuple(
        Choice(
            item["label"],
            item["chapter"],
            item["question"],
            item["options"],
            item["correct"],
            item["explanation"],
            item["why_not"],
        )
        for item in json.loads(text)
    )


_CHOICES = _load_choices()

quiz = Quiz([*_CHOICES, ReadClaims(), TokenFromHeader(), SafeVerify()])
