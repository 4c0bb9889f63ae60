"""Chapter 06: attacks and defences (an ``alg: none`` forgery, a dictionary attack, a safe verifier).

q1 runs the learner's forgery through the vulnerable lab's verifier (it must get in) and the
real server's :class:`~jwt_course.tokens.TokenSigner` (it must not). q2 gives the learner's
cracker tokens and wordlists of its own. q3 throws every attack of the chapter at the
learner's verifier, including a ``jku`` pointing at a key set served on loopback for the
occasion, and reports the first one that gets through.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.warnings import InsecureKeyLengthWarning

from .. import handmade
from ..serving import serve
from ..tokens import ACCESS_TOKEN_TYPE, HMAC_ALGORITHMS, TokenSigner
from ..vulnerable import VulnerableSettings, verify_trusting_alg_header
from . import NotSolved, corpus
from .cases import Case, Expect, Outcome, Returns, TableExercise, run_table
from .differential import Differential

__all__ = ["AUDIENCE", "ISSUER", "PUBLIC_KEY_PEM", "issue_token", "q1", "q2", "q3"]

#: Who issues the exercise tokens (``iss``) and which API they are for (``aud``).
ISSUER = "https://auth.course.test"
AUDIENCE = "https://api.course.test"

_LAB_SECRET = "chapter-06-exercise-lab-secret-0123456789abcdef"


@functools.cache
def _key(name: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


#: The exercises' RS256 public key (PEM): what q3's verifier checks signatures with.
PUBLIC_KEY_PEM: bytes = _pem(_key("issuer"))


def issue_token(sub: str = "alice", role: str = "user", *, ttl: int = 600, **changes: Any) -> str:
    """An RS256 access token as q3's issuer signs it (``typ: at+jwt``); ``changes`` edit claims.

    A change to ``None`` removes the claim; ``typ=...`` changes the header's ``typ``.
    """
    typ = changes.pop("typ", ACCESS_TOKEN_TYPE)
    now = int(time.time())
    claims = {"sub": sub, "role": role, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + ttl}
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    return handmade.encode(claims, _key("issuer"), "RS256", headers={"typ": typ})


_HASHES = {alg: getattr(hashlib, name) for alg, name in HMAC_ALGORITHMS.items()}


def _b64(obj: dict[str, Any]) -> str:
    return handmade.b64url_encode(json.dumps(obj, separators=(",", ":")).encode())


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header_b64, payload_b64, signature = token.split(".")
    header = json.loads(handmade.b64url_decode(header_b64))
    return header, json.loads(handmade.b64url_decode(payload_b64)), signature


def _hs(key: bytes, header: dict[str, Any], payload: dict[str, Any], alg: str = "HS256") -> str:
    digest = _HASHES[alg]
    signing_input = f"{_b64({**header, 'alg': alg})}.{_b64(payload)}"
    return f"{signing_input}.{handmade.b64url_encode(hmac.digest(key, signing_input.encode(), digest))}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 90 else text[:87] + "..."


# -- q1 ------------------------------------------------------------------------


def _lab_settings() -> VulnerableSettings:
    return VulnerableSettings(
        secret=_LAB_SECRET, rsa_key=_key("issuer"), issuer=ISSUER, audience=AUDIENCE, keys_dir="/nonexistent"
    )


def _lab_token(sub: str, **header: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": sub,
        "role": "user",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 900,
        "jti": secrets.token_urlsafe(8),
    }
    return handmade.encode(claims, _LAB_SECRET, "HS256", headers={"typ": ACCESS_TOKEN_TYPE, **header})


def _real_signer() -> TokenSigner:
    return TokenSigner.hmac(_LAB_SECRET, algorithm="HS256", issuer=ISSUER, audience=AUDIENCE, clock=time.time)


class _Forgery(Expect):
    """The forged token: same header but alg none, same claims but role admin, empty signature."""

    def __init__(self, original: str, settings: VulnerableSettings, signer: TokenSigner) -> None:
        self.header, self.claims, _ = _parts(original)
        self.settings = settings
        self.signer = signer
        self.problem = ""

    def _diagnose(self, forged: Any) -> str:
        if not isinstance(forged, str) or forged.count(".") != 2:
            return f"it returned {_show(forged)}: a token is three parts, 'header.payload.', the last one empty"
        head, body, signature = forged.split(".")
        if signature:
            return "the forged token has a signature part; with alg none it is empty (the token ends with '.')"
        if "=" in head + body:
            return "its parts carry '=' padding; a JWS compact token is base64url without padding"
        if "+" in head + body or "/" in head + body:
            return (
                "its parts hold '+' or '/', standard base64; a JWS compact token is base64url, which "
                "writes '-' and '_' instead"
            )
        try:
            header, claims, _ = _parts(forged)
        except (ValueError, jwt.PyJWTError) as exc:
            return f"the forged token does not parse: {type(exc).__name__}: {exc}"
        if header.get("alg") != "none":
            return f"its header says alg {header.get('alg')!r}; write exactly 'none' (RFC 7518 §3.6)"
        want_header = {**self.header, "alg": "none"}
        if header != want_header:
            return f"the header should be the original one with alg 'none', {want_header}; it is {header}"
        if claims.get("role") != "admin":
            return f"role is {claims.get('role')!r}; set it to 'admin'"
        changed = sorted(k for k in {*self.claims, *claims} if k != "role" and claims.get(k) != self.claims.get(k))
        if changed:
            return f"only the role may change, but the claims {changed} differ from the original token's"
        try:
            accepted = verify_trusting_alg_header(forged, self.settings)
        except Exception as exc:
            return f"the vulnerable lab refused it: {type(exc).__name__}: {exc}"
        if accepted.get("role") != "admin":
            return f"the vulnerable lab accepted it with role {accepted.get('role')!r}"
        try:
            self.signer.decode(forged, ACCESS_TOKEN_TYPE, ["sub", "role"])
        except jwt.PyJWTError:
            return ""
        return "the real server's TokenSigner accepted it: please report this as a bug!"

    def accepts(self, outcome: Outcome) -> bool:
        self.problem = "" if not outcome.raised else "it raised"
        if not outcome.raised:
            self.problem = self._diagnose(outcome.value)
        return not self.problem

    def describe(self) -> str:
        return f"return a forgery the vulnerable lab takes for an admin ({self.problem})"


class ForgeAlgNone(TableExercise):
    """Turn a user's token into an unsigned admin token (``alg: none``)."""

    label = "q1"
    name = "forge_alg_none"
    hints = (
        "Split the token on '.', decode the first two parts with b64url_decode and json.loads.",
        "New header: the old one with 'alg' set to 'none'. New payload: the old one with 'role' set "
        "to 'admin'. Encode both with json.dumps(..., separators=(',', ':')) and b64url_encode.",
        "The result is f'{header_b64}.{payload_b64}.' : the signature part is empty, but the second dot stays.",
    )
    REQUIREMENT = (
        "same header but alg 'none', same claims but role 'admin', an empty signature (the token ends with "
        "'.'), parts in base64url without padding"
    )

    def cases(self) -> Sequence[Case]:
        settings, signer = _lab_settings(), _real_signer()
        tokens = [
            ("alice's token", _lab_token("alice")),
            ("a token of another user", _lab_token(f"user-{secrets.token_hex(3)}")),
            ("a token whose header also has a kid", _lab_token("carol", kid="lab-key-1")),
            # Six '?' and six '>' in a row: whatever the alignment, standard base64 writes '/' and '+'
            # here, and base64url '_' and '-'.
            ("a token whose claims base64url-encode to '-' and '_'", _lab_token("??????>>>>>>")),
        ]
        return [
            Case(self.REQUIREMENT, _Forgery(token, settings, signer), args=(token,), shown=f"forge_alg_none(<{what}>)")
            for what, token in tokens
        ]


