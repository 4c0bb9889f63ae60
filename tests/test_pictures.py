"""Pictures: drawn only from what really happened, deterministic, with alt text, safe to embed."""

from __future__ import annotations

import asyncio
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import nbformat
import pytest

from jwt_course import pictures, serve
from jwt_course.pictures import Picture, Timeline, Traffic, token_anatomy
from jwt_course.server import Settings, create_app

SVG = "{http://www.w3.org/2000/svg}"
SECRET = "pictures-test-secret-0123456789abcdef"
ALICE = {"username": "alice", "password": "wonderland"}


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serve(create_app(Settings(secret_key=SECRET))) as server:
        yield server.url


def _texts(picture: Picture) -> list[str]:
    root = ET.fromstring(picture.svg)
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def _login(client: httpx.Client) -> dict[str, str]:
    return client.post("/login", json=ALICE).json()


# ---------------------------------------------------------------------------- what is recorded


def test_traffic_records_each_request_with_its_real_status(api):
    with httpx.Client(base_url=api) as client, Traffic(names={api: "API"}) as traffic:
        tokens = _login(client)
        client.get("/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        client.get("/admin", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert [(e.method, e.path, e.status) for e in traffic.exchanges] == [
        ("POST", "/login", 200), ("GET", "/me", 200), ("GET", "/admin", 403),
    ]  # fmt: skip
    assert {e.server for e in traffic.exchanges} == {"API"}


