"""Helpers for tests about credentials and the network: an AWS-free environment, and a loopback
stand-in for the EC2 instance-metadata service that counts every probe botocore makes."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Variables through which botocore could find credentials or configuration.
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
)


def without_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials in the environment; shared files that do not exist."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "missing-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "missing-config"))
    monkeypatch.setenv("BOTO_CONFIG", str(tmp_path / "missing-boto-config"))


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str]

    def _answer(self) -> None:
        self.hits.append(f"{self.command} {self.path}")
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = _answer

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def metadata_listener(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Point botocore's instance-metadata endpoint at a loopback server (never the real
    169.254.169.254) and yield the list of requests it received. The probe switch is unset."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    monkeypatch.setenv(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}/"
    )
    try:
        yield hits
    finally:
        server.shutdown()
        server.server_close()