# -- q2 ------------------------------------------------------------------------


def _wordlist(size: int, seed: str) -> list[str]:
    words = [f"{seed}-{i}" for i in range(size)]
    return words + [f"{seed}-{i}x" for i in range(5)]  # near misses


@contextmanager
def _quiet_hmac_keys() -> Iterator[None]:
    """The checker picks the (short, weak) secrets: PyJWT's key-length warning is not the learner's fault."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        yield


class CrackSecret(TableExercise):
    """Find an HMAC token's secret in a wordlist (HS256, HS384 or HS512)."""

    label = "q2"
    name = "crack_secret"
    hints = (
        "The signing input is everything before the last dot; the signature is the base64url after it.",
        "Read the header's alg to choose the hash: HS256 -> hashlib.sha256, HS384 -> sha384, HS512 -> sha512.",
        "For each word: hmac.digest(word.encode(), signing_input.encode(), digest) == signature? "
        "Return the word exactly as it is in the list; after the loop, return None. Check only the signature: "
        "the token may be expired or meant for another audience, and it is still the secret.",
    )

    @contextmanager
    def subject(self, answer: Any) -> Iterator[Any]:
        with super().subject(answer) as subject, _quiet_hmac_keys():
            yield subject

    def differentials(self) -> Sequence[Differential]:
        return [
            Differential(
                "return the word exactly as it is in the list, or None when none is the secret",
                _crack_reference,
                _crack_inputs,
                max_examples=40,
                shown=lambda args: (
                    f"crack_secret(<an {jwt.get_unverified_header(args[0])['alg']} token>, {args[1]!r:.70})"
                ),
            )
        ]

    def verify(self, answer: Any) -> None:
        # None is a legitimate answer here ("not in the list"): only a stub's body means "not solved".
        if _is_stub(answer):
            raise NotSolved
        with self.subject(answer) as subject:
            run_table(self.name, subject, self.cases())
            for differential in self.differentials():
                differential.run(self.name, subject)

    def cases(self) -> Sequence[Case]:
        now = int(time.time())
        claims = {"sub": "alice", "role": "user", "iat": 1_767_225_600}
        seed = secrets.token_hex(3)
        words = _wordlist(300, seed)

        def found(requirement: str, token: str, wordlist: list[str], secret: str | None, what: str) -> Case:
            return Case(
                requirement,
                Returns(secret),
                args=(token, wordlist),
                shown=f"crack_secret(<{what}>, <a {len(wordlist)}-word list>)",
            )

        other = _wordlist(200, seed + "-other")
        table = [
            found(  # first: None is a real answer here, so a wrong None is "incorrect", not "not solved"
                "return None when no word of the list is the secret",
                handmade.encode(claims, "not-in-the-list", "HS256"),
                other,
                None,
                "a token whose secret is not in the list",
            )
        ]
        for alg, position in (("HS256", 137), ("HS384", 3), ("HS512", 250), ("HS256", 0)):
            table.append(
                found(
                    "return the word of the list that is the secret (HS256, HS384 or HS512: the header's alg picks the hash)",
                    handmade.encode(claims, words[position], alg),
                    words,
                    words[position],
                    f"an {alg} token whose secret is word #{position + 1}",
                )
            )
        lived = {"sub": "alice", "iss": ISSUER, "aud": AUDIENCE, "iat": now - 7200, "exp": now - 3600}
        table.append(
            found(
                "only the signature decides: an expired token for another audience still has a secret",
                handmade.encode(lived, words[42], "HS256"),
                words,
                words[42],
                "an expired HS256 token with an aud, secret word #43",
            )
        )
        odd = [*words[:50], "Tr0ub4dor &3", *words[50:60]]
        table.append(
            found(
                "return the word exactly as it is in the list (case and spaces included)",
                handmade.encode(claims, "Tr0ub4dor &3", "HS384"),
                odd,
                "Tr0ub4dor &3",
                "an HS384 token whose secret is 'Tr0ub4dor &3'",
            )
        )
        return table


