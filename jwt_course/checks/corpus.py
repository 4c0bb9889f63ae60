"""The shared hostile-input corpus: named tokens and values the checkers (and lessons) attack with.

Every entry is a :class:`Hostile` (a stable ``name``, the words a message uses in ``what``,
and the ``value``: a token, an id, a role, a claims dict). Generators take the exercise's
own key and claims, so a forgery is signed with *the legitimate key* where the attack needs
it; tokens are built with :func:`jwt_course.attacks.forge`, as chapter 06's attacks are.

- :data:`RFC7515_A1_TOKEN` / :data:`RFC7515_A1_KEY`: the RFC's HS256 example (valid signature,
  a header with a line break and ``typ`` first, ``exp`` in 2011);
- :func:`header_variants`: correctly signed tokens with swapped, spaced or extended headers
  (``kid``, ``jku``): a verifier must use the header *as received*;
- :func:`payload_spaced`: the same for the payload; :func:`swapped_header_forgery`: a real
  signature under a header the signer never saw (it must fail);
- :func:`spellings`: the same signature spelled non-canonically (``=`` padding, ``+``/``/``,
  characters outside the alphabet, whitespace): a strict verifier refuses them;
- :data:`NOT_BASE64URL`, :func:`lengths_1_mod_4`: for decoders;
- :func:`alg_none`: ``none``/``None``/``NONE``, with and without a signature;
- :func:`alg_confusion`: the legitimate key under another algorithm (HS384/HS512 with the
  same secret; RS384/RS512/PS256 with the same RSA key; HS256/HS512 keyed with the public PEM);
- :func:`without_each`: each required claim missing in turn;
- :func:`time_edges`: ``exp``/``nbf``/``iat`` orderings and edge values (0, floats, strings,
  NaN, huge, booleans);
- :data:`INJECTION_IDS`: SQL injection strings and ``LIKE`` wildcards;
- :func:`prefix_roles`: roles that share a prefix (or a case, or whitespace) with the real one.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..attacks import forge, hs256, signer
from ..handmade import b64url_encode
from ..tokens import HMAC_ALGORITHMS

__all__ = [
    "INJECTION_IDS",
    "NOT_BASE64URL",
    "RFC7515_A1_KEY",
    "RFC7515_A1_TOKEN",
    "Hostile",
    "alg_confusion",
    "alg_none",
    "b64url",
    "header_variants",
    "lengths_1_mod_4",
    "payload_spaced",
    "prefix_roles",
    "sign",
    "spellings",
    "swapped_header_forgery",
    "time_edges",
    "urlsafe_signed",
    "without_each",
]


@dataclass(frozen=True)
class Hostile:
    """One named hostile input: ``name`` (stable id), ``what`` (for messages), ``value``."""

    name: str
    what: str
    value: Any


#: base64url without padding: the course's one encoder, :func:`jwt_course.handmade.b64url_encode`.
b64url = b64url_encode


def _b64url_json(obj: Any) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


#: RFC 7515 Appendix A.1: the HS256 example's key (the JWK's ``k``, decoded).
RFC7515_A1_KEY = base64.urlsafe_b64decode(
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow=="
)
#: RFC 7515 Appendix A.1's token: header ``{"typ":"JWT",\\r\\n "alg":"HS256"}``, a valid signature.
RFC7515_A1_TOKEN = (
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)


def sign(header: dict[str, Any], payload: dict[str, Any], key: Any) -> str:
    """A correctly signed token with exactly this header (its ``alg`` picks the algorithm)."""
    return forge(header, payload, signer(str(header["alg"]), key))


def _raw(header_json: str, payload: dict[str, Any], key: bytes | str) -> str:
    """HS256 over a header given as raw JSON text (spacing, order and all)."""
    head = b64url(header_json.encode())
    body = _b64url_json(payload)
    signature = hs256(key)(f"{head}.{body}".encode("ascii"))
    return f"{head}.{body}.{b64url(signature)}"


def header_variants(payload: dict[str, Any], key: bytes | str) -> list[Hostile]:
    """HS256 tokens, correctly signed with ``key``, whose headers are not PyJWT's usual bytes."""
    return [
        Hostile(
            "header-swapped",
            'a token whose header lists "typ" before "alg"',
            _raw('{"typ":"JWT","alg":"HS256"}', payload, key),
        ),
        Hostile(
            "header-spaced",
            "a token whose header JSON has spaces",
            _raw('{"alg": "HS256", "typ": "JWT"}', payload, key),
        ),
        Hostile(
            "header-kid",
            'a token whose header also carries "kid"',
            sign({"alg": "HS256", "typ": "JWT", "kid": "key-2024-01"}, payload, key),
        ),
        Hostile(
            "header-jku",
            'a token whose header also carries "jku"',
            sign({"alg": "HS256", "typ": "JWT", "jku": "https://keys.example.test/jwks.json"}, payload, key),
        ),
        Hostile("header-no-typ", 'a token whose header has no "typ"', sign({"alg": "HS256"}, payload, key)),
    ]


