"""``jwt-course verify``: check a token's signature and claims, and say why it fails.

The algorithms come from the command line, never from the token's header; the key from
``--key``, ``--key-file`` (PEM, JWK, JWKS or a file holding the HMAC secret) or
``--jwks-url``. A failure prints PyJWT's exception and, where one helps, a hint.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import jwt

from .cli_errors import EXIT_INVALID, EXIT_OK, CliError
from .inspect_token import (
    current_time,
    duration,
    is_number,
    read_token,
    relative_time,
    split_token,
    utc_date,
)

__all__ = ["cmd_verify"]

_ALGORITHMS = jwt.algorithms.get_default_algorithms()


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


def _key_from_file(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read key file {str(path)!r}: {exc.strerror or exc}") from None
    stripped = data.strip()
    if stripped.startswith(b"{"):
        try:
            jwk = json.loads(stripped)
            return jwt.PyJWKSet.from_dict(jwk) if "keys" in jwk else jwt.PyJWK.from_dict(jwk)
        except (ValueError, jwt.PyJWTError) as exc:
            raise CliError(f"key file {str(path)!r} is not a usable JWK or JWKS: {exc}") from None
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


def _verified_claims(
    token: str, key: Any, args: argparse.Namespace, algorithms: list[str]
) -> dict[str, Any]:
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
    if args.now is not None:
        _check_times(claims, args.now, args.leeway)
    return claims


def _hint_for(
    exc: jwt.PyJWTError, token: str, args: argparse.Namespace, algorithms: list[str]
) -> str | None:
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
        return (
            f"the token's header says alg {header.get('alg')!r}; you allow {', '.join(algorithms)}"
        )
    if isinstance(exc, jwt.InvalidSignatureError):
        return "wrong key, or the header or payload was changed after signing"
    return None


def cmd_verify(args: argparse.Namespace) -> int:
    """``jwt-course verify``: check signature and claims; exit 1 with the reason on failure."""
    algorithms = _allowed_algorithms(args.alg)
    token = read_token(args.token)
    if args.key is not None:
        key: Any = args.key.encode()
    elif args.key_file is not None:
        key = _key_from_file(args.key_file)
    try:
        if args.jwks_url is not None:
            key = jwt.PyJWKClient(
                args.jwks_url, cache_keys=False, timeout=10
            ).get_signing_key_from_jwt(token)
        claims = _verified_claims(token, key, args, algorithms)
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
    print(json.dumps(claims, indent=2, ensure_ascii=False))
    return EXIT_OK