_WORD_ALPHABET = "abcXYZ019 -_!é€"  # explicit: no unicode tables to build


def _crack_reference(token: str, wordlist: list[str]) -> str | None:
    signing_input, _, signature = token.rpartition(".")
    wanted = handmade.b64url_decode(signature)
    digest = _HASHES[json.loads(handmade.b64url_decode(token.split(".")[0]))["alg"]]
    return next(
        (w for w in wordlist if hmac.compare_digest(hmac.digest(w.encode(), signing_input.encode(), digest), wanted)),
        None,
    )


def _crack_inputs(st: Any) -> Any:
    words = st.lists(st.text(alphabet=_WORD_ALPHABET, min_size=1, max_size=10), min_size=1, max_size=12, unique=True)

    def build(drawn: tuple[list[str], int, str]) -> tuple[str, list[str]]:
        wordlist, index, alg = drawn
        secret = wordlist[index % len(wordlist)] if index >= 0 else "not-" + "-".join(wordlist)
        return handmade.encode({"sub": "alice", "iat": 1_767_225_600}, secret, alg), wordlist

    return st.tuples(words, st.integers(-3, 20), st.sampled_from(sorted(_HASHES))).map(build)


def _is_stub(fn: Any) -> bool:
    """True for a function whose body does nothing (``...``, ``pass``, ``return None``)."""
    code = getattr(fn, "__code__", None)
    return code is not None and not code.co_names and len(code.co_code) <= 12 and code.co_consts in ((None,), ())