def payload_spaced(payload: dict[str, Any], key: bytes | str) -> Hostile:
    """An HS256 token, correctly signed, whose payload JSON has spaces (not PyJWT's compact bytes)."""
    head = _b64url_json({"alg": "HS256", "typ": "JWT"})
    body = b64url(json.dumps(payload, separators=(", ", ": ")).encode())
    signature = hs256(key)(f"{head}.{body}".encode("ascii"))
    return Hostile("payload-spaced", "a token whose payload JSON has spaces", f"{head}.{body}.{b64url(signature)}")


def swapped_header_forgery(token: str) -> Hostile:
    """``token``'s signature under a new header: ``typ`` first, and a ``jku`` the attacker controls."""
    _, body, signature = token.split(".")
    head = b64url(b'{"typ":"JWT","alg":"HS256","jku":"https://attacker.test/jwks.json"}')
    return Hostile(
        "swapped-header-forgery",
        'the token under a new header ("typ" first, a "jku" added), its signature kept',
        f"{head}.{body}.{signature}",
    )


def urlsafe_signed(payload: dict[str, Any], key: bytes | str, *, salt: str = "n") -> str:
    """An HS256 token whose signature contains both ``-`` and ``_`` (adds ``salt`` claims until it does)."""
    for counter in range(10_000):
        token = sign({"alg": "HS256", "typ": "JWT"}, {**payload, salt: counter}, key)
        signature = token.rsplit(".", 1)[1]
        if "-" in signature and "_" in signature:
            return token
    raise RuntimeError("no signature with '-' and '_' found")  # pragma: no cover


def spellings(token: str) -> list[Hostile]:
    """``token`` with its signature spelled non-canonically: the same bytes to a lenient decoder.

    For the ``+``/``/`` spelling, pass a token from :func:`urlsafe_signed`.
    """
    head, body, signature = token.split(".")
    std = signature.replace("-", "+").replace("_", "/")
    variants = [
        Hostile("sig-padded", "the signature with '=' padding added", signature + "="),
        Hostile("sig-double-padded", "the signature with '==' added", signature + "=="),
        Hostile("sig-std-alphabet", "the signature in standard base64 ('+' and '/' for '-' and '_')", std),
        Hostile(
            "sig-star", "the signature with a '*' inside (not in the alphabet)", signature[:8] + "*" + signature[8:]
        ),
        Hostile("sig-space", "the signature with a space inside", signature[:8] + " " + signature[8:]),
        Hostile("sig-newline", "the signature with a trailing newline", signature + "\n"),
    ]
    return [Hostile(v.name, v.what, f"{head}.{body}.{v.value}") for v in variants if v.value != signature]


