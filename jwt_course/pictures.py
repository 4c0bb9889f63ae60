"""Pictures drawn from what a cell really did: HTTP traffic, a token's parts, recorded events.

    from jwt_course.pictures import Traffic, Timeline, token_anatomy

    with Traffic(names={server.url: "API"}) as traffic:
        client.post("/login", json=...)
    traffic.diagram(title="Log in", alt="The client posts credentials; the API answers 200 with tokens")

A picture is evidence, not decoration: a sequence diagram shows the exchanges the ``httpx``
clients (sync and async, in any thread) really made inside the ``with`` block, in the order they
started, and nothing else. Tokens appear by label ("access #1", in the order they first appear),
servers by the names given (unnamed ones as "server 1", ...), never raw tokens, ports or times.

Each picture (a :class:`Picture`) shows in Jupyter as SVG, with a PNG twin for JupyterLab's
untrusted notebooks (JupyterLab renders SVG only in trusted outputs; a freshly cloned notebook
is untrusted, PNG is always shown) and a text form. Strict nbval compares the ``text/plain``
form and the SVG, both byte-for-byte deterministic (no ids, no ports, no times, no randomness);
it never compares PNG (nbval skips ``image/png``), so the PNG's rasteriser cannot break a test.
"""

from __future__ import annotations

from ._anatomy import token_anatomy
from ._drawing import Picture
from ._timeline import Timeline
from ._traffic import Exchange, Traffic

__all__ = ["Exchange", "Picture", "Timeline", "Traffic", "token_anatomy"]

for _public in (Exchange, Picture, Timeline, Traffic, token_anatomy):
    _public.__module__ = __name__  # documented, pickled and shown as jwt_course.pictures.*
