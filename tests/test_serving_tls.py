"""jwt_course.serve over TLS: ssl_certfile/ssl_keyfile give an https:// server."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import tempfile
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI

from jwt_course import serve


def write_certificate(folder: Path) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(certfile), str(keyfile)


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def test_tls_server_has_an_https_url_and_answers_a_client_that_trusts_it() -> None:
    with tempfile.TemporaryDirectory() as folder:
        certfile, keyfile = write_certificate(Path(folder))
        trust = ssl.create_default_context(cafile=certfile)
        with serve(make_app(), ssl_certfile=certfile, ssl_keyfile=keyfile) as server:
            assert server.url.startswith("https://127.0.0.1:") and server.tls
            assert httpx.get(f"{server.url}/health", verify=trust).json() == {"status": "ok"}
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"{server.url}/health")  # the system's CAs do not know our certificate
        assert not server.running


def test_plain_servers_are_unchanged() -> None:
    with serve(make_app()) as server:
        assert server.url.startswith("http://") and not server.tls


def test_a_keyfile_without_a_certfile_is_refused() -> None:
    with pytest.raises(ValueError, match="ssl_certfile"):
        serve(make_app(), ssl_keyfile="key.pem")
