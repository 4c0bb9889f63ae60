"""A deliberately vulnerable API for chapter 06's lab. NEVER deploy any of this.

``create_app()`` returns a FastAPI app with one *lab* per classic JWT mistake. Every lab
has the same three routes, and differs only in how it signs and, above all, how it
verifies tokens::

    POST /{lab}/login   JSON {"username", "password"} -> {"access_token", "refresh_token", ...}
    GET  /{lab}/me      any token the lab accepts -> {"username", "role", "lab"}
    GET  /{lab}/admin   role "admin" only (403 otherwise)

plus ``GET /labs`` (each lab and its mistake), ``GET /public-key.pem`` and
``GET /.well-known/jwks.json`` (the public half of the RS256 labs' key: public keys are
public, that is not a mistake). The users are the course's demo users
(``alice``/``wonderland``, role ``user``; ``bob``/``builder``, role ``admin``).

Each lab's verifier is a small function below whose docstring starts with the mistake
it makes. :data:`LABS` maps lab names to them. Run the app only with
:func:`jwt_course.serve` (127.0.0.1): it also answers 403 to any client that is not on
loopback, and the ``jku`` lab only fetches from loopback URLs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel

from . import handmade
from .server import DEMO_USERS

__all__ = [
    "LABS",
    "LAB_KEY_ID",
    "LOOPBACK_HOSTS",
    "VulnerableSettings",
    "create_app",
    "mistake",
    "verify_ignoring_claims",
    "verify_ignoring_typ",
    "verify_trusting_alg_header",
    "verify_trusting_jku",
    "verify_trusting_jwk",
    "verify_trusting_kid_path",
    "verify_weak_secret",
    "verify_with_alg_from_header",
    "verify_without_signature",
]

#: The ``kid`` of the labs' own keys (a file name in ``keys_dir`` for the kid-path lab).
LAB_KEY_ID = "lab-key-1"
#: Hosts the jku lab agrees to fetch from: a lab must never reach the internet.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

_ACCESS_TYPE = "at+jwt"
_REFRESH_TYPE = "rt+jwt"


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True, kw_only=True)
class VulnerableSettings:
    """The labs' keys and claims. Defaults: fixed lab secrets, a fresh RSA key.

    ``secret`` signs the HS256 labs (strong: 48 bytes); ``weak_secret`` the weak-secret
    lab (the seed's ``"YourSecretKey"``); ``rsa_key`` the RS256 labs; ``keys_dir`` holds
    the kid-path lab's key file (default: a temporary directory removed when the server
    stops). ``clock`` returns epoch seconds, as in :class:`jwt_course.server.Settings`.
    """

    secret: str = "vulnerable-lab-secret-0123456789abcdef-0123456789"
    weak_secret: str = "YourSecretKey"
    rsa_key: rsa.RSAPrivateKey = field(default_factory=_new_rsa_key, repr=False)
    keys_dir: str | None = None
    issuer: str = "https://vulnerable.lab.test"
    audience: str = "vulnerable-lab-api"
    access_ttl_seconds: int = 900
    refresh_ttl_seconds: int = 604800
    clock: Callable[[], float] = field(default=time.time, repr=False)

    @property
    def public_pem(self) -> bytes:
        """The RS256 labs' public key as PEM (what ``/public-key.pem`` serves)."""
        return self.rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


# -- a naive JWS toolkit, as vulnerable code tends to hand-roll ---------------------------


