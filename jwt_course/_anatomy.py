"""A compact JWS drawn part by part: what each part decodes to, and what the signature covers."""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import re
from typing import Any

import jwt

from . import _drawing as draw
from ._drawing import Picture

PART_COLOURS = {"header": "#b3261e", "payload": "#6a1b9a", "signature": "#0b5d9e"}
_SIGNERS = {
    "HS": "HMAC-SHA{bits} with the shared secret",
    "RS": "RSASSA-PKCS1-v1_5 + SHA-{bits} with the private key",
    "PS": "RSASSA-PSS + SHA-{bits} with the private key",
    "ES": "ECDSA + SHA-{bits} with the private key",
}


def _signer(alg: Any) -> str:
    if not isinstance(alg, str):
        return f"alg {alg!r}: not a valid algorithm name"
    if alg.lower() == "none":
        return "alg none: no signature at all (a verifier must refuse it)"
    if alg == "EdDSA":
        return "EdDSA (Ed25519) with the private key"
    match = re.fullmatch(r"(HS|RS|PS|ES)(256|384|512)", alg)
    if match:
        return _SIGNERS[match.group(1)].format(bits=match.group(2))
    return f"alg {alg!r} (not one this course uses)"


def _b64(part: str) -> bytes | None:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", part) or len(part) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


def _decoded(part: str) -> tuple[Any, str]:
    """(the JSON value or None, how to show it)."""
    raw = _b64(part)
    if raw is None:
        return None, "not valid base64url"
    try:
        value = json.loads(raw)
    except ValueError:
        return None, f"{len(raw)} bytes, not JSON"
    return value, json.dumps(value, indent=1, ensure_ascii=False)


def token_anatomy(token: str, alt: str, title: str | None = None) -> Picture:
    """The three parts of a compact JWS, coloured by part, decoded, and what the signature covers.

    Nothing is verified: the picture shows what anyone can read in the token. A string that is
    not three dot-separated parts raises ``jwt.DecodeError``.
    """
    if not isinstance(token, str):
        raise jwt.DecodeError(f"a token is a str, not {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise jwt.DecodeError(f"not a compact JWS: expected 3 parts separated by dots, got {len(parts)}")
    header, header_text = _decoded(parts[0])
    payload, payload_text = _decoded(parts[1])
    alg = header.get("alg") if isinstance(header, dict) else None
    signature = _b64(parts[2])
    signer = _signer(alg) if isinstance(header, dict) else "unknown: the header does not decode"
    signature_text = (
        "empty" if parts[2] == "" else (f"{len(signature)} bytes" if signature is not None else "not valid base64url")
    )
    title = title or f"Token anatomy ({alg if isinstance(alg, str) else 'no alg'})"

    width, margin, size = 960.0, 20.0, 13.0
    shapes: list[draw.Shape] = [draw.Text(margin, 26, title, size=16, bold=True)]
    # the token itself, each character in its part's colour, hard-wrapped
    per_line = int((width - 2 * margin) / (draw.CHAR * size))
    kinds = [("header", parts[0]), ("dot", "."), ("payload", parts[1]), ("dot", "."), ("signature", parts[2])]
    runs: list[tuple[str, str]] = [(kind, ch) for kind, text in kinds for ch in text]
    y = 52.0
    for start in range(0, len(runs), per_line):
        line = runs[start : start + per_line]
        for kind, group in itertools.groupby(enumerate(line), key=lambda item: item[1][0]):
            chunk = list(group)
            text = "".join(ch for _, (_, ch) in chunk)
            x0 = margin + chunk[0][0] * draw.CHAR * size
            shapes.append(draw.Text(x0, y, text, size=size, fill=PART_COLOURS.get(kind, "#1a1a1a"), bold=kind == "dot"))
        y += size + 5
    # three boxes: what each part decodes to
    gap = 16.0
    box_w = (width - 2 * margin - 2 * gap) / 3
    top = y + 14
    contents = [
        ("header", f"HEADER · {len(parts[0])} chars", header_text),
        ("payload", f"PAYLOAD · {len(parts[1])} chars", payload_text),
        ("signature", f"SIGNATURE · {len(parts[2])} chars", f"{signature_text}\n\n{signer}"),
    ]
    wrapped = [draw.wrap(body, box_w - 16, 12) for _, _, body in contents]
    lines_max = min(max(len(w) for w in wrapped), 16)
    box_h = 34 + lines_max * 15 + 8
    for i, ((kind, head, _), body_lines) in enumerate(zip(contents, wrapped, strict=False)):
        x0 = margin + i * (box_w + gap)
        colour = PART_COLOURS[kind]
        shapes.append(draw.Rect(x0, top, box_w, box_h, fill="#ffffff", stroke=colour, rx=5))
        shapes.append(draw.Rect(x0, top, box_w, 26, fill=colour, rx=5))
        shapes.append(draw.Text(x0 + 8, top + 18, head, size=12.5, fill="#ffffff", bold=True))
        shown = body_lines if len(body_lines) <= lines_max else [*body_lines[: lines_max - 1], "…"]
        for j, text_line in enumerate(shown):
            shapes.append(draw.Text(x0 + 8, top + 44 + j * 15, text_line, size=12))
    # what the signature covers: header "." payload
    bracket = top + box_h + 14
    left, right = margin, margin + 2 * box_w + gap
    shapes += [
        draw.Line(left, bracket - 6, left, bracket, "#333333"),
        draw.Line(left, bracket, right, bracket, "#333333"),
        draw.Line(right, bracket - 6, right, bracket, "#333333"),
    ]
    covered = len(parts[0]) + 1 + len(parts[1])
    shapes.append(draw.Text(left, bracket + 18, f'signed: ASCII(header "." payload), {covered} bytes', size=12))
    shapes.append(
        draw.Text(
            left,
            bracket + 34,
            "base64url is an encoding, not encryption: anyone can read header and payload",
            size=12,
            fill="#555555",
        )
    )
    sig_x = margin + 2 * (box_w + gap) + box_w / 2
    shapes += [
        draw.Line(right, bracket, sig_x, bracket, PART_COLOURS["signature"], dashed=True),
        draw.Line(sig_x, bracket, sig_x, top + box_h + 10, PART_COLOURS["signature"]),
        draw.Poly(
            ((sig_x, top + box_h + 1), (sig_x - 5, top + box_h + 11), (sig_x + 5, top + box_h + 11)),
            PART_COLOURS["signature"],
        ),
    ]
    height = bracket + 46
    compact = {
        kind: json.dumps(value, separators=(",", ":"), ensure_ascii=False) if value is not None else text
        for kind, value, text in (("header", header, header_text), ("payload", payload, payload_text))
    }
    text_lines = [
        title,
        f"header    {len(parts[0]):>4} chars  {compact['header']}",
        f"payload   {len(parts[1]):>4} chars  {compact['payload']}",
        f"signature {len(parts[2]):>4} chars  {signature_text}: {signer}",
        f'signed: header "." payload ({covered} bytes); the payload is encoded, not encrypted',
    ]
    return Picture(shapes, width, math.ceil(height), alt, "\n".join(text_lines))