#: Text that is not unpadded base64url, each with why (for decoders).
NOT_BASE64URL: list[Hostile] = [
    Hostile("padded", "padding", "YQ=="),
    Hostile("padded-one", "one '=' of padding", "YWI="),
    Hostile("std-alphabet", "'+' and '/' (standard base64)", "+/+/"),
    Hostile("star", "a '*' (outside the alphabet)", "YWJj*"),
    Hostile("dot", "a '.' (a token's separator, not base64url)", "YW.Jj"),
    Hostile("space", "a space", "YW Jj"),
    Hostile("newline", "a trailing newline", "YWJj\n"),
    Hostile("non-ascii", "a non-ASCII letter", "YWJé"),
    Hostile("percent", "a '%' (URL-encoding, not base64url)", "YW%4A"),
]


def lengths_1_mod_4() -> list[Hostile]:
    """Alphabet-only text whose length is 1 mod 4: no byte string encodes to it."""
    return [
        Hostile("len-1", "1 character (length 1 mod 4)", "Y"),
        Hostile("len-5", "5 characters (length 1 mod 4)", "YWJjZ"),
        Hostile("len-9", "9 characters (length 1 mod 4)", "YWJjZGVmZ"),
    ]


def alg_none(payload: dict[str, Any], original: str | None = None) -> list[Hostile]:
    """Unsigned tokens: ``alg`` none in three spellings; with ``original``, one keeping its signature."""
    found = [
        Hostile(f"alg-{alg}", f'an unsigned token with "alg": "{alg}"', forge({"alg": alg, "typ": "JWT"}, payload))
        for alg in ("none", "None", "NONE")
    ]
    if original is not None:
        signature = original.rsplit(".", 1)[1]
        unsigned = forge({"alg": "none", "typ": "JWT"}, payload)
        found.append(
            Hostile("alg-none-signed", 'an "alg": "none" token that keeps a real signature', unsigned + signature)
        )
    return found


def _public_pem(private_key: Any, form: serialization.PublicFormat) -> bytes:
    return bytes(private_key.public_key().public_bytes(serialization.Encoding.PEM, form))


