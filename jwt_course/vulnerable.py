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

import asyncio
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import stat
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import PlainTextResponse

from . import handmade
from ._http_guard import harden, safe_text
from .server import DEMO_USERS
from .server.schemas import LoginRequest
from .tokens import ACCESS_TOKEN_TYPE, REFRESH_TOKEN_TYPE

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
#: The kid-path lab reads at most this much of the file its ``kid`` names...
MAX_KEY_FILE_BYTES = 64 * 1024
#: ...within this many seconds, and only from a regular file (or the empty ``/dev/null``).
KEY_FILE_READ_SECONDS = 1.0
#: Headers a proxy adds; the lab answers 403 to any request carrying one (it never
#: serves through a proxy, so it never has to decide whether to believe one).
PROXY_HEADERS = (b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-real-ip")

_ACCESS_TYPE = ACCESS_TOKEN_TYPE
_REFRESH_TYPE = REFRESH_TOKEN_TYPE


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


def _is_date(value: object) -> bool:
    # NaN, Infinity, 1e400 or a 400-digit integer would never expire.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return 0 <= value <= 253402300799  # false for NaN; ints compared exactly


def _check_claims(payload: dict[str, Any], s: VulnerableSettings) -> dict[str, Any]:
    # The claim checks the labs do get right (unless the lab is about them).
    if not _is_date(payload.get("exp")) or payload["exp"] <= s.clock():
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
    return jwt.decode(token, options={"verify_signature": False})  # show: no-signature


def verify_trusting_alg_header(token: str, s: VulnerableSettings) -> dict[str, Any]:
    """Mistake: lets the token's ``alg`` header choose the check, and ``none`` means none.

    RFC 7519 §6 defines unsecured JWTs (``alg: none``, empty signature); a verifier that
    looks up the algorithm named in the header (case-insensitively, too) accepts them.
    """
    header, payload, signing_input, signature = _split(token)
    alg = str(header.get("alg", "")).lower()
    if alg == "none":  # show: alg-none
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
    key = s.public_pem  # "the key we verify with"  # show: public-key-as-secret
    if header.get("alg") == "RS256":
        valid = _rsa_ok(serialization.load_pem_public_key(key), signing_input, signature)
    elif header.get("alg") == "HS256":
        valid = _hmac_ok(key, signing_input, signature)  # show: public-key-as-secret
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
    path = os.path.join(_keys_dir(s), str(header.get("kid", "")))  # show: kid-path
    key = _read_key_file(path)  # bounded: the learner's kernel must survive the lab
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
        url = str(header["jku"])  # show: jku
        if urlsplit(url).hostname not in LOOPBACK_HOSTS:
            raise jwt.InvalidTokenError("this lab only fetches jku URLs on loopback")
        key_set = jwt.PyJWKSet.from_dict(_fetch_key_set(url))
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
        token,
        s.secret,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_aud": False},  # show: claims-ignored
    )