def _split(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(handmade.b64url_decode(header_b64))
    payload = json.loads(handmade.b64url_decode(payload_b64))
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    return header, payload, signing_input, handmade.b64url_decode(signature_b64)


def _hmac_ok(key: bytes, signing_input: bytes, signature: bytes) -> bool:
    return hmac.compare_digest(hmac.digest(key, signing_input, hashlib.sha256), signature)


def _rsa_ok(public_key: Any, signing_input: bytes, signature: bytes) -> bool:
    try:
        public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _check_claims(payload: dict[str, Any], s: VulnerableSettings) -> dict[str, Any]:
    # The claim checks the labs do get right (unless the lab is about them).
    if not isinstance(payload.get("exp"), int | float) or payload["exp"] <= s.clock():
        raise jwt.ExpiredSignatureError("Signature has expired")
    if payload.get("iss") != s.issuer:
        raise jwt.InvalidIssuerError("Invalid issuer")
    if payload.get("aud") != s.audience:
        raise jwt.InvalidAudienceError("Audience doesn't match")
    return payload


# -- the mistakes, one verifier each ----------------------------------------------------

# The labs check exp/iss/aud in _check_claims (against the lab clock), not in decode.
_NO_CLAIMS: Any = {"verify_exp": False, "verify_aud": False, "verify_iss": False}


def verify_without_signature(token: str, s: VulnerableSettings) -> dict[str, Any]:
    """Mistake: reads the claims without verifying the signature at all.

    ``jwt.decode(..., options={"verify_signature": False})`` is for debugging (it is
    what jwt.io does); a server that uses it believes any payload anyone writes.
    """
    return jwt.decode(token, options={"verify_signature": False})


def verify_trusting_alg_header(token: str, s: VulnerableSettings) -> dict[str, Any]:
    """Mistake: lets the token's ``alg`` header choose the check, and ``none`` means none.

    RFC 7519 §6 defines unsecured JWTs (``alg: none``, empty signature); a verifier that
    looks up the algorithm named in the header (case-insensitively, too) accepts them.
    """
    header, payload, signing_input, signature = _split(token)
    alg = str(header.get("alg", "")).lower()
    if alg == "none":
        valid = True  # "an unsecured JWT: nothing to verify"
    elif alg == "hs256":
        valid = _hmac_ok(s.secret.encode(), signing_input, signature)
    else:
        raise jwt.InvalidAlgorithmError(f"unsupported alg {header.get('alg')!r}")
    if not valid:
        raise jwt.InvalidSignatureError("Signature verification failed")
    return _check_claims(payload, s)


def verify_with_alg_from_header(token: str, s: VulnerableSettings) -> dict[str, Any]:
    """Mistake: one verification key, used with whatever algorithm the header names.

    The key is the server's RSA *public* key as PEM bytes. For ``RS256`` it is used as an
    RSA key; for ``HS256`` the very same bytes become the HMAC secret, and since the
    public key is public, anyone can sign such a token (RS256 -> HS256 confusion).
    """
    header, payload, signing_input, signature = _split(token)
    key = s.public_pem  # "the key we verify with"
    if header.get("alg") == "RS256":
        valid = _rsa_ok(serialization.load_pem_public_key(key), signing_input, signature)
    elif header.get("alg") == "HS256":
        valid = _hmac_ok(key, signing_input, signature)
    else:
        raise jwt.InvalidAlgorithmError(f"unsupported alg {header.get('alg')!r}")
    if not valid:
        raise jwt.InvalidSignatureError("Signature verification failed")
    return _check_claims(payload, s)


def verify_weak_secret(token: str, s: VulnerableSettings) -> dict[str, Any]:
    """Mistake: a correct verifier, with a secret out of every wordlist.

    The seed's ``"YourSecretKey"`` is 13 bytes, under the 32 that RFC 7518 §3.2 asks
    for HS256, and a dictionary attack finds it offline from a single token.
    """
    # handmade refuses secrets shorter than the hash (RFC 7518 §3.2); this lab is the mistake itself.
    weak = {**_NO_CLAIMS, "enforce_minimum_key_length": False}
    claims = handmade.decode(token, s.weak_secret, algorithms=["HS256"], options=weak)
    return _check_claims(claims, s)


def verify_trusting_kid_path(token: str, s: VulnerableSettings) -> dict[str, Any]:
    """Mistake: the header's ``kid`` is a file name, joined to the keys directory.

    ``kid`` is attacker-controlled text. ``../`` walks out of the directory, and a file
    everyone can predict, such as ``/dev/null`` (empty), becomes the HMAC key.
    """
    header, payload, signing_input, signature = _split(token)
    if header.get("alg") != "HS256":
        raise jwt.InvalidAlgorithmError("The specified alg value is not allowed")
    path = os.path.join(_keys_dir(s), str(header.get("kid", "")))
    with open(path, "rb") as file:
        key = file.read()
    if not _hmac_ok(key, signing_input, signature):
        raise jwt.InvalidSignatureError("Signature verification failed")
    return _check_claims(payload, s)


def verify_trusting_jwk(token: str, s: VulnerableSettings) -> dict[str, Any]:
    """Mistake: verifies with the public key embedded in the token's own ``jwk`` header.

    Whoever made the token chose that key; it proves only that the token was signed by
    its own author. The server's key is used only when the header has no ``jwk``.
    """
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWK(header["jwk"]).key if "jwk" in header else s.rsa_key.public_key()
    return _check_claims(jwt.decode(token, key, algorithms=["RS256"], options=_NO_CLAIMS), s)


def verify_trusting_jku(token: str, s: VulnerableSettings) -> dict[str, Any]:
    """Mistake: downloads a JWKS from the URL in the token's ``jku`` header and trusts it.

    The attacker hosts a key set of their own and points ``jku`` at it. (For safety this
    lab fetches only from loopback; a real server with this flaw fetches from anywhere.)
    """
    header = jwt.get_unverified_header(token)
    if "jku" in header:
        url = str(header["jku"])
        if urlsplit(url).hostname not in LOOPBACK_HOSTS:
            raise jwt.InvalidTokenError("this lab only fetches jku URLs on loopback")
        key_set = jwt.PyJWKSet.from_dict(httpx.get(url, timeout=2).json())
        key = key_set[header["kid"]].key if "kid" in header else key_set.keys[0].key
    else:
        key = s.rsa_key.public_key()
    return _check_claims(jwt.decode(token, key, algorithms=["RS256"], options=_NO_CLAIMS), s)


def verify_ignoring_typ(token: str, s: VulnerableSettings) -> dict[str, Any]:
    """Mistake: checks signature, algorithm, iss, aud and exp, but not the token's type.

    Refresh tokens are signed by the same key; without a ``typ`` check a refresh token
    (valid for 7 days) passes wherever an access token (15 minutes) is expected.
    """
    claims = jwt.decode(token, s.secret, algorithms=["HS256"], options=_NO_CLAIMS)
    return _check_claims(claims, s)  # exp, iss and aud: all checked


def verify_ignoring_claims(token: str, s: VulnerableSettings) -> dict[str, Any]:
    """Mistake: verifies the signature (algorithm pinned) and nothing else.

    ``exp`` is not checked, and neither are ``aud`` nor ``iss``: an expired token, a token
    issued for another API, or by another issuer sharing the key, all pass.
    """
    return jwt.decode(
        token, s.secret, algorithms=["HS256"], options={"verify_exp": False, "verify_aud": False}
    )


def _keys_dir(s: VulnerableSettings) -> str:
    assert s.keys_dir is not None  # create_app() fills it in
    return s.keys_dir


# -- the labs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lab:
    verify: Callable[[str, VulnerableSettings], dict[str, Any]]
    algorithm: str  # how its login signs: "HS256" (lab secret), "weak", "kid", "RS256"


_LABS: dict[str, _Lab] = {
    "no-verify": _Lab(verify_without_signature, "HS256"),
    "alg-none": _Lab(verify_trusting_alg_header, "HS256"),
    "alg-confusion": _Lab(verify_with_alg_from_header, "RS256"),
    "weak-secret": _Lab(verify_weak_secret, "weak"),
    "kid-path": _Lab(verify_trusting_kid_path, "kid"),
    "jwk-header": _Lab(verify_trusting_jwk, "RS256"),
    "jku-header": _Lab(verify_trusting_jku, "RS256"),
    "any-type": _Lab(verify_ignoring_typ, "HS256"),
    "no-claims": _Lab(verify_ignoring_claims, "HS256"),
}
#: Lab name -> its verifier (each verifier's docstring names its mistake).
LABS: dict[str, Callable[[str, VulnerableSettings], dict[str, Any]]] = {
    name: lab.verify for name, lab in _LABS.items()
}


def mistake(name: str) -> str:
    """The first line of lab ``name``'s verifier docstring: the mistake it makes."""
    doc = LABS[name].__doc__ or ""
    return doc.strip().splitlines()[0].removeprefix("Mistake: ").replace("``", "`")


def _sign(lab: _Lab, claims: dict[str, Any], typ: str, s: VulnerableSettings) -> str:
    if lab.algorithm == "RS256":
        return handmade.encode(claims, s.rsa_key, "RS256", headers={"typ": typ, "kid": LAB_KEY_ID})
    if lab.algorithm == "kid":
        with open(os.path.join(_keys_dir(s), LAB_KEY_ID), "rb") as file:
            key = file.read()
        return handmade.encode(claims, key, "HS256", headers={"typ": typ, "kid": LAB_KEY_ID})
    secret = s.weak_secret if lab.algorithm == "weak" else s.secret
    return handmade.encode(claims, secret, "HS256", headers={"typ": typ})


class _Login(BaseModel):
    username: str
    password: str


def _unauthorized(detail: str, token_sent: bool = True) -> HTTPException:
    challenge = 'Bearer error="invalid_token"' if token_sent else "Bearer"
    return HTTPException(401, detail=detail, headers={"WWW-Authenticate": challenge})


def create_app(settings: VulnerableSettings | None = None) -> FastAPI:
    """The vulnerable API (see the module docstring). For chapter 06 only.

    ``app.state.settings`` is the :class:`VulnerableSettings` in use (its ``keys_dir``
    filled in); a temporary ``keys_dir`` is deleted when the server shuts down.
    """
    s = settings or VulnerableSettings()
    cleanup: tempfile.TemporaryDirectory[str] | None = None
    if s.keys_dir is None:
        cleanup = tempfile.TemporaryDirectory(prefix="vulnerable-keys-")
        s = VulnerableSettings(**{**s.__dict__, "keys_dir": cleanup.name})
    key_file = os.path.join(_keys_dir(s), LAB_KEY_ID)
    if not os.path.exists(key_file):
        with open(key_file, "wb") as file:
            file.write(secrets.token_bytes(32))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if cleanup is not None:
            cleanup.cleanup()

    app = FastAPI(title="Vulnerable JWT lab (chapter 06). Never deploy.", lifespan=lifespan)
    app.state.settings = s
    users = {name: (password, role) for name, password, role in DEMO_USERS}

    @app.middleware("http")
    async def loopback_only(request: Request, call_next: Any) -> Any:
        if request.client is None or request.client.host not in LOOPBACK_HOSTS:
            return JSONResponse({"detail": "loopback clients only"}, status_code=403)
        return await call_next(request)

    def lab_for(name: str) -> _Lab:
        if name not in _LABS:
            raise HTTPException(404, detail=f"no lab {name!r}; see GET /labs")
        return _LABS[name]

    def claims_for(name: str, authorization: str | None) -> dict[str, Any]:
        lab = lab_for(name)
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("not authenticated", token_sent=False)
        try:
            return lab.verify(token.strip(), s)
        except Exception as exc:  # a lab refuses with a 401, never a 500
            raise _unauthorized(f"invalid token: {exc}") from None

    @app.get("/labs")
    def labs() -> dict[str, str]:
        """Every lab and the mistake it makes."""
        return {name: mistake(name) for name in _LABS}

    @app.get("/public-key.pem", response_class=PlainTextResponse)
    def public_key() -> str:
        """The RS256 labs' public key (PEM)."""
        return s.public_pem.decode()

    @app.get("/.well-known/jwks.json")
    def jwks() -> dict[str, Any]:
        """The RS256 labs' public key as a JWK Set."""
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(s.rsa_key.public_key()))
        return {"keys": [{**jwk, "kid": LAB_KEY_ID, "alg": "RS256", "use": "sig"}]}

    @app.post("/{lab}/login")
    def login(lab: str, body: _Login) -> dict[str, Any]:
        """A token pair for a demo user, signed the way this lab signs."""
        chosen = lab_for(lab)
        known = users.get(body.username)
        # Plain-text passwords keep the lab short; they are not the lesson here.
        if known is None or not hmac.compare_digest(known[0], body.password):
            raise HTTPException(401, detail="incorrect username or password")
        now = int(s.clock())
        base = {"sub": body.username, "role": known[1], "iss": s.issuer, "aud": s.audience, "iat": now}
        access = {**base, "exp": now + s.access_ttl_seconds, "jti": secrets.token_urlsafe(12)}
        refresh = {**base, "exp": now + s.refresh_ttl_seconds, "jti": secrets.token_urlsafe(12)}
        return {
            "access_token": _sign(chosen, access, _ACCESS_TYPE, s),
            "refresh_token": _sign(chosen, refresh, _REFRESH_TYPE, s),
            "token_type": "bearer",
            "expires_in": s.access_ttl_seconds,
        }

    @app.get("/{lab}/me")
    def me(lab: str, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        """Who the token says you are, if this lab accepts it."""
        claims = claims_for(lab, authorization)
        return {"username": claims.get("sub"), "role": claims.get("role"), "lab": lab}

    @app.get("/{lab}/admin")
    def admin(lab: str, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        """Role ``admin`` only."""
        claims = claims_for(lab, authorization)
        if claims.get("role") != "admin":
            raise HTTPException(
                403,
                detail="admin role required",
                headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
            )
        return {"username": claims.get("sub"), "role": "admin", "message": "welcome, admin", "lab": lab}

    return app