def alg_confusion(
    payload: dict[str, Any],
    *,
    secret: bytes | str | None = None,
    private_key: Any = None,
    expected: str = "",
) -> list[Hostile]:
    """The legitimate key used under an algorithm other than ``expected``.

    ``secret``: HS256/HS384/HS512 with the same secret. ``private_key`` (RSA): RS256,
    RS384, RS512, PS256 with the same key, and HMAC keyed with its public PEM (both PEM
    forms); (EC): ES256/ES384 with the same key, HMAC with its public PEM.
    """
    found: list[Hostile] = []
    if secret is not None:
        for alg in HMAC_ALGORITHMS:
            found.append(
                Hostile(
                    f"same-secret-{alg}",
                    f"an {alg} token signed with the right secret",
                    sign({"alg": alg, "typ": "JWT"}, payload, secret),
                )
            )
    if isinstance(private_key, rsa.RSAPrivateKey):
        for alg in ("RS256", "RS384", "RS512", "PS256"):
            found.append(
                Hostile(
                    f"same-rsa-key-{alg}",
                    f"an {alg} token signed with the right RSA key",
                    sign({"alg": alg, "typ": "JWT"}, payload, private_key),
                )
            )
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        alg = {256: "ES256", 384: "ES384", 521: "ES512"}.get(private_key.curve.key_size, "ES256")
        found.append(
            Hostile(
                f"same-ec-key-{alg}",
                f"an {alg} token signed with the right EC key",
                sign({"alg": alg, "typ": "JWT"}, payload, private_key),
            )
        )
    if isinstance(private_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        forms = [("spki", serialization.PublicFormat.SubjectPublicKeyInfo)]
        if isinstance(private_key, rsa.RSAPrivateKey):
            forms.append(("pkcs1", serialization.PublicFormat.PKCS1))
        for form_name, form in forms:
            pem = _public_pem(private_key, form)
            forged = forge({"alg": "HS256", "typ": "JWT"}, payload, hs256(pem))
            found.append(
                Hostile(
                    f"hs256-public-pem-{form_name}",
                    f"an HS256 token keyed with the public key's PEM ({form_name})",
                    forged,
                )
            )
    return [h for h in found if not h.name.endswith(f"-{expected}")] if expected else found


def without_each(claims: dict[str, Any], required: tuple[str, ...]) -> list[Hostile]:
    """``claims`` with each of ``required`` removed in turn (name ``no-<claim>``)."""
    return [
        Hostile(f"no-{name}", f"a token without {name!r}", {k: v for k, v in claims.items() if k != name})
        for name in required
    ]


def time_edges(now: int) -> list[Hostile]:
    """Time claims around ``now``: orderings and edge values (value: the claims dict)."""
    return [
        Hostile("exp-zero", "exp = 0 (1970: long expired, not 'absent')", {"exp": 0}),
        Hostile("nbf-zero", "nbf = 0 (1970: long valid, not 'absent')", {"nbf": 0}),
        Hostile("exp-now", "exp == now (the first second it is no longer valid)", {"exp": now}),
        Hostile("exp-float-after", "exp = now + 0.5 (a float, half a second left)", {"exp": now + 0.5}),
        Hostile("exp-float-before", "exp = now - 0.5 (a float, half a second ago)", {"exp": now - 0.5}),
        Hostile("nbf-float-after", "nbf = now + 0.5 (a float, valid in half a second)", {"nbf": now + 0.5}),
        Hostile("exp-huge", "exp = 10**20 (far future)", {"exp": 10**20}),
        Hostile("nbf-huge", "nbf = 10**20 (far future)", {"nbf": 10**20}),
        Hostile("exp-string", 'exp = "<a number as a string>"', {"exp": str(now + 60)}),
        Hostile("exp-nan", "exp = NaN", {"exp": math.nan}),
        Hostile("exp-true", "exp = true (a boolean, not a number)", {"exp": True}),
        Hostile("nbf-string", 'nbf = "<a number as a string>"', {"nbf": str(now - 60)}),
        Hostile(
            "nbf-after-exp-future", "nbf and exp both in the future (not yet valid)", {"nbf": now + 30, "exp": now + 90}
        ),
        Hostile(
            "nbf-after-exp-past",
            "nbf in the future, exp in the past (nbf is checked first)",
            {"nbf": now + 30, "exp": now - 30},
        ),
        Hostile("both-past", "nbf and exp both in the past (expired)", {"nbf": now - 90, "exp": now - 30}),
        Hostile("iat-future", "iat in the future (issued later than now)", {"iat": now + 3600}),
    ]


#: Hostile session ids / usernames: SQL injection and LIKE wildcards.
INJECTION_IDS: list[Hostile] = [
    Hostile("sql-or", "the SQL injection ' OR '1'='1", "' OR '1'='1"),
    Hostile("sql-comment", "the SQL injection x' OR 1=1 --", "x' OR 1=1 --"),
    Hostile("sql-drop", "the SQL injection '; DROP TABLE sessions; --", "'; DROP TABLE sessions; --"),
    Hostile("like-percent", "the LIKE wildcard %", "%"),
    Hostile("like-underscore", "a LIKE pattern of underscores", "_" * 43),
    Hostile("quote", "a lone quote '", "'"),
    Hostile("nul", "an id with a NUL byte", "abc\x00def"),
]


def prefix_roles(role: str) -> list[Hostile]:
    """Roles that are not ``role`` but share a prefix, a case, whitespace or a container with it."""
    candidates: list[Hostile] = [
        Hostile("prefix-longer", f"{role + 'istrator-pending'!r}", role + "istrator-pending"),
        Hostile("prefix-suffix", f"{role + '-pending'!r}", role + "-pending"),
        Hostile("prefix-shorter", f"{role[:3]!r}", role[:3]),
        Hostile("prefix-contains", f"{'super' + role!r}", "super" + role),
        Hostile("case", f"{role.upper()!r}", role.upper()),
        Hostile("whitespace", f"{role + ' '!r}", role + " "),
        Hostile("empty", "''", ""),
        Hostile("list", f"[{role!r}] (a list)", [role]),
        Hostile("none", "None (null)", None),
    ]
    return [c for c in candidates if c.value != role]
