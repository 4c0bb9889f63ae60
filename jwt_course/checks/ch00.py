"""Chapter 00: a warm-up exercise that shows how checking works."""

from __future__ import annotations

from typing import Any

from . import Exercise, Failure

__all__ = ["q0"]

_CASES = [
    ("aaa.bbb.ccc", ("aaa", "bbb", "ccc")),
    ("eyJhbGciOiJIUzI1NiJ9.e30.sig-_", ("eyJhbGciOiJIUzI1NiJ9", "e30", "sig-_")),
    ("header.payload.", ("header", "payload", "")),
]


class SplitToken(Exercise):
    """Split a compact JWT into its three dot-separated parts."""

    label = "q0"
    name = "split_token"
    hints = (
        "A compact JWT is three base64url strings joined by dots.",
        "str.split('.') does it; check that you got exactly three parts.",
    )
    solution_code = '''
def split_token(token: str) -> tuple[str, str, str]:
    header, payload, signature = token.split(".")
    return header, payload, signature
'''

    def verify(self, answer: Any) -> None:
        for token, expected in _CASES:
            got = self.call(answer, token)
            self.expect_equal(f"split_token({token!r})", tuple(got), expected)
        try:
            self.call(answer, "only.two")
        except Failure:
            return  # raising on a malformed token is the right behaviour
        raise Failure("split_token('only.two') should raise an error: a JWT has exactly three parts")


q0 = SplitToken()