# -- q3 ------------------------------------------------------------------------


@contextmanager
def _attacker_jwks() -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(_key("attacker").public_key()))
    app = FastAPI()

    @app.get("/jwks.json")
    def key_set() -> dict[str, Any]:
        return {"keys": [{**jwk, "kid": "attacker", "alg": "RS256", "use": "sig"}]}

    with serve(app) as server:
        yield f"{server.url}/jwks.json"


_REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")


class _Refused(Expect):
    """Raises a ``jwt.PyJWTError``; with ``past_the_algorithm`` not PyJWT's key guard (InvalidKeyError)."""

    def __init__(self, *, past_the_algorithm: bool = False) -> None:
        self.past_the_algorithm = past_the_algorithm
        self.problem = ""

    def accepts(self, outcome: Outcome) -> bool:
        self.problem = ""
        if not isinstance(outcome.error, jwt.PyJWTError):
            if outcome.error is not None:
                self.problem = "any other exception is a 500 in a server"
            return False
        error = outcome.error
        if self.past_the_algorithm and (
            isinstance(error, jwt.InvalidKeyError)
            or (isinstance(error, jwt.InvalidAlgorithmError) and "does not match the key's algorithm" in str(error))
        ):
            self.problem = (
                "your verifier let this alg through its algorithm list; only PyJWT's own key check stopped it "
                f"({type(error).__name__}: {error}). Allow RS256 only"
            )
            return False
        return True

    def describe(self) -> str:
        what = "raise jwt.InvalidTokenError (or let PyJWT's own errors through)"
        return what + (f"; {self.problem}" if self.problem else "")


class _LegitClaims(Expect):
    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims

    def accepts(self, outcome: Outcome) -> bool:
        return not outcome.raised and outcome.value == self.claims

    def describe(self) -> str:
        return f"return its claims (sub {self.claims['sub']!r}, role {self.claims['role']!r})"


def _without(claim: str) -> str:
    """A legitimate access token without ``claim``."""
    changes: dict[str, Any] = {claim: None}  # None removes the claim (sub included)
    return issue_token(**changes)


