"""The ``jwt-course`` command as a learner runs it.

Most tests call the command's entry point in this process (``tests/cli_runner.py``: its own stdin,
stdout, stderr and exit status, as a subprocess would give them); what needs a real process runs
``python -m jwt_course`` (``run_subprocess``): each subcommand's ``--help``, the console script,
stdin through a pipe, a token verified end to end, and ``serve`` (ports, signals).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import httpx
import jwt
import nbformat
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI

from jwt_course import serve
from jwt_course.tooling.notebooks import make_exercise

from cli_runner import run_in_process, without_jupyterlab

SECRET = "jwt-course-cli-test-secret-0123456789abcdef"  # 42 bytes: no short-key warning
NOW = 1_700_000_060  # 2023-11-14T22:14:20Z
IAT, EXP = NOW - 60, NOW + 840  # issued 1 min ago, expires in 14 min
NO_PROXY = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
ENV = {**os.environ, **NO_PROXY}


def _checked(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert "Traceback" not in result.stderr, result.stderr
    assert SECRET not in result.stdout + result.stderr, "the key was printed"
    return result


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``jwt-course ARGS`` in this process (tests/cli_runner.py)."""
    return _checked(run_in_process(args, stdin=stdin, env=NO_PROXY, text=True))


def run_subprocess(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m jwt_course ARGS`` in a real process."""
    result = subprocess.run(
        [sys.executable, "-m", "jwt_course", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
    )
    return _checked(result)


def make_token(claims: dict | None = None, key: str | bytes = SECRET, alg: str = "HS256", **headers: str) -> str:
    claims = {"sub": "alice", "iat": IAT, "exp": EXP} if claims is None else claims
    return jwt.encode(claims, key, algorithm=alg, headers=headers or None)


def unsigned_token(header: dict, payload: dict) -> str:
    b64 = lambda part: jwt.utils.base64url_encode(json.dumps(part).encode()).decode()  # noqa: E731
    return f"{b64(header)}.{b64(payload)}."


def decode_json(token: str) -> dict:
    result = run("decode", token, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- the command itself ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["decode", "verify", "serve", "doctor", "progress"])
def test_every_subcommand_has_help(command):
    # doctor and progress run as a real process here only (doctor's other tests would start
    # JupyterLab, progress's start kernels): decode, verify and serve have their own below
    result = (run if command in {"decode", "verify", "serve"} else run_subprocess)(command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: jwt-course {command}")


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "jwt-course"
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert all(name in result.stdout for name in ("decode", "verify", "serve", "doctor", "progress"))


def test_bad_usage_is_one_error_line_and_exit_2():
    result = run("decode", "--no-such-option", "x.y.z")
    assert result.returncode == 2
    assert result.stderr.startswith("error: unrecognized arguments: --no-such-option")
    assert result.stderr.count("\n") == 1


# -- decode -----------------------------------------------------------------------------


def test_decode_shows_header_payload_and_times_and_says_it_did_not_verify():
    result = run("decode", make_token(), "--now", str(NOW))
    assert result.returncode == 0
    assert result.stdout.startswith("signature NOT verified")
    assert '"sub": "alice"' in result.stdout and '"alg": "HS256"' in result.stdout
    assert "iat        2023-11-14T22:13:20Z  issued 1 min ago" in result.stdout
    assert "exp        2023-11-14T22:28:20Z  expires in 14 min" in result.stdout


def test_decode_says_how_long_ago_a_token_expired_and_when_it_becomes_valid():
    claims = {"nbf": NOW + 300, "exp": NOW - 3 * 86400, "auth_time": NOW - 7200}
    out = run("decode", make_token(claims), "--now", str(NOW)).stdout
    assert "not valid for another 5 min" in out
    assert "expired 3 days ago" in out
    assert "user authenticated 2 h ago" in out


def test_decode_reads_a_pasted_bearer_header_from_stdin():
    result = run_subprocess("decode", "-", "--json", stdin=f"Bearer {make_token()}\n")
    assert result.returncode == 0
    assert json.loads(result.stdout)["payload"]["sub"] == "alice"


def test_decode_json_has_header_payload_and_warnings():
    out = decode_json(make_token())
    assert set(out) == {"header", "payload", "warnings"}
    assert out["header"] == {"alg": "HS256", "typ": "JWT"}
    assert out["payload"] == {"sub": "alice", "iat": IAT, "exp": EXP}


def test_decode_warns_about_alg_none_missing_exp_and_missing_typ():
    found = "\n".join(decode_json(unsigned_token({"alg": "none"}, {"sub": "mallory"}))["warnings"])
    assert "alg is 'none'" in found
    assert "no exp claim" in found
    assert "no typ in the header" in found


def test_decode_warns_about_hmac_long_lifetime_and_sensitive_claims():
    claims = {
        "iat": IAT,
        "exp": IAT + 7 * 86400,
        "password": "hunter2",
        "profile": {"ssn": "078-05-1120"},
    }
    warnings_ = decode_json(make_token(claims))["warnings"]
    assert any(w.startswith("alg HS256 is a shared secret") for w in warnings_)
    assert any(w.startswith("long lifetime: 7 days") for w in warnings_)
    assert any("'password' looks sensitive" in w for w in warnings_)
    assert any("'profile.ssn' looks sensitive" in w for w in warnings_)


def test_decode_does_not_flag_ordinary_claims():
    claims = {"sub": "alice", "iat": IAT, "exp": EXP, "token_use": "access", "scope": "read"}
    assert decode_json(make_token(claims, typ="at+jwt"))["warnings"] == [
        "alg HS256 is a shared secret: everyone who can verify this token can also mint new ones"
    ]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("only.two", "expected 3 dot-separated parts"),
        ("aGVsbG8.e30.sig", "header"),
        (
            unsigned_token({"alg": "HS256"}, {}).replace(".e30.", ".bm90IGpzb24.") + "sig",
            "payload is not JSON",
        ),
    ],
    ids=["two-parts", "header-not-json", "payload-not-json"],
)
def test_malformed_token_is_not_a_jwt_exit_2(token, reason):
    result = run("decode", token)
    assert result.returncode == 2
    assert result.stderr.startswith("error: not a JWT: ")
    assert reason in result.stderr


# -- verify -----------------------------------------------------------------------------


def test_verify_prints_the_claims_of_a_valid_token():
    result = run_subprocess("verify", make_token(), "--key", SECRET, "--alg", "HS256", "--now", str(NOW))
    assert result.returncode == 0, result.stdout
    first, _, rest = result.stdout.partition("\n")
    assert first == "valid: HS256 signature verified; claims checked: exp, iat"
    assert json.loads(rest) == {"sub": "alice", "iat": IAT, "exp": EXP}


def test_verify_expired_token_exits_1_with_pyjwts_reason_and_the_same_one_without_now():
    token = make_token({"sub": "alice", "exp": NOW - 10})
    with_now = run("verify", token, "--key", SECRET, "--alg", "HS256", "--now", str(NOW))
    wall_clock = run("verify", token, "--key", SECRET, "--alg", "HS256")
    assert with_now.returncode == wall_clock.returncode == 1
    reason = "invalid: ExpiredSignatureError: Signature has expired\n"
    assert with_now.stdout.startswith(reason) and wall_clock.stdout.startswith(reason)
    assert "hint: exp is 2023-11-14T22:14:10Z, expired 10 s ago" in with_now.stdout


def test_verify_leeway_accepts_a_token_just_expired():
    token = make_token({"sub": "alice", "exp": NOW - 10})
    assert run("verify", token, "--key", SECRET, "--alg", "HS256", "--now", str(NOW), "--leeway", "30").returncode == 0


def test_verify_wrong_secret_is_an_invalid_signature():
    result = run("verify", make_token(), "--key", "another-secret-of-more-than-32-bytes!!", "--alg", "HS256")
    assert result.returncode == 1
    assert result.stdout.startswith("invalid: InvalidSignatureError: Signature verification failed")


def test_verify_refuses_an_algorithm_it_was_not_told_to_accept():
    result = run("verify", make_token(), "--key", SECRET, "--alg", "HS512", "--now", str(NOW))
    assert result.returncode == 1
    assert result.stdout.startswith("invalid: InvalidAlgorithmError: The specified alg value is not allowed")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "the following arguments are required: --alg"),
        (["--alg", "none"], "--alg none would accept unsigned tokens"),
        (["--alg", "HS256", "--alg", "RS256"], "do not mix HS* with public-key algorithms"),
    ],
    ids=["no-alg", "alg-none", "mixed"],
)
def test_verify_needs_explicit_safe_algorithms(args, message):
    result = run("verify", make_token(), "--key", SECRET, *args)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr


def test_verify_checks_audience_and_issuer():
    token = make_token({"sub": "alice", "exp": EXP, "aud": "orders-api", "iss": "https://auth.example"})
    base = ["verify", token, "--key", SECRET, "--alg", "HS256", "--now", str(NOW)]
    wrong_aud = run(*base, "--aud", "billing-api", "--iss", "https://auth.example")
    assert wrong_aud.returncode == 1
    assert wrong_aud.stdout.startswith("invalid: InvalidAudienceError: Audience doesn't match")
    right = run(*base, "--aud", "orders-api", "--iss", "https://auth.example")
    assert right.returncode == 0
    assert right.stdout.startswith("valid: HS256 signature verified; claims checked: exp, aud, iss")


def test_verify_secret_file_ignores_the_trailing_newline(tmp_path):
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    result = run(
        "verify",
        make_token(),
        "--key-file",
        str(tmp_path / "secret.txt"),
        "--alg",
        "HS256",
        "--now",
        str(NOW),
    )
    assert result.returncode == 0, result.stdout


def test_verify_short_secret_warns_in_one_line_without_paths():
    with warnings.catch_warnings():  # the point of the test: a 5-byte secret
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        token = make_token(key="short")
    result = run("verify", token, "--key", "short", "--alg", "HS256", "--now", str(NOW))
    assert result.returncode == 0
    assert result.stderr.startswith("warning: The HMAC key is 5 bytes long")
    assert result.stderr.count("\n") == 1 and "site-packages" not in result.stderr


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_verify_with_a_pem_public_key_file(tmp_path, ec_key):
    pem = ec_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "public.pem").write_bytes(pem)
    token = make_token(key=ec_key, alg="ES256")
    key_file = str(tmp_path / "public.pem")
    result = run("verify", token, "--key-file", key_file, "--alg", "ES256", "--now", str(NOW))
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("valid: ES256 signature verified")


def test_verify_never_uses_a_public_key_as_an_hmac_secret(tmp_path, ec_key):
    pem = ec_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "public.pem").write_bytes(pem)
    # The key-confusion attack: an HS256 token "signed" with the public key's PEM text,
    # made by hand since PyJWT refuses to sign with it too.
    header_payload = unsigned_token({"alg": "HS256", "typ": "JWT"}, {"sub": "admin"}).rstrip(".")
    mac = hmac.new(pem, header_payload.encode(), hashlib.sha256).digest()
    signature = jwt.utils.base64url_encode(mac).decode()
    result = run(
        "verify",
        f"{header_payload}.{signature}",
        "--key-file",
        str(tmp_path / "public.pem"),
        "--alg",
        "HS256",
    )
    assert result.returncode == 1
    assert result.stdout.startswith("invalid: InvalidKeyError: ")


def test_verify_with_a_jwks_url(ec_key):
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key(), as_dict=True)
    jwk |= {"kid": "k1", "alg": "ES256"}
    app = FastAPI()

    @app.get("/.well-known/jwks.json")
    def jwks() -> dict:
        return {"keys": [jwk]}

    signed_k1 = make_token(key=ec_key, alg="ES256", kid="k1")
    signed_k2 = make_token(key=ec_key, alg="ES256", kid="k2")
    with serve(app) as server:
        url = f"{server.url}/.well-known/jwks.json"
        good = run("verify", signed_k1, "--jwks-url", url, "--alg", "ES256", "--now", str(NOW))
        unknown = run("verify", signed_k2, "--jwks-url", url, "--alg", "ES256")
    assert good.returncode == 0, good.stdout
    assert json.loads(good.stdout.partition("\n")[2])["sub"] == "alice"
    assert unknown.returncode == 1
    assert unknown.stdout.startswith('invalid: PyJWKClientError: Unable to find a signing key that matches: "k2"')


def test_verify_unreadable_key_file_is_a_usage_error(tmp_path):
    result = run("verify", make_token(), "--key-file", str(tmp_path / "missing.pem"), "--alg", "HS256")
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot read key file") and "No such file" in result.stderr


# -- serve ------------------------------------------------------------------------------


def test_serve_refuses_a_public_host_without_public():
    result = run("serve", "--host", "0.0.0.0")
    assert result.returncode == 2
    assert result.stderr.startswith("error: refusing to listen on 0.0.0.0") and "--public" in result.stderr


def _lines(stream) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_serve_runs_the_demo_api_and_stops_cleanly_on_sigterm():
    secret = "a-workshop-secret-that-must-never-be-printed-0123"
    proc = subprocess.Popen(
        [sys.executable, "-m", "jwt_course", "serve", "--port", "0", "--access-ttl", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, "JWT_COURSE_SECRET_KEY": secret},
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        stdout = _lines(proc.stdout)
        printed: list[str] = []
        while not printed or not printed[-1].startswith("Press Ctrl+C"):
            printed.append(stdout.get(timeout=20))
        found = re.search(r"url +(http://127\.0\.0\.1:\d+)", "".join(printed))
        assert found, printed
        url = found.group(1)
        with httpx.Client(base_url=url, trust_env=False, timeout=10) as client:
            login = client.post("/login", json={"username": "alice", "password": "wonderland"})
            me = client.get("/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
    assert me.status_code == 200 and me.json()["username"] == "alice"
    printed += list(stdout.queue)
    text = "".join(printed) + proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert "secret       from JWT_COURSE_SECRET_KEY (not shown)" in text
    assert "access TTL   60 s (1 min)" in text and "alice / wonderland (user)" in text
    assert secret not in text and "Traceback" not in text
    assert "stopped (SIGTERM)" in text


def test_serve_with_rs256_publishes_its_public_key_and_prints_no_secret():
    proc = subprocess.Popen(
        [sys.executable, "-m", "jwt_course", "serve", "--port", "0", "--algorithm", "RS256"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        stdout = _lines(proc.stdout)
        printed: list[str] = []
        while not printed or not printed[-1].startswith("Press Ctrl+C"):
            printed.append(stdout.get(timeout=20))
        found = re.search(r"url +(http://127\.0\.0\.1:\d+)", "".join(printed))
        assert found, printed
        url = found.group(1)
        with httpx.Client(base_url=url, trust_env=False, timeout=10) as client:
            token = client.post("/login", json={"username": "bob", "password": "builder"}).json()
            jwks = client.get("/.well-known/jwks.json").json()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    text = "".join(printed)
    assert "algorithm    RS256" in text and "/.well-known/jwks.json" in text and "secret " not in text
    header = jwt.get_unverified_header(token["access_token"])
    assert header["alg"] == "RS256" and header["kid"] == jwks["keys"][0]["kid"]


def test_serve_reports_an_unreadable_private_key_file():
    result = run("serve", "--port", "0", "--algorithm", "ES256", "--private-key-file", "/nonexistent/key.pem")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: cannot read --private-key-file: No such file or directory"


# -- doctor -----------------------------------------------------------------------------


def test_doctor_passes_on_this_machine(monkeypatch):
    without_jupyterlab(monkeypatch)  # tests/test_workshop_serve.py starts it for real
    result = run("doctor")
    assert result.returncode == 0, result.stdout
    checks = result.stdout.split("\n\n")[0].splitlines()
    assert len(checks) >= 12 and all(line.startswith("ok    ") for line in checks)
    assert "a loopback HTTP round trip" in result.stdout


def test_doctor_reports_each_failure_with_a_fix(tmp_path, monkeypatch):
    without_jupyterlab(monkeypatch)
    result = run("doctor", "--course-dir", str(tmp_path / "not-a-course"))
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert [line.split("  -> fix: ")[0] for line in failed] == [
        "FAIL  write access to the course folder",
        "FAIL  notebooks/ holds the lessons",
    ]
    assert all("  -> fix: " in line for line in failed)


# -- progress ---------------------------------------------------------------------------


def _warm_up_exercise() -> nbformat.NotebookNode:
    solution = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("from jwt_course.checks.ch00 import q0"),
            nbformat.v4.new_code_cell(
                "def split_token(token):\n    # BEGIN SOLUTION\n    return tuple(token.split('.'))\n"
                "    # END SOLUTION\n\nq0.check()"
            ),
        ]
    )
    return make_exercise(solution)


def test_progress_counts_solved_exercises_per_chapter(tmp_path):
    solved = _warm_up_exercise()
    solved.cells[1].source = solved.cells[1].source.replace(
        "...  # your code here",
        "header, payload, signature = token.split('.')\n    return header, payload, signature",
    )
    solved.cells.append(nbformat.v4.new_code_cell("raise ValueError('a learner experiment')"))
    nbformat.write(solved, tmp_path / "00_warm_up.ipynb")
    nbformat.write(_warm_up_exercise(), tmp_path / "01_untouched.ipynb")

    result = run("progress", "--exercises", str(tmp_path))
    assert result.stdout.splitlines() == [
        "00 warm_up    1/1 solved",
        "   ! code cell 3 raised ValueError: a learner experiment",
        "01 untouched  0/1 solved   not solved yet: q0",
        "total         1/2 solved",
    ]
    assert result.returncode == 1  # a notebook raised
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00_warm_up.ipynb", "01_untouched.ipynb"]


def test_progress_for_a_chapter_that_is_not_there_is_a_usage_error(tmp_path):
    nbformat.write(_warm_up_exercise(), tmp_path / "01_untouched.ipynb")
    result = run("progress", "--exercises", str(tmp_path), "--chapter", "7")
    assert result.returncode == 2
    assert result.stderr.startswith("error: no exercise notebook for chapter 07")


def test_progress_ignores_a_lesson_demonstrating_a_wrong_answer(tmp_path):
    # a cell that calls q0.check(wrong) shows a verdict; only q0.check() is the learner's
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from jwt_course.checks.ch00 import q0\ndef split_token(t):\n    ...\nq0.check()"),
        nbformat.v4.new_code_cell("q0.check(lambda t: tuple(t.split('.')))"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "00_demo.ipynb")
    result = run("progress", "--exercises", str(tmp_path))
    assert "0/1 solved" in result.stdout
    assert "not solved yet: q0" in result.stdout
