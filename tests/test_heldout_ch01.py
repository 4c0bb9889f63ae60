"""Held-out corpus, chapter 01: learner answers written from the exercise text alone, by someone
who had not read the checkers. Each wrong answer must be refused naming the requirement it breaks;
each right one (in a style unlike the model answer) must pass.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import string
import time
from hmac import compare_digest

import heldout
import pytest

from jwt_course.checks import ch01

URLSAFE_ALPHABET = set(string.ascii_letters + string.digits + "-_")


# a correct helper the other answers use, as a learner's namespace would have it
def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not set(text) <= URLSAFE_ALPHABET or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------- q1 b64url_encode
def q1_w_std_alphabet(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def q1_w_keeps_padding(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def q1_w_returns_bytes(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=")  # type: ignore[return-value]


def q1_w_str_of_bytes(data: bytes) -> str:
    return str(base64.urlsafe_b64encode(data)).rstrip("=")


def q1_w_offbyone_strip(data: bytes) -> str:
    s = base64.urlsafe_b64encode(data).decode()
    pad = len(data) % 3
    return s[:-pad] if pad else s


def q1_w_forgot_slash(data: bytes) -> str:
    return base64.b64encode(data).decode().replace("+", "-").rstrip("=")


def q1_w_utf8_roundtrip(data: bytes) -> str:
    return base64.urlsafe_b64encode(data.decode("utf-8", "ignore").encode()).decode().rstrip("=")


_ALPH = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def q1_r_by_hand(data: bytes) -> str:
    bits = "".join(f"{byte:08b}" for byte in data)
    out = []
    for i in range(0, len(bits), 6):
        chunk = bits[i : i + 6].ljust(6, "0")
        out.append(_ALPH[int(chunk, 2)])
    return "".join(out)


def q1_r_altchars(data: bytes) -> str:
    return base64.b64encode(data, altchars=b"-_").decode("ascii").replace("=", "")


def q1_r_translate(data: bytes) -> str:
    return base64.b64encode(data).translate(bytes.maketrans(b"+/", b"-_")).rstrip(b"=").decode()


# ---------------------------------------------------------------- q2 b64url_decode
def q2_w_lenient(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def q2_w_blocklist(text: str) -> bytes:
    if any(c in text for c in "=+/ "):
        raise ValueError("bad character")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def q2_w_always_two_pads(text: str) -> bytes:
    if "=" in text:
        raise ValueError("padding")
    return base64.urlsafe_b64decode(text + "==")


def q2_w_translate_validate(text: str) -> bytes:
    std = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(std + "=" * (-len(std) % 4), validate=True)


def q2_w_regex_match(text: str) -> bytes:
    if not re.match(r"[A-Za-z0-9_-]*", text):
        raise ValueError("bad character")
    if len(text) % 4 == 1:
        raise ValueError("bad length")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def q2_w_strips_padding(text: str) -> bytes:
    text = text.strip().rstrip("=")
    if not set(text) <= URLSAFE_ALPHABET:
        raise ValueError("bad character")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def q2_w_returns_str(text: str) -> bytes:
    if not set(text) <= URLSAFE_ALPHABET:
        raise ValueError("bad character")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("latin-1")  # type: ignore[return-value]


def q2_w_swallows(text: str) -> bytes:
    try:
        if not set(text) <= URLSAFE_ALPHABET:
            raise ValueError("bad character")
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        return b""


def q2_w_bad_logic(text: str) -> bytes:
    if not (text.isalnum() or "-" in text or "_" in text):
        raise ValueError("bad character")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def q2_r_set_and_length(text: str) -> bytes:
    for ch in text:
        if ch not in URLSAFE_ALPHABET:
            raise ValueError(f"{ch!r} is not base64url")
    if len(text) % 4 == 1:
        raise ValueError("length 1 mod 4")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def q2_r_fullmatch_validate(text: str) -> bytes:
    if re.fullmatch(r"[A-Za-z0-9_-]*", text) is None or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


_INDEX = {c: i for i, c in enumerate(_ALPH)}


def q2_r_by_hand(text: str) -> bytes:
    if len(text) % 4 == 1:
        raise ValueError("impossible length")
    bits = "".join(f"{_INDEX[c]:06b}" for c in text)  # KeyError for anything else
    usable = len(bits) - len(bits) % 8
    return bytes(int(bits[i : i + 8], 2) for i in range(0, usable, 8))


# ---------------------------------------------------------------- q3 read_claims
def q3_w_header(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[0]))


def q3_w_std_b64(token: str) -> dict:
    return json.loads(base64.b64decode(token.split(".")[1]))


def q3_w_ascii(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]).decode("ascii"))


def q3_w_split_once(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".", 1)[1]))


def q3_w_returns_text(token: str) -> dict:
    return b64url_decode(token.split(".")[1]).decode()  # type: ignore[return-value]


def q3_w_eval(token: str) -> dict:
    return eval(b64url_decode(token.split(".")[1]).decode())


def q3_w_pyjwt(token: str) -> dict:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})


def q3_r_unpack(token: str) -> dict:
    _, payload, _ = token.split(".")
    return json.loads(b64url_decode(payload))


def q3_r_stdlib(token: str) -> dict:
    part = token.split(".")[1]
    raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    return json.loads(raw.decode("utf-8"))


# ---------------------------------------------------------------- q4 make_hs256_token
def _seg(obj: object, **kw: object) -> str:
    return b64url_encode(json.dumps(obj, **kw).encode())  # type: ignore[arg-type]


def q4_w_spaces(payload: dict, key: bytes) -> str:
    h, p = _seg({"alg": "HS256", "typ": "JWT"}), _seg(payload)
    sig = hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64url_encode(sig)}"


def q4_w_sorted(payload: dict, key: bytes) -> str:
    h = _seg({"alg": "HS256", "typ": "JWT"}, separators=(",", ":"), sort_keys=True)
    p = _seg(payload, separators=(",", ":"), sort_keys=True)
    sig = hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64url_encode(sig)}"


def q4_w_header_order(payload: dict, key: bytes) -> str:
    h = _seg({"typ": "JWT", "alg": "HS256"}, separators=(",", ":"))
    p = _seg(payload, separators=(",", ":"))
    sig = hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64url_encode(sig)}"


def q4_w_hexdigest(payload: dict, key: bytes) -> str:
    h = _seg({"alg": "HS256", "typ": "JWT"}, separators=(",", ":"))
    p = _seg(payload, separators=(",", ":"))
    sig = hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).hexdigest()
    return f"{h}.{p}.{b64url_encode(sig.encode())}"


def q4_w_no_ensure_ascii(payload: dict, key: bytes) -> str:
    h = _seg({"alg": "HS256", "typ": "JWT"}, separators=(",", ":"), ensure_ascii=False)
    p = _seg(payload, separators=(",", ":"), ensure_ascii=False)
    sig = hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64url_encode(sig)}"


def q4_w_signs_payload_only(payload: dict, key: bytes) -> str:
    h = _seg({"alg": "HS256", "typ": "JWT"}, separators=(",", ":"))
    p = _seg(payload, separators=(",", ":"))
    sig = hmac.new(key, p.encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64url_encode(sig)}"


def q4_w_plain_sha256(payload: dict, key: bytes) -> str:
    h = _seg({"alg": "HS256", "typ": "JWT"}, separators=(",", ":"))
    p = _seg(payload, separators=(",", ":"))
    sig = hashlib.sha256(key + f"{h}.{p}".encode()).digest()
    return f"{h}.{p}.{b64url_encode(sig)}"


def q4_r_helper(payload: dict, key: bytes) -> str:
    def seg(obj: dict) -> str:
        return b64url_encode(json.dumps(obj, separators=(",", ":")).encode())

    signing_input = seg({"alg": "HS256", "typ": "JWT"}) + "." + seg(payload)
    return signing_input + "." + b64url_encode(hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest())


def q4_r_literal_header(payload: dict, key: bytes) -> str:
    parts = [
        b64url_encode(b'{"alg":"HS256","typ":"JWT"}'),
        b64url_encode(json.dumps(payload, separators=(",", ":")).encode("utf-8")),
    ]
    parts.append(b64url_encode(hmac.digest(key, ".".join(parts).encode(), "sha256")))
    return ".".join(parts)


# ---------------------------------------------------------------- q5 verify_hs256
def q5_w_eq(token: str, key: bytes) -> bool:
    try:
        h, p, s = token.split(".")
        expected = hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest()
        return expected == b64url_decode(s)
    except ValueError:
        return False


def q5_w_eq_comment(token: str, key: bytes) -> bool:
    # should use hmac.compare_digest here
    try:
        h, p, s = token.split(".")
        return hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest() == b64url_decode(s)
    except ValueError:
        return False


def q5_w_lenient_b64(token: str, key: bytes) -> bool:
    try:
        h, p, s = token.split(".")
        sig = base64.urlsafe_b64decode(s + "==")
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest(), sig)


def q5_w_reencode(token: str, key: bytes) -> bool:
    try:
        h, p, s = token.split(".")
        header = json.loads(b64url_decode(h))
        payload = json.loads(b64url_decode(p))
        h2 = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
        p2 = b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
        expected = hmac.new(key, f"{h2}.{p2}".encode(), hashlib.sha256).digest()
        return hmac.compare_digest(expected, b64url_decode(s))
    except ValueError:
        return False


def q5_w_raises(token: str, key: bytes) -> bool:
    h, p, s = token.split(".")
    expected = hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(expected, b64url_decode(s))


def q5_w_returns_none(token: str, key: bytes) -> bool:
    try:
        h, p, s = token.split(".")
        expected = hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest()
        return hmac.compare_digest(expected, b64url_decode(s))
    except Exception:
        pass  # type: ignore[return-value]


def q5_w_first_and_last(token: str, key: bytes) -> bool:
    parts = token.split(".")
    if len(parts) < 3:
        return False
    try:
        sig = b64url_decode(parts[-1])
    except ValueError:
        return False
    expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(expected, sig)


def q5_w_swapped_args(token: str, key: bytes) -> bool:
    try:
        h, p, s = token.split(".")
        expected = hmac.new(f"{h}.{p}".encode(), key, hashlib.sha256).digest()
        return hmac.compare_digest(expected, b64url_decode(s))
    except ValueError:
        return False


def q5_r_rpartition(token: str, key: bytes) -> bool:
    if token.count(".") != 2:
        return False
    signing_input, _, sig_b64 = token.rpartition(".")
    try:
        sig = b64url_decode(sig_b64)
    except ValueError:
        return False
    return hmac.compare_digest(hmac.digest(key, signing_input.encode("ascii"), "sha256"), sig)


def q5_r_rpartition_fixed(token: str, key: bytes) -> bool:
    if token.count(".") != 2 or not token.isascii():
        return False
    signing_input, _, sig_b64 = token.rpartition(".")
    try:
        sig = b64url_decode(sig_b64)
    except ValueError:
        return False
    return hmac.compare_digest(hmac.digest(key, signing_input.encode("ascii"), "sha256"), sig)


def q5_r_from_import(token: str, key: bytes) -> bool:
    parts = token.split(".")
    if len(parts) != 3:
        return False
    try:
        given = b64url_decode(parts[2])
        msg = (parts[0] + "." + parts[1]).encode("ascii")
    except (ValueError, UnicodeEncodeError):
        return False
    return compare_digest(hmac.new(key, msg, hashlib.sha256).digest(), given)


def q5_r_secrets(token: str, key: bytes) -> bool:
    try:
        header_b64, payload_b64, sig_b64 = token.split(".")
        sig = b64url_decode(sig_b64)
    except ValueError:
        return False
    mac = hmac.new(key, f"{header_b64}.{payload_b64}".encode(), hashlib.sha256)
    return secrets.compare_digest(mac.digest(), sig)


def q5_s_compares_b64(token: str, key: bytes) -> bool:
    try:
        h, p, s = token.split(".")
        b64url_decode(s)
    except ValueError:
        return False
    expected = b64url_encode(hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest())
    return hmac.compare_digest(expected, s)


# ---------------------------------------------------------------- q6 time_status
def q6_w_truthy(claims: dict, now: int, leeway: int = 0) -> str:
    if claims.get("nbf") and claims["nbf"] > now + leeway:
        return "not yet valid"
    if claims.get("exp") and claims["exp"] <= now - leeway:
        return "expired"
    return "valid"


def q6_w_lt(claims: dict, now: int, leeway: int = 0) -> str:
    if "nbf" in claims and claims["nbf"] > now + leeway:
        return "not yet valid"
    if "exp" in claims and claims["exp"] < now - leeway:
        return "expired"
    return "valid"


def q6_w_exp_first(claims: dict, now: int, leeway: int = 0) -> str:
    if "exp" in claims and claims["exp"] <= now - leeway:
        return "expired"
    if "nbf" in claims and claims["nbf"] > now + leeway:
        return "not yet valid"
    return "valid"


def q6_w_wall_clock(claims: dict, now: int, leeway: int = 0) -> str:
    now = int(time.time())
    if "nbf" in claims and claims["nbf"] > now + leeway:
        return "not yet valid"
    if "exp" in claims and claims["exp"] <= now - leeway:
        return "expired"
    return "valid"


def q6_w_nbf_ge(claims: dict, now: int, leeway: int = 0) -> str:
    if "nbf" in claims and claims["nbf"] >= now + leeway:
        return "not yet valid"
    if "exp" in claims and claims["exp"] <= now - leeway:
        return "expired"
    return "valid"


def q6_w_leeway_sign(claims: dict, now: int, leeway: int = 0) -> str:
    if "nbf" in claims and claims["nbf"] > now - leeway:
        return "not yet valid"
    if "exp" in claims and claims["exp"] <= now + leeway:
        return "expired"
    return "valid"


def q6_w_int(claims: dict, now: int, leeway: int = 0) -> str:
    if "nbf" in claims and int(claims["nbf"]) > now + leeway:
        return "not yet valid"
    if "exp" in claims and int(claims["exp"]) <= now - leeway:
        return "expired"
    return "valid"


def q6_r_plain(claims: dict, now: int, leeway: int = 0) -> str:
    if "nbf" in claims:
        if claims["nbf"] > now + leeway:
            return "not yet valid"
    if "exp" in claims:
        if claims["exp"] <= now - leeway:
            return "expired"
    return "valid"


def q6_r_defaults(claims: dict, now: int, leeway: int = 0) -> str:
    import math

    nbf = claims.get("nbf", -math.inf)
    exp = claims.get("exp", math.inf)
    return "not yet valid" if nbf > now + leeway else "expired" if exp <= now - leeway else "valid"


# ---------------------------------------------------------------- round 2
def q2_w_regex_dollar(text: str) -> bytes:
    if not re.match(r"^[A-Za-z0-9_-]*$", text):  # '$' also matches before a trailing newline
        raise ValueError("bad character")
    if len(text) % 4 == 1:
        raise ValueError("bad length")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def q5_w_rsplit(token: str, key: bytes) -> bool:
    signing_input, _, sig_b64 = token.rpartition(".")  # never counts the parts
    if not signing_input or not token.isascii():
        return False
    try:
        sig = b64url_decode(sig_b64)
    except ValueError:
        return False
    return hmac.compare_digest(hmac.new(key, signing_input.encode(), hashlib.sha256).digest(), sig)


def q5_w_altchars_validate(token: str, key: bytes) -> bool:
    try:
        h, p, s = token.split(".")
        sig = base64.b64decode(s + "=" * (-len(s) % 4), altchars=b"-_", validate=True)  # still takes + and /
        expected = hmac.new(key, f"{h}.{p}".encode("ascii"), hashlib.sha256).digest()
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return False
    return hmac.compare_digest(expected, sig)


def q6_w_round(claims: dict, now: int, leeway: int = 0) -> str:
    if "nbf" in claims and round(claims["nbf"]) > now + leeway:
        return "not yet valid"
    if "exp" in claims and round(claims["exp"]) <= now - leeway:
        return "expired"
    return "valid"


# (exercise, answer, the requirement its refusal must name or None for accepted, what the learner did)
CORPUS = [
    (
        "q1",
        q1_w_std_alphabet,
        "use the URL-safe alphabet: '-' and '_' instead of '+' and '/'",
        "standard alphabet (+ and /), not URL-safe",
    ),
    ("q1", q1_w_keeps_padding, "no '=' padding at the end (RFC 7515 §2)", "keeps = padding"),
    ("q1", q1_w_returns_bytes, "return a str (text), not bytes", "returns bytes, not str"),
    ("q1", q1_w_str_of_bytes, "no '=' padding at the end (RFC 7515 §2)", "str(bytes): \"b'YQ'\""),
    (
        "q1",
        q1_w_offbyone_strip,
        "no '=' padding at the end (RFC 7515 §2)",
        "off-by-one padding strip (len%3 used as pad count)",
    ),
    ("q1", q1_w_forgot_slash, "use the URL-safe alphabet: '-' and '_' instead of '+' and '/'", "replaces + but not /"),
    (
        "q1",
        q1_w_utf8_roundtrip,
        "encode every byte string exactly as base64url does",
        "utf-8 round trip loses non-UTF-8 bytes",
    ),
    ("q1", q1_r_by_hand, None, "bit string by hand"),
    ("q1", q1_r_altchars, None, "b64encode altchars, replace ="),
    ("q1", q1_r_translate, None, "translate table"),
    (
        "q2",
        q2_w_lenient,
        "raise an error for text with '=', '+', '/', spaces or other characters outside A-Z a-z 0-9 - _",
        "lenient urlsafe_b64decode (accepts + / = and junk)",
    ),
    (
        "q2",
        q2_w_blocklist,
        "raise an error for text with '=', '+', '/', spaces or other characters outside A-Z a-z 0-9 - _",
        "blocklist of =+/space: accepts * and .",
    ),
    (
        "q2",
        q2_w_always_two_pads,
        "raise an error for text with '=', '+', '/', spaces or other characters outside A-Z a-z 0-9 - _",
        "always adds ==; accepts + / and junk",
    ),
    (
        "q2",
        q2_w_translate_validate,
        "raise an error for text with '=', '+', '/', spaces or other characters outside A-Z a-z 0-9 - _",
        "translate -_ to +/ then validate: accepts + and /",
    ),
    (
        "q2",
        q2_w_regex_match,
        "raise an error for text with '=', '+', '/', spaces or other characters outside A-Z a-z 0-9 - _",
        "re.match without anchor: any text passes the check",
    ),
    (
        "q2",
        q2_w_strips_padding,
        "raise an error for text with '=', '+', '/', spaces or other characters outside A-Z a-z 0-9 - _",
        "strips = and spaces first: padded input accepted",
    ),
    (
        "q2",
        q2_w_returns_str,
        "decode unpadded base64url back to the bytes, putting the missing padding back",
        "returns str, not bytes",
    ),
    (
        "q2",
        q2_w_swallows,
        "raise an error for text with '=', '+', '/', spaces or other characters outside A-Z a-z 0-9 - _",
        "swallows the error and returns b''",
    ),
    (
        "q2",
        q2_w_bad_logic,
        "decode unpadded base64url back to the bytes, putting the missing padding back",
        "broken alphabet logic (any text with - or _)",
    ),
    ("q2", q2_r_set_and_length, None, "loop over characters + length check"),
    ("q2", q2_r_fullmatch_validate, None, "fullmatch + b64decode(altchars, validate=True)"),
    ("q2", q2_r_by_hand, None, "decoder by hand (KeyError for outside characters)"),
    ("q3", q3_w_header, "return the payload (the middle part) as a dict, for any token", "reads the header (index 0)"),
    (
        "q3",
        q3_w_std_b64,
        "return the payload (the middle part) as a dict, for any token",
        "standard b64decode without padding",
    ),
    (
        "q3",
        q3_w_ascii,
        "the payload is JSON in UTF-8 (RFC 7519 §7.2): another library may write 'ë' as its two UTF-8 bytes instead of \\u00eb, so decode the bytes as UTF-8 (json.loads(bytes) does), never as ASCII",
        "decodes payload as ASCII (breaks UTF-8 claims)",
    ),
    (
        "q3",
        q3_w_split_once,
        "return the payload (the middle part) as a dict, for any token",
        "split once: payload includes .signature",
    ),
    (
        "q3",
        q3_w_returns_text,
        "return the payload (the middle part) as a dict, for any token",
        "returns the JSON text, not a dict",
    ),
    (
        "q3",
        q3_w_eval,
        "return the payload (the middle part) as a dict, for any token",
        "eval instead of json (true/false/null break)",
    ),
    (
        "q3",
        q3_w_pyjwt,
        "read only the middle part: the header and the signature play no part, so a token whose signature or header is damaged still has readable claims",
        "uses PyJWT (text: no JWT library)",
    ),
    ("q3", q3_r_unpack, None, "unpack three parts"),
    ("q3", q3_r_stdlib, None, "stdlib base64 with padding"),
    (
        "q4",
        q4_w_spaces,
        'header {"alg": "HS256", "typ": "JWT"} in that order, as compact JSON',
        "json.dumps default separators (spaces)",
    ),
    (
        "q4",
        q4_w_sorted,
        "the payload as given (same key order), as json.dumps makes it with separators=(',', ':') and its default ensure_ascii ('ë' becomes \\u00eb, as in PyJWT), then base64url",
        "sort_keys=True",
    ),
    (
        "q4",
        q4_w_header_order,
        'header {"alg": "HS256", "typ": "JWT"} in that order, as compact JSON',
        "header typ before alg",
    ),
    (
        "q4",
        q4_w_hexdigest,
        "signature: the raw HMAC-SHA256 digest of header_b64 + '.' + payload_b64, base64url-encoded",
        "hexdigest signature",
    ),
    (
        "q4",
        q4_w_no_ensure_ascii,
        "the payload as given (same key order), as json.dumps makes it with separators=(',', ':') and its default ensure_ascii ('ë' becomes \\u00eb, as in PyJWT), then base64url",
        "ensure_ascii=False",
    ),
    (
        "q4",
        q4_w_signs_payload_only,
        "signature: the raw HMAC-SHA256 digest of header_b64 + '.' + payload_b64, base64url-encoded",
        "signs only the payload",
    ),
    (
        "q4",
        q4_w_plain_sha256,
        "signature: the raw HMAC-SHA256 digest of header_b64 + '.' + payload_b64, base64url-encoded",
        "sha256(key+msg), not HMAC",
    ),
    ("q4", q4_r_helper, None, "inner helper"),
    ("q4", q4_r_literal_header, None, "literal header bytes, hmac.digest"),
    ("q5", q5_w_eq, "compare the digests with hmac.compare_digest (constant time), not ==", "== on digests"),
    (
        "q5",
        q5_w_eq_comment,
        "compare the digests with hmac.compare_digest (constant time), not ==",
        "== with compare_digest in a comment",
    ),
    (
        "q5",
        q5_w_lenient_b64,
        "False for a signature that is not valid base64url (padding, '+'/'/', characters outside the alphabet)",
        "lenient base64 (sig + '==')",
    ),
    (
        "q5",
        q5_w_reencode,
        "HMAC the first two parts exactly as they appear in the token (never decode and re-encode them)",
        "re-encodes header/payload instead of using them as received",
    ),
    (
        "q5",
        q5_w_raises,
        "False for a signature that is not valid base64url (padding, '+'/'/', characters outside the alphabet)",
        "raises on a token without three parts",
    ),
    (
        "q5",
        q5_w_returns_none,
        "False for a signature that is not valid base64url (padding, '+'/'/', characters outside the alphabet)",
        "returns None on bad input",
    ),
    (
        "q5",
        q5_w_first_and_last,
        "False, never an exception, for anything that is not three dot-separated parts",
        "uses parts[0], parts[1], parts[-1]: four parts verify",
    ),
    ("q5", q5_w_swapped_args, "True for a token signed with this key", "hmac.new(msg, key): key and message swapped"),
    (
        "q5",
        q5_r_rpartition,
        "False, never an exception, for a token with characters outside base64url in its first two parts ('é' cannot even be encoded as ASCII)",
        "rpartition, .encode('ascii') raises UnicodeEncodeError for a non-ASCII token",
    ),
    ("q5", q5_r_rpartition_fixed, None, "rpartition, ascii checked, hmac.digest"),
    ("q5", q5_r_from_import, None, "from hmac import compare_digest"),
    ("q5", q5_r_secrets, None, "secrets.compare_digest (the same function)"),
    (
        "q6",
        q6_w_truthy,
        "a claim that is present is checked, whatever its value (exp = 0 is 1970, not 'absent')",
        "claims.get truthiness: exp=0 / nbf=0 unchecked",
    ),
    (
        "q6",
        q6_w_lt,
        "expired when exp <= now - leeway (exp is the first second the token is no longer valid)",
        "exp < now (should be <=)",
    ),
    ("q6", q6_w_exp_first, "check nbf before exp", "exp checked before nbf"),
    (
        "q6",
        q6_w_wall_clock,
        "expired when exp <= now - leeway (exp is the first second the token is no longer valid)",
        "wall clock instead of now",
    ),
    ("q6", q6_w_nbf_ge, "not yet valid when nbf > now + leeway", "nbf >= now (should be >)"),
    (
        "q6",
        q6_w_leeway_sign,
        "expired when exp <= now - leeway (exp is the first second the token is no longer valid)",
        "leeway applied with the wrong sign",
    ),
    (
        "q6",
        q6_w_int,
        "a NumericDate may be a float: compare it as it is (PyJWT's int() moves it by up to a second, as the exercise says)",
        "int() truncates float NumericDates",
    ),
    ("q6", q6_r_plain, None, "nested ifs with 'in'"),
    ("q6", q6_r_defaults, None, "defaults -inf/+inf, conditional expression"),
    (
        "q5",
        q5_w_rsplit,
        "False, never an exception, for anything that is not three dot-separated parts",
        "rpartition without counting parts: four parts signed over three verify",
    ),
    (
        "q5",
        q5_w_altchars_validate,
        "False for a signature that is not valid base64url (padding, '+'/'/', characters outside the alphabet)",
        "b64decode(altchars='-_', validate=True) still takes '+' and '/'",
    ),
    (
        "q6",
        q6_w_round,
        "a NumericDate may be a float: compare it as it is (PyJWT's int() moves it by up to a second, as the exercise says)",
        "round() moves a float NumericDate",
    ),
]


@pytest.mark.parametrize(heldout.FIELDS, CORPUS, ids=heldout.ids(CORPUS))
def test_heldout_answer(label, answer, requirement, what):
    heldout.check_answer(ch01, label, answer, requirement, what)