def _read_key_file(path: str) -> bytes:
    """The file ``path`` names, read as the lab's vulnerable verifier does, but bounded.

    The lab stays open to path traversal on purpose; it must not take the kernel down
    with it. Only a regular file (or ``/dev/null``, the empty file of the lesson) is
    read, at most :data:`MAX_KEY_FILE_BYTES`, within :data:`KEY_FILE_READ_SECONDS`;
    ``/dev/zero``, ``/dev/stdin``, FIFOs and directories are refused without a read,
    and opening never blocks (``O_NONBLOCK``).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except (OSError, ValueError) as exc:
        raise jwt.InvalidKeyError(f"cannot open the key file: {type(exc).__name__}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            if stat.S_ISCHR(info.st_mode) and os.path.realpath(path) == os.devnull:
                return b""
            raise jwt.InvalidKeyError("the key file is not a regular file")
        if info.st_size > MAX_KEY_FILE_BYTES:
            raise jwt.InvalidKeyError(f"the key file is over {MAX_KEY_FILE_BYTES} bytes")
        deadline = time.monotonic() + KEY_FILE_READ_SECONDS
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 16384):  # /proc files say size 0: bound the reads too
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_KEY_FILE_BYTES:
                raise jwt.InvalidKeyError(f"the key file is over {MAX_KEY_FILE_BYTES} bytes")
            if time.monotonic() > deadline:
                raise jwt.InvalidKeyError("reading the key file took too long")
        return b"".join(chunks)
    except OSError as exc:
        raise jwt.InvalidKeyError(f"cannot read the key file: {type(exc).__name__}") from None
    finally:
        os.close(fd)


#: The jku lab's fetch: one total deadline and a size cap (a dripping or endless
#: answer must not hold the lab).
JKU_FETCH_SECONDS = 2.0


def _fetch_key_set(url: str) -> dict[str, Any]:
    async def fetch() -> bytes:
        async with asyncio.timeout(JKU_FETCH_SECONDS):
            async with httpx.AsyncClient(timeout=JKU_FETCH_SECONDS) as client:
                async with client.stream("GET", url) as response:
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > MAX_KEY_FILE_BYTES:
                            raise jwt.InvalidKeyError(f"jku answer over {MAX_KEY_FILE_BYTES} bytes")
                        chunks.append(chunk)
                    return b"".join(chunks)

    try:
        body: bytes = _run(fetch())
    except TimeoutError:
        raise jwt.InvalidKeyError(f"jku URL gave no complete answer in {JKU_FETCH_SECONDS:g} s") from None
    except httpx.HTTPError as exc:
        raise jwt.InvalidKeyError(f"cannot fetch the jku URL: {type(exc).__name__}") from None
    data = json.loads(body)
    if not isinstance(data, dict):
        raise jwt.InvalidKeyError("the jku URL did not answer a JSON object")
    return data


def _run(coroutine: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: a FastAPI worker thread
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1) as pool:  # called from a notebook cell's running loop
        return pool.submit(asyncio.run, coroutine).result()


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class _LoopbackOnly:
    """ASGI middleware: 403 unless both ends of the connection are on loopback and no
    proxy header is present.

    ``scope["client"]`` alone is not enough: uvicorn rewrites it from
    ``X-Forwarded-For`` when ``FORWARDED_ALLOW_IPS=*`` (or ``--forwarded-allow-ips``)
    is set, so a remote client could claim to be 127.0.0.1. ``scope["server"]``, the
    address the connection reached, is not rewritten: a lab bound to ``0.0.0.0``
    still refuses every connection that came in on another interface.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self._allowed(scope):
            body = b'{"detail":"loopback clients only"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _allowed(scope: Any) -> bool:
        client, server = scope.get("client"), scope.get("server")
        if not (client and server and _is_loopback(client[0]) and _is_loopback(server[0])):
            return False
        return not any(name.lower() in PROXY_HEADERS for name, _ in scope.get("headers", ()))


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
LABS: dict[str, Callable[[str, VulnerableSettings], dict[str, Any]]] = {name: lab.verify for name, lab in _LABS.items()}


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


def _unauthorized(detail: str, token_sent: bool = True) -> HTTPException:
    challenge = 'Bearer error="invalid_token"' if token_sent else "Bearer"
    return HTTPException(401, detail=safe_text(detail), headers={"WWW-Authenticate": challenge})


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

    harden(app)  # no 5xx, echo or hang on bad input: the lab is vulnerable only on purpose
    app.add_middleware(_LoopbackOnly)  # outermost: checked before the body is even read

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
    def login(lab: str, body: LoginRequest) -> dict[str, Any]:
        """A token pair for a demo user, signed the way this lab signs."""
        chosen = lab_for(lab)
        known = users.get(body.username)
        # Plain-text passwords keep the lab short; they are not the lesson here.
        given = body.password.encode()  # compare_digest refuses non-ASCII str
        if known is None or not hmac.compare_digest(known[0].encode(), given):
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
