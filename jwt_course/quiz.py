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
from typing import Any

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from .checks import Exercise, Verdict, corpus
from .checks.cases import Case, Expect, Outcome, Raises, Returns, TableExercise
from .checks.differential import Differential

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


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unsigned(header: dict[str, Any], payload: dict[str, Any], signature: str = "") -> str:
    parts = [_b64url(json.dumps(p, separators=(",", ":"), ensure_ascii=False).encode()) for p in (header, payload)]
    return ".".join([*parts, signature])


class _TableQuestion(CodeQuestion, TableExercise):
    """A code question checked by a table of cases (and differentials), like the chapters' exercises."""


_TEXT = "abcxyzABC019 ?>~_-\"\\/éüßłŻ€😀"


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
    solution_code = '''
import base64, json

def read_claims(token: str) -> dict:
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))
'''

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
        odd_header = _b64url(b"not json") + "." + middle + ".c2ln"
        table.append(Case(only_middle, Returns(payload), args=(odd_header,),
                          shown="read_claims(<a token whose header part is not JSON, payload {'sub': 'alice'}>)"))
        # One character is no base64 at all (a length of 1 mod 4): decoding the signature would raise.
        odd_signature = _b64url(b'{"alg":"HS256"}') + "." + middle + ".x"
        table.append(Case(only_middle, Returns(payload), args=(odd_signature,),
                          shown="read_claims(<a token whose signature part is 'x', payload {'sub': 'alice'}>)"))
        return table

    def differentials(self) -> Sequence[Differential]:
        def inputs(st: Any) -> Any:
            text = st.text(alphabet=_TEXT, max_size=12)  # an explicit alphabet: no unicode tables to build
            payloads = st.dictionaries(text, st.one_of(text, st.integers(-10**6, 10**6), st.booleans()), max_size=4)
            return payloads.map(lambda p: (_unsigned({"alg": "HS256", "typ": "JWT"}, p, "c2ln"),))

        return [Differential(self.REQUIREMENT, _read_claims_reference, inputs, max_examples=40,
                             shown=lambda args: f"read_claims(<a token whose payload is {_read_claims_reference(args[0])!r:.60}>)")]


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
    solution_code = '''
def token_from_header(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token or any(ch.isspace() for ch in token):
        raise ValueError("expected 'Bearer <token>'")
    return token
'''

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
    solution_code = '''
import jwt
from jwt_course.quiz import QUIZ_AUDIENCE, QUIZ_ISSUER, QUIZ_KEY

def verify(token: str) -> dict:
    return jwt.decode(
        token, QUIZ_KEY, algorithms=["HS256"], issuer=QUIZ_ISSUER, audience=QUIZ_AUDIENCE,
        options={"require": ["exp", "iat", "sub"]},
    )
'''

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
        found = [
            (pinned, hostile.what, hostile.value, True) for hostile in corpus.alg_none(admin, tampered)
        ]
        found += [
            (pinned, hostile.what, hostile.value, True)
            for hostile in corpus.alg_confusion(good, secret=QUIZ_KEY, expected="HS256")
        ]
        found += [
            ("verify the signature with QUIZ_KEY", "a token whose payload was edited after signing",
             f"{head}.{_b64url(json.dumps(admin).encode())}.{signature}", False),
            ("verify the signature with QUIZ_KEY", "a token signed with another key",
             quiz_token(key="another-key-that-is-at-least-32-bytes-long!"), False),
            ("check the audience: QUIZ_AUDIENCE", "a token for another audience", quiz_token(aud="https://billing.quiz.test"), False),
            ("check the issuer: QUIZ_ISSUER", "a token from another issuer", quiz_token(iss="https://evil.test"), False),
            ("refuse an expired token", "a token whose exp is in the past", quiz_token(iat=now - 3600, exp=now - 60), False),
        ]
        for hostile in corpus.without_each(good, _Q19_REQUIRED):
            claim = hostile.name.removeprefix("no-")
            found.append((f"require exp, iat and sub (here: {claim})", f"a token without {claim}",
                          quiz_token(drop=(claim,)), False))
        return found

    def cases(self) -> Sequence[Case]:
        table = [Case("return the claims of a valid token", _Claims("bob"), args=(quiz_token(sub="bob", role="admin"),),
                      shown="verify(<a valid token for bob>)")]
        for requirement, what, token, past in self.attacks():
            table.append(Case(requirement, _Refused(past_the_algorithm=past), args=(token,),
                              shown=f"verify(<{what}>)"))
        return table


