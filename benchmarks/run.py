"""The course's performance figures, measured side by side in one process: `make bench`.

Timings are never asserted in tests (machines are noisy); they are measured here and quoted
as medians and ratios. Everything runs on 127.0.0.1.

    serve()       start and stop time
    Nagle         p50 of GET /health with the listening socket made with IPPROTO_TCP vs proto 0
    auth          p50 of GET /me (JWT-protected) vs GET /health on the same server
    validation    per-call cost of a session look-up (dict, SQLite) vs HS256 and RS256 decode
    handmade      jwt_course.handmade.decode vs jwt.decode (HS256)
"""

from __future__ import annotations

import socket
import sqlite3
import statistics
import threading
import time
from typing import Any

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from jwt_course import handmade, serve
from jwt_course.server import Settings, create_app
from jwt_course.timing import median_us

SECRET = b"benchmark-secret-that-is-long-enough-for-hs256!"
ROUNDS = 400


def p50_ms(client: httpx.Client, path: str, headers: dict[str, str] | None = None, n: int = ROUNDS) -> float:
    return median_us(lambda: client.get(path, headers=headers), number=1, repeat=n) / 1e3


def bench_serve() -> None:
    app = FastAPI()
    app.get("/health")(lambda: {"status": "ok"})
    starts, stops = [], []
    for _ in range(15):
        t0 = time.perf_counter()
        server = serve(app)
        t1 = time.perf_counter()
        server.stop()
        starts.append(t1 - t0)
        stops.append(time.perf_counter() - t1)
    print(f"serve() ready   median {statistics.median(starts) * 1e3:7.1f} ms   (budget 1000 ms)")
    print(f"serve() stopped median {statistics.median(stops) * 1e3:7.1f} ms   (budget 1000 ms)")


def bench_nagle() -> None:
    app = FastAPI()
    app.get("/health")(lambda: {"status": "ok"})
    results = {}
    for label, proto in (("IPPROTO_TCP", socket.IPPROTO_TCP), ("proto 0", 0)):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        with httpx.Client(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}") as client:
            client.get("/health")
            results[label] = p50_ms(client, "/health", n=60)
        server.should_exit = True
        thread.join()
        sock.close()
    print(
        f"Nagle           p50 GET /health: IPPROTO_TCP {results['IPPROTO_TCP']:.2f} ms, "
        f"proto 0 {results['proto 0']:.2f} ms ({results['proto 0'] / results['IPPROTO_TCP']:.0f}x)"
    )


def bench_auth_overhead() -> None:
    for label, cache in (("with the verified-token cache", 1024), ("without it", 0)):
        app = create_app(Settings(secret_key=SECRET, verified_token_cache=cache))
        with serve(app) as server, httpx.Client(base_url=server.url) as client:
            token = client.post("/login", json={"username": "alice", "password": "wonderland"}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            for _ in range(50):
                client.get("/health"), client.get("/me", headers=headers)
            health, me = [], []
            for _ in range(5):  # interleaved batches, so drift hits both alike
                health.append(p50_ms(client, "/health", n=ROUNDS // 5))
                me.append(p50_ms(client, "/me", headers, n=ROUNDS // 5))
            h, m = statistics.median(health), statistics.median(me)
            print(f"auth overhead   p50 /health {h:.3f} ms, /me {m:.3f} ms: {(m / h - 1) * 100:+.0f}% ({label})")


def bench_validation() -> None:
    sessions = {f"id{i}": "alice" for i in range(10_000)}
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, username TEXT)")
    db.executemany("INSERT INTO sessions VALUES (?, ?)", sessions.items())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"sub": "alice", "exp": 4_102_444_800}
    hs = jwt.encode(claims, SECRET, algorithm="HS256")
    rs = jwt.encode(claims, rsa_key, algorithm="RS256")
    public = rsa_key.public_key()
    costs = {
        "dict look-up": median_us(lambda: sessions.get("id9999"), 100_000),
        "SQLite look-up": median_us(
            lambda: db.execute("SELECT username FROM sessions WHERE id = ?", ("id9999",)).fetchone(), 5_000
        ),
        "HS256 decode": median_us(lambda: jwt.decode(hs, SECRET, algorithms=["HS256"]), 2_000),
        "RS256 decode": median_us(lambda: jwt.decode(rs, public, algorithms=["RS256"]), 1_000),
    }
    for name, us in costs.items():
        print(f"validation      {name:15} {us:8.2f} us/call")


def bench_handmade() -> None:
    token = jwt.encode({"sub": "alice", "aud": "api", "iss": "auth", "exp": 4_102_444_800}, SECRET)
    kwargs: dict[str, Any] = {"algorithms": ["HS256"], "audience": "api", "issuer": "auth"}
    pyjwt, hand = [], []
    for _ in range(3):  # alternate, so both see the same machine
        pyjwt.append(median_us(lambda: jwt.decode(token, SECRET, **kwargs), 5_000))
        hand.append(median_us(lambda: handmade.decode(token, SECRET, **kwargs), 5_000))
    p, h = statistics.median(pyjwt), statistics.median(hand)
    print(f"handmade        decode HS256 {h:.1f} us/call vs jwt.decode {p:.1f} us/call (ratio {h / p:.2f})")


def main() -> None:
    bench_serve()
    bench_nagle()
    bench_auth_overhead()
    bench_validation()
    bench_handmade()


if __name__ == "__main__":
    main()
