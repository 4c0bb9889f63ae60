"""``jwt-course verify``: check a token's signature and claims, and say why it fails.

The algorithms come from the command line, never from the token's header; the key from
``--key``, ``--key-file`` (PEM, JWK, JWKS or a file holding the HMAC secret) or
``--jwks-url``. A failure prints PyJWT's exception and, where one helps, a hint.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import jwt

from ..handmade import b64url_decode
from ..tokens import check_time_claims
from .decode import (
    current_time,
    duration,
    is_number,
    is_text,
    read_token,
    relative_time,
    split_token,
    utc_date,
)
from .errors import EXIT_INVALID, EXIT_OK, CliError

__all__ = ["cmd_verify"]

_ALGORITHMS = jwt.algorithms.get_default_algorithms()
#: Largest key file or JWKS response read (a PEM or a key set is a few KB).
MAX_KEY_BYTES = 1024 * 1024
#: Default total time for ``--jwks-url``: connecting, headers and body together.
JWKS_TIMEOUT_SECONDS = 10.0


def _allowed_algorithms(names: list[str]) -> list[str]:
    for name in names:
        if name.lower() == "none":
            raise CliError("--alg none would accept unsigned tokens: it is never allowed")
        if name not in _ALGORITHMS:
            known = ", ".join(sorted(a for a in _ALGORITHMS if a != "none"))
            raise CliError(f"unknown algorithm {name!r}; choose from {known}")
    families = {"HMAC" if n.startswith("HS") else "public-key" for n in names}
    if len(families) > 1:
        raise CliError(
            "do not mix HS* with public-key algorithms: one key cannot serve both, and mixing "
            "them is how algorithm-confusion attacks work (RFC 8725 §2.1)"
        )
    return list(dict.fromkeys(names))


def _read_key_file(path: Path) -> bytes:
    # Bounded: --key-file /dev/zero (or a huge file by mistake) must not eat the memory.
    shown = repr(str(path))
    try:
        with path.open("rb") as file:
            data = file.read(MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise CliError(f"cannot read key file {shown}: {exc.strerror or exc}") from None
    if len(data) > MAX_KEY_BYTES:
        raise CliError(f"key file {shown} is larger than {MAX_KEY_BYTES // 1024} KB: not a key")
    return data


def _key_from_file(path: Path) -> Any:
    data = _read_key_file(path)
    stripped = data.strip()
    if stripped.startswith(b"{"):
        try:
            jwk = json.loads(stripped)
            return jwt.PyJWKSet.from_dict(jwk) if "keys" in jwk else jwt.PyJWK.from_dict(jwk)
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise CliError(f"key file {str(path)!r} is not a usable JWK or JWKS: {exc}") from None
        except RecursionError:
            raise CliError(f"key file {str(path)!r} is JSON nested too deeply") from None
    if stripped.startswith(b"-----BEGIN") and b"PRIVATE KEY" in stripped:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            private = load_pem_private_key(stripped, password=None)
        except (ValueError, TypeError) as exc:
            raise CliError(f"key file {str(path)!r}: cannot load the private key: {exc}") from None
        print(
            "note: the key file holds a private key; verifying with its public half",
            file=sys.stderr,
        )
        return private.public_key()
    if stripped.startswith(b"-----BEGIN"):
        return stripped
    return data.removesuffix(b"\n").removesuffix(b"\r")


class _DeadlineJWKClient(jwt.PyJWKClient):
    """PyJWT's JWKS client, fetching with one total deadline and a size cap.

    urllib's ``timeout`` applies to each socket operation: a server sending one byte
    every few seconds never trips it. Here connecting, the headers and the body share
    ``total_seconds``, and at most :data:`MAX_KEY_BYTES` are read.
    """

    def __init__(self, uri: str, total_seconds: float) -> None:
        super().__init__(uri, cache_keys=False, timeout=total_seconds)
        self.total_seconds = total_seconds

    def fetch_data(self) -> Any:
        import httpx  # here: `jwt-course decode` need not pay for importing it

        try:
            body = asyncio.run(self._fetch())
        except TimeoutError:
            raise jwt.PyJWKClientConnectionError(
                f"Fail to fetch data from the url, err: no complete answer within {self.total_seconds:g} s (--timeout)"
            ) from None
        except httpx.HTTPError as exc:
            raise jwt.PyJWKClientConnectionError(
                f'Fail to fetch data from the url, err: "{type(exc).__name__}: {exc}"'
            ) from None
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise jwt.PyJWKClientError("the JWKS endpoint did not answer JSON") from None
        if not isinstance(data, dict):
            raise jwt.PyJWKClientError("the JWKS endpoint did not answer a JSON object")
        return data

    async def _fetch(self) -> bytes:
        import httpx

        async with asyncio.timeout(self.total_seconds):
            async with httpx.AsyncClient(timeout=self.total_seconds) as client:
                async with client.stream("GET", self.uri, headers=self.headers) as response:
                    response.raise_for_status()
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > MAX_KEY_BYTES:
                            raise httpx.DecodingError(f"answer larger than {MAX_KEY_BYTES} bytes")
                        chunks.append(chunk)
                    return b"".join(chunks)


def _pick_key(key: Any, token: str) -> Any:
    if not isinstance(key, jwt.PyJWKSet):
        return key
    kid = jwt.get_unverified_header(token).get("kid")
    if not isinstance(kid, str):
        raise jwt.PyJWKSetError("the token has no kid, so no key of the key file can be chosen")
    try:
        return key[kid]
    except KeyError:
        raise jwt.PyJWKSetError(f"no key with kid {kid!r} in the key file") from None


def _check_times(payload: dict[str, Any], now: float, leeway: float) -> None:
    # PyJWT's own exp/nbf/iat checks (same order, classes and messages), but against
    # --now instead of the wall clock.
    for claim, error in (
        ("iat", jwt.InvalidIssuedAtError),
        ("nbf", jwt.DecodeError),
        ("exp", jwt.DecodeError),
    ):
        if claim not in payload:
            continue
        try:
            value = int(payload[claim])
        except (ValueError, TypeError, OverflowError):
            name = {"iat": "Issued At", "nbf": "Not Before", "exp": "Expiration Time"}[claim]
            raise error(f"{name} claim ({claim}) must be an integer.") from None
        if claim == "exp" and value <= now - leeway:
            raise jwt.ExpiredSignatureError("Signature has expired")
        if claim != "exp" and value > now + leeway:
            raise jwt.ImmatureSignatureError(f"The token is not yet valid ({claim})")


def _verified_claims(token: str, key: Any, args: argparse.Namespace, algorithms: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {"require": args.require}
    if args.now is not None:
        options.update(verify_exp=False, verify_nbf=False, verify_iat=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", jwt.InsecureKeyLengthWarning)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                _pick_key(key, token),
                algorithms=algorithms,
                audience=args.aud,
                issuer=args.iss,
                leeway=args.leeway,
                options=options,  # type: ignore[arg-type]
            )
        finally:
            for warning in caught:
                print(f"warning: {warning.message}", file=sys.stderr)
    check_time_claims(claims)  # stricter than PyJWT: exp 10**400 or nbf true is no date
    if args.now is not None:
        _check_times(claims, args.now, args.leeway)
    return claims


def _hint_for(exc: jwt.PyJWTError, token: str, args: argparse.Namespace, algorithms: list[str]) -> str | None:
    try:
        header, payload, _ = split_token(token)
    except CliError:
        return None
    now = current_time(args.now)
    if isinstance(exc, jwt.ExpiredSignatureError) and is_number(payload.get("exp")):
        return utc_date(payload["exp"]) and (
            f"exp is {utc_date(payload['exp'])}, {relative_time('exp', payload['exp'], now)}; "
            "--leeway SECONDS tolerates small clock differences"
        )
    if isinstance(exc, jwt.ImmatureSignatureError):
        claim = "nbf" if "(nbf)" in str(exc) else "iat"
        if is_number(payload.get(claim)) and utc_date(payload[claim]):
            return f"{claim} is {utc_date(payload[claim])}, {duration(payload[claim] - now)} from now"
    if isinstance(exc, jwt.InvalidAudienceError):
        if args.aud is None:
            return f"the token is for audience {payload.get('aud')!r}: say which audience you are with --aud"
        return f"the token is for audience {payload.get('aud')!r}, you accept {args.aud!r}"
    if isinstance(exc, jwt.InvalidIssuerError):
        return f"the token says iss {payload.get('iss')!r}, you trust {args.iss!r}"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return f"the token's header says alg {header.get('alg')!r}; you allow {', '.join(algorithms)}"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "wrong key, or the header or payload was changed after signing"
    return None


def _refuse_deep_json(token: str) -> None:
    # PyJWT would report a RecursionError from json as a DecodeError about "maximum
    # recursion depth": say plainly that this is no JWT (the other defects of a
    # malformed token are PyJWT's to report).
    for part, what in zip(token.split(".")[:2], ("header", "payload"), strict=False):
        try:
            json.loads(b64url_decode(part))
        except RecursionError:
            raise CliError(f"not a JWT: the {what} is JSON nested too deeply") from None
        except (ValueError, jwt.DecodeError):
            pass


def cmd_verify(args: argparse.Namespace) -> int:
    """``jwt-course verify``: check signature and claims; exit 1 with the reason on failure."""
    algorithms = _allowed_algorithms(args.alg)
    token = read_token(args.token)
    _refuse_deep_json(token)
    if args.key is not None:
        if not is_text(args.key):
            raise CliError("--key is not UTF-8 text; put a binary secret in a file: --key-file")
        key: Any = args.key.encode()
    elif args.key_file is not None:
        key = _key_from_file(args.key_file)
    try:
        if args.jwks_url is not None:
            client = _DeadlineJWKClient(args.jwks_url, args.timeout)
            key = client.get_signing_key_from_jwt(token)
        claims = _verified_claims(token, key, args, algorithms)
    except RecursionError:
        raise CliError("not a JWT: its header or payload is JSON nested too deeply") from None
    except jwt.PyJWTError as exc:
        print(f"invalid: {type(exc).__name__}: {exc}")
        hint = _hint_for(exc, token, args, algorithms)
        if hint:
            print(f"hint: {hint}")
        return EXIT_INVALID
    checked: list[str] = [c for c in ("exp", "nbf", "iat") if c in claims]
    checked += [c for c, given in (("aud", args.aud), ("iss", args.iss)) if given]
    alg = jwt.get_unverified_header(token).get("alg")
    print(f"valid: {alg} signature verified; claims checked: {', '.join(checked) or 'none'}")
    if "exp" not in claims:
        print("note: no exp claim, so this token never expires (--require exp refuses such tokens)")
    shown = json.dumps(claims, indent=2, ensure_ascii=False)
    # a signed "\ud800" cannot be printed as text: show it escaped
    print(shown if is_text(shown) else json.dumps(claims, indent=2))
    return EXIT_OK