def test_tokens_are_labelled_by_role_and_order_never_shown_raw(api):
    with httpx.Client(base_url=api) as client, Traffic(names={api: "API"}) as traffic:
        tokens = _login(client)
        client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
        client.get("/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    login, refresh, me = traffic.exchanges
    assert login.received == ("body: access #1, refresh #1",)
    assert refresh.sent == ("body: refresh #1",) and refresh.received == ("body: access #2, refresh #2",)
    assert me.sent == ("Bearer access #1",)
    picture = traffic.diagram(title="flow", alt="login, refresh, me")
    for raw in (tokens["access_token"], tokens["refresh_token"]):
        assert raw not in picture.svg and raw not in picture.text
        assert raw.split(".")[2] not in picture.svg


def test_a_request_that_did_not_happen_does_not_appear(api):
    with httpx.Client(base_url=api) as client:
        client.get("/me")  # before the block: not recorded
        with Traffic(names={api: "API"}) as traffic:
            client.post("/login", json=ALICE)
        client.get("/admin")  # after the block: not recorded
    assert [e.path for e in traffic.exchanges] == ["/login"]
    texts = " ".join(_texts(traffic.diagram(title="t", alt="one login")))
    assert "/login" in texts and "/me" not in texts and "/admin" not in texts


def test_a_failed_connection_is_shown_as_no_response():
    with socket_that_refuses() as url, Traffic(names={url: "gone"}) as traffic:
        with pytest.raises(httpx.ConnectError):
            httpx.get(url + "/me")
    (exchange,) = traffic.exchanges
    assert exchange.status is None and exchange.outcome == "no response: ConnectError"


class socket_that_refuses:
    """A loopback URL on which nothing listens (a port just released)."""

    def __enter__(self) -> str:
        import socket

        with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        return None


def test_async_clients_are_recorded(api):
    async def run() -> None:
        async with httpx.AsyncClient(base_url=api) as client:
            await client.post("/login", json=ALICE)
            await client.get("/me")

    with Traffic(names={api: "API"}) as traffic:
        asyncio.run(run())
    assert [(e.path, e.status) for e in traffic.exchanges] == [("/login", 200), ("/me", 401)]


def test_requests_from_threads_are_all_recorded(api):
    def work() -> None:
        with httpx.Client(base_url=api) as client:
            for _ in range(5):
                client.get("/me")

    with Traffic(names={api: "API"}) as traffic:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(traffic.exchanges) == 20
    assert all(e.status == 401 for e in traffic.exchanges)


def test_httpx_is_restored_after_the_block():
    original = httpx.Client.__dict__["_send_single_request"]
    with Traffic():
        with Traffic():
            assert httpx.Client.__dict__["_send_single_request"] is not original
    assert httpx.Client.__dict__["_send_single_request"] is original


def test_unnamed_servers_and_clients_get_neutral_names_without_ports(api):
    with httpx.Client(base_url=api) as alice, httpx.Client(base_url=api) as mallory:
        with Traffic(names={mallory: "Mallory"}) as traffic:
            alice.get("/me")
            mallory.get("/me")
    assert [(e.client, e.server) for e in traffic.exchanges] == [("client", "server 1"), ("Mallory", "server 1")]
    port = api.rsplit(":", 1)[1]
    assert port not in traffic.diagram(title="t", alt="a").svg


def test_a_token_can_be_given_its_own_label(api):
    forged = jwt.encode({"sub": "bob"}, "x" * 32, headers={"typ": "at+jwt"})
    with httpx.Client(base_url=api) as client, Traffic(tokens={forged: "forged"}) as traffic:
        client.get("/me", headers={"Authorization": f"Bearer {forged}"})
    assert traffic.exchanges[0].sent == ("Bearer forged",)


def test_an_empty_block_says_so():
    with Traffic() as traffic:
        pass
    assert "no HTTP request was made" in traffic.diagram(title="nothing", alt="no requests").text


# ---------------------------------------------------------------------------- the picture


def _same_cell(api: str) -> Picture:
    with httpx.Client(base_url=api) as client, Traffic(names={api: "API"}) as traffic:
        tokens = _login(client)
        client.get("/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    return traffic.diagram(title="Bearer", alt="login then /me")


def test_the_same_cell_gives_the_same_bytes(api):
    first, second = _same_cell(api), _same_cell(api)
    assert first.svg == second.svg and first.text == second.text


def test_the_svg_has_no_ids_scripts_or_styles(api):
    svg = _same_cell(api).svg
    root = ET.fromstring(svg)
    assert not [e for e in root.iter() if "id" in e.attrib]
    assert not [e for e in root.iter() if e.tag in (f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject")]
    assert "href" not in svg


def test_alt_text_is_the_svg_title_and_aria_label():
    timeline = Timeline()
    timeline.event("auth", "key published", at=0)
    picture = timeline.diagram(title="Rotation", alt="The auth service publishes a key at 0 s")
    root = ET.fromstring(picture.svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == picture.alt == "The auth service publishes a key at 0 s"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == picture.alt


def test_a_picture_needs_alt_text():
    timeline = Timeline()
    timeline.event("a", "b", at=0)
    with pytest.raises(ValueError, match="alt text"):
        timeline.diagram(title="t", alt=" ")


def test_hostile_text_is_escaped():
    hostile = '<script>alert(1)</script> & "quotes" \x00'
    timeline = Timeline()
    timeline.event(hostile, hostile, at=0)
    picture = timeline.diagram(title=hostile, alt=hostile)
    root = ET.fromstring(picture.svg)  # still well-formed XML
    assert "<script>" not in picture.svg
    assert not list(root.iter(f"{SVG}script"))
    assert any("<script>alert(1)</script> &" in text for text in _texts(picture))


def test_jupyter_gets_svg_png_and_text():
    timeline = Timeline()
    timeline.span("refresh", "in flight", start=0, end=2)
    data, metadata = timeline.diagram(title="t", alt="a")._repr_mimebundle_()
    assert set(data) == {"image/svg+xml", "image/png", "text/plain"}
    assert data["text/plain"] == "t\nrefresh: in flight from 0 to 2 s"
    assert metadata["image/png"]["width"] > 0


# ---------------------------------------------------------------------------- token anatomy


def test_token_anatomy_shows_each_part_decoded_and_what_is_signed():
    token = jwt.encode({"sub": "alice", "role": "user"}, "k" * 32, algorithm="HS256")
    picture = token_anatomy(token, alt="the three parts")
    header, payload, signature = token.split(".")
    assert f'header      {len(header)} chars  {{"alg":"HS256","typ":"JWT"}}' in picture.text
    assert '{"sub":"alice","role":"user"}' in picture.text
    assert "32 bytes: HMAC-SHA256 with the shared secret" in picture.text
    assert f"({len(header) + 1 + len(payload)} bytes)" in picture.text
    texts = _texts(picture)
    assert header in "".join(texts) and signature in "".join(texts)


def test_token_anatomy_colours_the_parts_differently():
    token = jwt.encode({"sub": "a"}, "k" * 32)
    root = ET.fromstring(token_anatomy(token, alt="a").svg)
    colour = {e.text: e.get("fill") for e in root.iter(f"{SVG}text")}
    header, payload, signature = token.split(".")
    assert len({colour[header], colour[payload], colour[signature]}) == 3


def test_token_anatomy_names_alg_none():
    token = jwt.encode({"sub": "a"}, "", algorithm="none")
    assert "no signature at all" in token_anatomy(token, alt="unsigned").text


def test_token_anatomy_refuses_what_is_not_three_parts():
    with pytest.raises(jwt.DecodeError, match="3 parts"):
        token_anatomy("not.a-token", alt="a")


def test_token_anatomy_shows_a_part_that_does_not_decode():
    assert "not valid base64url" in token_anatomy("eyJ!.e30.", alt="broken").text


# ---------------------------------------------------------------------------- timeline


def test_timeline_lists_events_in_time_order():
    timeline = Timeline(unit="s")
    timeline.span("client", "refresh in flight", start=1, end=3)
    timeline.event("server", "old token revoked", at=0.5)
    assert timeline.diagram(title="race", alt="a").text.splitlines()[1:] == [
        "server: old token revoked at 0.5 s",
        "client: refresh in flight from 1 to 3 s",
    ]


def test_timeline_refuses_a_span_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="ends before it starts"):
        Timeline().span("a", "b", start=2, end=1)


def test_timeline_refuses_infinite_times():
    with pytest.raises(ValueError, match="finite"):
        Timeline().event("a", "b", at=float("nan"))


def test_an_empty_timeline_is_an_error():
    with pytest.raises(ValueError, match="nothing recorded"):
        Timeline().diagram(title="t", alt="a")


def test_public_names():
    assert set(pictures.__all__) == {"Exchange", "Picture", "Timeline", "Traffic", "token_anatomy"}


def test_long_labels_wrap_and_are_never_cut(api):
    with httpx.Client(base_url=api) as alice, httpx.Client(base_url=api) as mallory:
        with Traffic(names={alice: "Alice's app", mallory: "Mallory", api: "auth server"}) as traffic:
            tokens = _login(alice)
            mallory.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
            mallory.get("/me", headers={"Authorization": "Bearer " + tokens["access_token"][:-4] + "AAAA"})
    picture = traffic.diagram(title="Mallory", alt="Mallory replays and forges")
    drawn = "".join("".join(_texts(picture)).split())
    assert "…" not in drawn
    for exchange in traffic.exchanges:
        for item in (exchange.outcome, *exchange.sent, *exchange.received):
            assert "".join(item.split()) in drawn, item
    assert picture.width <= 1100


def test_a_token_in_the_path_is_shown_by_its_label(api):
    token = jwt.encode({"sub": "a"}, "x" * 32, headers={"typ": "at+jwt"})
    with httpx.Client(base_url=api) as client, Traffic() as traffic:
        client.get(f"/tokens/{token}")
    assert traffic.exchanges[0].path == "/tokens/<access #1>"
    assert token not in traffic.diagram(title="t", alt="a").svg


def test_cookies_are_labelled_not_shown(api):
    with httpx.Client(base_url=api, cookies={"session": "s3cr3t-session-id"}) as client, Traffic() as traffic:
        client.get("/me")
    assert traffic.exchanges[0].sent == ("cookie session #1",)
    assert "s3cr3t" not in traffic.diagram(title="t", alt="a").svg


def test_hostile_names_and_paths_are_escaped_in_a_sequence_diagram(api):
    with httpx.Client(base_url=api) as client, Traffic(names={api: "<script>x</script> & co"}) as traffic:
        client.get("/<img src=x onerror=alert(1)>")
    picture = traffic.diagram(title="<b>&amp;", alt="<hostile> & alt")
    root = ET.fromstring(picture.svg)
    assert not [e for e in root.iter() if e.tag != f"{SVG}svg" and not e.tag.startswith(SVG)]
    texts = _texts(picture)
    assert "<script>x</script> & co" in texts and "<b>&amp;" in texts
    assert any("<img src=x onerror=alert(1)>" in text for text in texts)


# ---------------------------------------------------------------------------- in the lessons

CHAPTERS = sorted(p for p in (Path(__file__).parent.parent / "notebooks").glob("0[1-8]_*.ipynb"))


def _pictures_in(path: Path) -> list[dict]:
    nb = nbformat.read(path, as_version=4)
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if 'role="img"' in data.get("image/svg+xml", ""):
                found.append(data)
    return found


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_every_chapter_shows_a_picture_with_alt_text_a_png_twin_and_a_text_form(path):
    pictures_here = _pictures_in(path)
    assert pictures_here, f"{path.name} shows no jwt_course.pictures picture (issue 15: one per chapter 01-08)"
    for data in pictures_here:
        root = ET.fromstring(data["image/svg+xml"])
        assert (root.get("aria-label") or "").strip(), f"{path.name}: a picture without alt text"
        assert "image/png" in data and data.get("text/plain", "").strip(), f"{path.name}: re-run the notebook"
