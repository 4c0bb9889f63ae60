"""Chapter 00: a warm-up exercise that shows how checking works.

``split_token`` splits a signed JWT, a JWS in compact serialisation (RFC 7515 §7.1): three
base64url parts joined by dots. RFC 7519 §3 also allows a JWT to be a JWE (encrypted, RFC 7516
§7.1), whose compact form has five parts; this function is for signed tokens only, so it must
refuse a JWE as clearly as any other token that is not three parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .cases import Case, Expect, Outcome, Raises, TableExercise, short

__all__ = ["q0"]

_PARTS = "return the three dot-separated parts: header, payload, signature"
_EMPTY = "keep an empty signature as '' (an unsecured JWS, alg 'none', still has three parts)"
_THREE = "a signed JWT (JWS compact serialisation, RFC 7515 §7.1) has exactly three parts: raise an error otherwise"
_JWE = "refuse a five-part token: that is an encrypted JWT (JWE compact serialisation, RFC 7516 §7.1), not a signed one"
# A JWE's shape: protected header . encrypted key . IV . ciphertext . authentication tag
_JWE_TOKEN = "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZ.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ"


@dataclass(frozen=True)
class _Parts(Expect):
    """Returns these parts, as a tuple (or any sequence of the same strings)."""

    parts: tuple[str, ...]

    def accepts(self, outcome: Outcome) -> bool:
        value = outcome.value
        return not outcome.raised and isinstance(value, (tuple, list)) and tuple(value) == self.parts

    def describe(self) -> str:
        return f"return {short(self.parts)}"


class SplitToken(TableExercise):
    """Split a signed JWT (JWS compact serialisation) into its three parts."""

    label = "q0"
    name = "split_token"
    hints = (
        "A signed JWT in compact form is three base64url strings joined by dots (an encrypted one, "
        "a JWE, has five: not this function's job).",
        "str.split('.') does it; unpacking into exactly three names raises ValueError for any other count.",
    )

    def cases(self) -> Sequence[Case]:
        return [
            Case(_PARTS, _Parts(("aaa", "bbb", "ccc")), ("aaa.bbb.ccc",)),
            Case(_PARTS, _Parts(("eyJhbGciOiJIUzI1NiJ9", "e30", "sig-_")), ("eyJhbGciOiJIUzI1NiJ9.e30.sig-_",)),
            Case(_EMPTY, _Parts(("header", "payload", "")), ("header.payload.",)),
            Case(_THREE, Raises(what="raise an error (two parts is not a JWS)"), ("only.two",)),
            Case(_THREE, Raises(what="raise an error (four parts is not a JWS)"), ("a.b.c.d",)),
            Case(_THREE, Raises(what="raise an error (no dots at all)"), ("nodots",)),
            Case(
                _JWE,
                Raises(what="raise an error (a JWE has five parts)"),
                (_JWE_TOKEN,),
                shown="split_token(<a five-part JWE>)",
            ),
        ]

    @property
    def solution_code(self) -> str:
        # Chapter 00 has no solutions notebook: its model answer is here (one source).
        return """
def split_token(token: str) -> tuple[str, str, str]:
    header, payload, signature = token.split(".")  # exactly three parts (a JWS), or ValueError
    return header, payload, signature
"""


q0 = SplitToken()