# --- the multiple-choice questions -----------------------------------------------------

_CHOICES = (
    Choice(
        "q1",
        "01",
        "Alice's access token says \"role\": \"user\". Who can read that claim?",
        (
            "Only the server, because the token is encrypted with its secret",
            "Anyone who holds the token: the payload is only base64url-encoded",
            "Only someone who knows the signing algorithm",
            "Nobody: the payload is hashed into the signature",
        ),
        "b",
        "A signed JWT (JWS) is encoded, not encrypted: split on '.', base64url-decode the middle. "
        "The signature stops changes, not reading. Secret payloads need JWE.",
        {
            "a": "signing is not encryption; a JWS payload is plain JSON in base64url (an encrypted JWT is a JWE, 5 parts).",
            "c": "the algorithm is written in the header, in plain text; it is not needed to read the payload.",
            "d": "the signature covers the payload but does not replace it: the payload travels in the clear.",
        },
    ),
    Choice(
        "q2",
        "01",
        "Which part of a JWT stops a client from changing its role from user to admin?",
        (
            "The header, because it names the algorithm",
            "The payload, because base64url cannot be edited by hand",
            "The signature, computed over header and payload with the server's key",
            "The dots, because the server counts the characters between them",
        ),
        "c",
        "Edit one byte of header or payload and the signature no longer matches; without the key the "
        "client cannot make a new one.",
        {
            "a": "the header only says how the token was signed; a client can edit it as easily as the payload.",
            "b": "base64url is an encoding anyone can reverse and redo in one line.",
            "d": "the dots only separate the three parts; nothing about their lengths is checked.",
        },
    ),
    Choice(
        "q3",
        "01",
        "Which of these belong in an access token's payload? (select all that apply)",
        (
            "sub: the user's id",
            "role: what the user may do",
            "the user's password hash, to re-check it later",
            "exp: when the token stops being valid",
            "the user's card number, to save a database call",
        ),
        "abd",
        "Identifiers, permissions and the registered time claims. Everything in the payload is readable "
        "by whoever holds the token (and by every log that records it).",
        {
            "c": "a password hash is a secret: anyone with the token could read it and attack it offline.",
            "e": "the payload is readable by the client, proxies and logs: personal or payment data must not be in it.",
        },
    ),
    Choice(
        "q4",
        "02",
        "Two API instances sit behind a load balancer with NO shared storage. The next request goes "
        "to the other instance. Which login still works?",
        (
            "A server session (session id in a cookie)",
            "Both",
            "Neither",
            "A JWT in the Authorization header, both instances holding the verifying key",
        ),
        "d",
        "A JWT carries its own claims and is checked with a key, so any instance with that key can "
        "verify it; a session id means nothing to an instance that does not hold the session.",
        {
            "a": "the session lives in the memory of the instance that created it; the other instance has never seen it.",
            "b": "the session id is looked up in the first instance's store, which the second cannot reach.",
            "c": "the JWT needs no shared state: the second instance verifies the signature with its own copy of the key.",
        },
    ),
    Choice(
        "q5",
        "03",
        "How does a client send a Bearer token to an API, as RFC 6750 recommends?",
        (
            "In the header: Authorization: Bearer <token>",
            "In the query string: GET /me?access_token=<token>",
            "In the JSON body of every GET request",
            "In a header named Bearer: <token>",
        ),
        "a",
        "The Authorization header with the scheme Bearer. Whoever presents the token is let in, so it "
        "travels over HTTPS only.",
        {
            "b": "RFC 6750 allows it only as a last resort: URLs end up in server logs, proxies and browser history.",
            "c": "GET requests have no body by convention, and the body is not where HTTP carries credentials.",
            "d": "there is no such header; 'Bearer' is the authentication scheme inside the Authorization header.",
        },
    ),
    Choice(
        "q6",
        "03",
        "Alice (role user) sends a valid, unexpired access token to the course server's GET /admin, a route "
        "for role admin. By RFC 6750, what should she get?",
        (
            "401 Unauthorized with WWW-Authenticate: Bearer error=\"invalid_token\"",
            "403 Forbidden: the server knows who she is and refuses",
            "404 Not Found, to hide that the route exists",
            "200 with an empty body",
        ),
        "b",
        "401 means 'who are you?' (no or bad credentials); 403 means 'I know who you are, and no' "
        "(RFC 6750's insufficient_scope).",
        {
            "a": "her token is valid: 401 would tell the client to authenticate again, which will not help.",
            "c": "some APIs hide routes this way (RFC 9110 allows it), but RFC 6750 §3.1 answers a known user "
            "without the rights with 403 (insufficient_scope), and so does the course server.",
            "d": "200 means access was granted; she is not an admin.",
        },
    ),
    Choice(
        "q7",
        "04",
        "An attacker copies a user's access token (15-minute expiry) from a log file. The API only "
        "checks the signature and exp. What can the attacker do?",
        (
            "Nothing: the token is bound to the user's IP address",
            "Use it only until the user logs out",
            "Use it until it expires, at most 15 minutes",
            "Change the role claim to admin",
        ),
        "c",
        "A bearer token works for whoever holds it until exp. Short expiry limits the damage; "
        "a denylist (by jti) or a token version can end it sooner.",
        {
            "a": "a plain JWT is not bound to an IP or a device; nothing in the check compares them.",
            "b": "logout can only stop it if the API checks a denylist, and this one checks signature and exp only.",
            "d": "any change breaks the signature, and the attacker does not have the key.",
        },
    ),
    Choice(
        "q8",
        "04",
        "With refresh-token rotation and reuse detection, a refresh token that was already used once "
        "is presented again to the auth server. What does the auth server do?",
        (
            "Returns the same new pair as the first time (the call is idempotent)",
            "Accepts it, because it has not expired yet",
            "Refuses only that token; the pair issued by the first use keeps working",
            "Refuses it and revokes the whole family: no refresh token of that login works any more",
        ),
        "d",
        "Two uses of one refresh token mean two holders, one of them a thief (or a retry after a lost "
        "answer), and the server cannot tell which: it ends the whole login, and the real user logs in "
        "again. Access tokens already issued are another matter: a resource service that checks only "
        "the signature and exp (chapter 05's JWKS-only service) accepts them until they expire; the "
        "course server refuses them at once because it checks the family on every request.",
        {
            "a": "handing the pair out again would give a thief the live session.",
            "b": "after rotation an unexpired but used refresh token is exactly what a thief replays.",
            "c": "if the thief made the first refresh, the live pair is theirs: revoking only the replayed token leaves them in.",
        },
    ),
    Choice(
        "q9",
        "04",
        "How should a server reject a logged-out access token before its exp?",
        (
            "Keep its jti in a denylist until the token's own exp, and check that on every request",
            "Ask the client to delete the token",
            "Change the signing secret",
            "Keep the SHA-256 of the raw token text in a denylist",
        ),
        "a",
        "The jti (with iss) names the token; the row can be deleted at exp, when the token dies anyway, "
        "so the list stays small.",
        {
            "b": "an attacker holding a copy does not delete anything.",
            "c": "that logs out every user at once (sometimes right for a leaked key, never for one logout).",
            "d": "the same token has several spellings (PyJWT accepts a trailing '=' on the signature): a hash of the text is bypassed.",
        },
    ),
    Choice(
        "q10",
        "05",
        "Five microservices must verify tokens, but only the auth service may issue them. Which set-up?",
        (
            "HS256, the same secret copied into every service",
            "HS256 with a different secret in each service",
            "RS256 (or ES256/EdDSA): the auth service keeps the private key, services verify with its public key (JWKS)",
            "alg none inside the private network",
        ),
        "c",
        "With a key pair, verifying needs only the public key, which cannot sign; with HMAC every "
        "holder of the secret can also mint tokens.",
        {
            "a": "every service holding the secret could mint tokens for any user: one leak compromises all.",
            "b": "a token signed with one secret does not verify with another; nothing would work.",
            "d": "unsigned tokens can be forged by anyone who reaches the network.",
        },
    ),
    Choice(
        "q11",
        "05",
        "What is the kid in a JWT header for?",
        (
            "It names which of the issuer's published public keys verifies this token",
            "It is the user's id",
            "It is a file path where the server finds the key",
            "It is the signing key itself, so the verifier needs no configuration",
        ),
        "a",
        "The issuer publishes its keys as a JWKS, each with a kid; the verifier picks the key by kid "
        "from that trusted set, which is what makes key rotation painless.",
        {
            "b": "the user's id is the sub claim in the payload.",
            "c": "treating kid as a path is a classic vulnerability (path traversal to a known file): look it up in a fixed set.",
            "d": "a key sent inside the token (the jwk header) must never be trusted: the attacker would sign with their own.",
        },
    ),
    Choice(
        "q12",
        "06",
        "A hand-written RS256 verifier takes the algorithm from the token's alg header and verifies with "
        "it: 'none' means no signature check, 'HS256' an HMAC keyed with the key it holds (the RSA public "
        "key's PEM bytes), 'RS256' an RSA check with that public key. What can an attacker do? "
        "(select all that apply)",
        (
            "Send alg none with no signature and have it accepted",
            "Nothing, as long as the key is long and random",
            "Send alg HS256 signed with the server's PUBLIC key as the HMAC secret (key confusion)",
            "Only make the token a few bytes longer",
        ),
        "ac",
        "The algorithm must come from the server's configuration (an allow-list of one), never from "
        "the token it is about to check. (PyJWT itself refuses both tricks, 'none' with a key and a PEM "
        "as an HMAC secret; a hand-written verifier like this one does neither.)",
        {
            "b": "key strength does not help when the attacker chooses 'none', or turns your public key into a shared secret.",
            "d": "the danger is accepting forged tokens, not their size.",
        },
    ),
    Choice(
        "q13",
        "06",
        "The billing API and the profile API trust the same issuer. Which check stops a token issued "
        "for billing from being accepted by profile?",
        ("exp", "iss", "the signature", "aud"),
        "d",
        "aud says which API a token is for; each API accepts only its own name, so a token leaked by "
        "(or minted for) one cannot be replayed at another.",
        {
            "a": "the billing token may be perfectly unexpired.",
            "b": "both tokens come from the same issuer, so iss matches for both.",
            "c": "the same issuer signed it with the same key: the signature is valid.",
        },
    ),
    Choice(
        "q14",
        "06",
        "A page has an XSS bug: an attacker's script runs in it. Where can that script NOT read the token?",
        (
            "localStorage",
            "sessionStorage",
            "an HttpOnly cookie",
            "a JavaScript variable",
        ),
        "c",
        "HttpOnly cookies are invisible to scripts (though the browser still sends them, so add "
        "SameSite and a CSRF defence). Every other place is readable by script on the page.",
        {
            "a": "localStorage is readable by any script of the origin, the injected one included.",
            "b": "sessionStorage is the same as localStorage for a script on the page; it only lives shorter.",
            "d": "the injected script runs in the same page and can read, or simply use, what the app's code can.",
        },
    ),
    Choice(
        "q15",
        "06",
        "JWT vs OAuth 2.0: which is true?",
        (
            "JWT is a token format; OAuth 2.0 is a framework for obtaining and using access tokens, which may be JWTs",
            "OAuth 2.0 replaced JWT",
            "OAuth 2.0 requires its access tokens to be JWTs",
            "They are two names for the same thing",
        ),
        "a",
        "OAuth 2.0 says how a client gets an access token and presents it; it does not fix the token's "
        "format. JWTs are a common format (RFC 9068) and the ID token of OpenID Connect.",
        {
            "b": "they solve different problems and are used together.",
            "c": "RFC 6749 leaves the access token's format to the server: opaque strings are common, and "
            "RFC 9068's JWT profile is optional.",
            "d": "one is a format, the other a protocol; OAuth tokens may just as well be opaque strings.",
        },
    ),
    Choice(
        "q16",
        "08",
        "A background task re-verifies every stored session (thousands of signature checks, awaiting the "
        "database between them). It catches CancelledError around each step and carries on. At shutdown "
        "the server cancels it. What happens in Python?",
        (
            "Nothing bad: Python stops the task anyway",
            "The event loop crashes",
            "The next await raises CancelledError again, and again, until the task gives up, as a Kotlin "
            "job's next delay() would",
            "The work goes on for nobody: CPU and database time are spent, and the shutdown, which waits "
            "for the cancelled task, waits until it finishes on its own",
        ),
        "d",
        "Cancellation is cooperative (Kotlin and asyncio alike): cancel() delivers one CancelledError; a "
        "task that swallows it is simply running again. Let it propagate, clean up in finally, and shield "
        "only what must finish (a refresh or a commit already under way).",
        {
            "a": "cancel() only requests: a task that swallows CancelledError keeps running.",
            "b": "the loop is fine; it is the task that keeps going.",
            "c": "that is Kotlin: a cancelled job stays cancelled, so its next suspension throws again. "
            "asyncio delivers the CancelledError once; after it is swallowed, later awaits run normally.",
        },
    ),
)

quiz = Quiz([*_CHOICES, ReadClaims(), TokenFromHeader(), SafeVerify()])