def _attacks(jku_url: str) -> list[tuple[str, str, str, bool]]:
    """(requirement, what, token, past_the_algorithm) for every token safe_verify must refuse."""
    good = issue_token()
    header, payload, signature = _parts(good)
    admin = {**payload, "role": "admin"}
    issuer_key, attacker = _key("issuer"), _key("attacker")
    attacker_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(attacker.public_key()))
    traversal = "../" * 12 + "dev/null"
    now = int(time.time())
    sig = "verify the signature with PUBLIC_KEY_PEM"
    pinned = "RS256 only: never the header's alg"
    keys = "the key is PUBLIC_KEY_PEM, never one the token names or brings (kid, jwk, jku)"
    attacks = [
        (sig, "a tampered payload (role -> admin, old signature)", f"{_b64(header)}.{_b64(admin)}.{signature}", False)
    ]
    for hostile in corpus.alg_none(admin, good):
        head = {**jwt.get_unverified_header(hostile.value), "typ": ACCESS_TOKEN_TYPE}
        token = f"{_b64(head)}.{hostile.value.split('.', 2)[1]}.{hostile.value.split('.', 2)[2]}"
        attacks.append((pinned, hostile.what, token, True))
    attacks.append(
        (pinned, "alg 'nOnE' with an empty signature", f"{_b64({**header, 'alg': 'nOnE'})}.{_b64(admin)}.", True)
    )
    for hostile in corpus.alg_confusion(admin, private_key=issuer_key, expected="RS256"):
        alg = hostile.value and str(jwt.get_unverified_header(hostile.value)["alg"])
        head = {**header, "alg": alg}
        if alg.startswith(("RS", "PS")):
            token = corpus.sign(head, admin, issuer_key)
        else:
            form = (
                serialization.PublicFormat.PKCS1
                if hostile.name.endswith("pkcs1")
                else serialization.PublicFormat.SubjectPublicKeyInfo
            )
            pem = issuer_key.public_key().public_bytes(serialization.Encoding.PEM, form)
            token = _hs(pem, header, admin)
        attacks.append((pinned, hostile.what, token, True))
    attacks += [
        (
            pinned,
            "RS256 -> HS256 confusion (PEM without its final newline)",
            _hs(PUBLIC_KEY_PEM.strip(), header, admin),
            True,
        ),
        (pinned, "an HS512 token HMAC-keyed with PUBLIC_KEY_PEM", _hs(PUBLIC_KEY_PEM, header, admin, "HS512"), True),
        (
            keys,
            "a kid path traversal to /dev/null (HS256, empty key)",
            _hs(b"", {**header, "kid": traversal}, admin),
            False,
        ),
        (
            sig,
            "a token signed by the attacker's own RSA key",
            handmade.encode(admin, attacker, "RS256", headers=header),
            False,
        ),
        (
            keys,
            "the attacker's key embedded in the header (jwk)",
            handmade.encode(admin, attacker, "RS256", headers={**header, "jwk": attacker_jwk}),
            False,
        ),
        (
            keys,
            "a jku header pointing at the attacker's JWKS",
            handmade.encode(admin, attacker, "RS256", headers={**header, "kid": "attacker", "jku": jku_url}),
            False,
        ),
        (
            "only access tokens: typ must be 'at+jwt'",
            "a refresh token (typ rt+jwt)",
            issue_token(typ="rt+jwt", ttl=604800),
            False,
        ),
        ("only access tokens: typ must be 'at+jwt'", "a token with typ 'JWT'", issue_token(typ="JWT"), False),
        ("only access tokens: typ must be 'at+jwt'", "a token without typ", issue_token(typ=None), False),
        ("refuse an expired token", "an expired token", issue_token(iat=now - 3600, exp=now - 60), False),
        (
            "check the audience: AUDIENCE",
            "a token for another audience",
            issue_token(aud="https://billing.course.test"),
            False,
        ),
        (
            "check the issuer: ISSUER",
            "a token from another issuer",
            issue_token(iss="https://staging-auth.course.test"),
            False,
        ),
    ]
    for hostile in corpus.without_each({"exp": 0, "iat": 0, "iss": 0, "aud": 0, "sub": 0}, _REQUIRED_CLAIMS):
        claim = hostile.name.removeprefix("no-")
        attacks.append(
            (f"require exp, iat, iss, aud and sub (here: {claim})", f"a token without {claim}", _without(claim), False)
        )
    return attacks


class SafeVerify(TableExercise):
    """Patch a vulnerable verifier so that every attack of the chapter fails."""

    label = "q3"
    name = "safe_verify"
    hints = (
        "Do not read anything from the header to decide how to verify: not alg, not kid, not jwk, not jku. "
        "The key is PUBLIC_KEY_PEM and the algorithm is RS256, full stop: algorithms=['RS256'], a list of one.",
        "jwt.decode(token, PUBLIC_KEY_PEM, algorithms=['RS256'], issuer=ISSUER, audience=AUDIENCE, "
        "options={'require': ['exp', 'iat', 'iss', 'aud', 'sub']}) does most of it.",
        "What jwt.decode does not check is the type: compare jwt.get_unverified_header(token).get('typ') "
        "with 'at+jwt' and raise jwt.InvalidTokenError otherwise (the signature covers the header, so "
        "once decode succeeds the typ you checked is authentic).",
    )
    _jku_url = ""

    @contextmanager
    def subject(self, answer: Any) -> Iterator[Any]:
        with super().subject(answer) as subject, _attacker_jwks() as url:
            self._jku_url = url
            yield subject

    def cases(self) -> Sequence[Case]:
        legit = issue_token("alice", "user")
        table = [
            Case(
                "return the claims of a legitimate access token",
                _LegitClaims(_parts(legit)[1]),
                args=(legit,),
                shown="safe_verify(<a legitimate access token of alice>)",
            ),
        ]
        for requirement, what, token, past in _attacks(self._jku_url):
            table.append(
                Case(requirement, _Refused(past_the_algorithm=past), args=(token,), shown=f"safe_verify(<{what}>)")
            )
        return table


q1 = ForgeAlgNone()
q2 = CrackSecret()
q3 = SafeVerify()
