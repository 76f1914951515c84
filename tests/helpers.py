"""Small helpers the behaviour tests share."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

# botocore retries ThrottlingException with backoff. One attempt in total: no retry at all
# (``max_attempts`` would count retries only, so 1 would still retry once).
T = TypeVar("T")

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})

# The transport faults fake.inject_fault plays: the exception botocore raises for each, or the
# bare status a load balancer answers. botocore ships no types: its exception classes are
# declared here for what they are.
RAISED_FAULTS: dict[str, type[Exception]] = {
    "connection-error": EndpointConnectionError,
    "connect-timeout": ConnectTimeoutError,
    "read-timeout": ReadTimeoutError,
    "connection-closed": ConnectionClosedError,
}
ANSWERED_FAULTS = {"http-502": 502, "http-503": 503, "http-504": 504}
FAULT_KINDS = [*RAISED_FAULTS, *ANSWERED_FAULTS]
# Attempts in all, as botocore documents them: legacy 5 by default, standard 3.
RETRY_MODES = {"legacy": 5, "standard": 3}


def remote(
    endpoint_url: str, key: str = "111122223333", region: str = "us-west-2", **config: Any
) -> Any:
    """A plain boto3 client of a served fake's endpoint, as another process would make it: static
    keys (a 12-digit key id is the account), no retries unless ``config`` says otherwise."""
    return boto3.client(
        "ivschat",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key="secret",
        config=Config(**config) if config else NO_RETRY,
    )


def body(response: dict[str, Any]) -> dict[str, Any]:
    """A response without its ResponseMetadata."""
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def error(call: Any, **kwargs: Any) -> dict[str, Any]:
    """The ClientError response of ``call(**kwargs)``, which must fail."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response: dict[str, Any] = info.value.response
    return response


def within(seconds: float, call: Callable[[], T]) -> T:
    """``call()`` in a daemon thread, its result or exception passed on; AssertionError if it is
    still blocked after ``seconds`` (so that a regression fails instead of hanging the suite)."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:
            outcome.append((False, exc))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise AssertionError(f"still blocked after {seconds} s")
    ok, value = outcome[0]
    if not ok:
        raise value
    result: T = value
    return result


def authorization_of(client: Any) -> list[str]:
    """The Authorization header of each request ``client`` signs from now on ("(unsigned)" for
    one it does not sign)."""
    seen: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        value = request.headers.get("Authorization")
        seen.append(value.decode() if isinstance(value, bytes) else value or "(unsigned)")

    # Registered after the client's signer, so it sees the signed request.
    client.meta.events.register(f"request-created.{client.meta.service_model.service_id}", capture)
    return seen


def credentials_that_must_not_be_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Real-looking keys in the environment, and a config whose credential process does not
    exist: a call that consults them fails or signs with them."""
    config = tmp_path / "config"
    config.write_text("[default]\ncredential_process = /nonexistent/credential-helper\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEYFROMENV00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")


def import_this_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Child processes (a pytester subprocess, its xdist workers) import this checkout's package,
    however (or wherever) it is installed."""
    paths = [str(Path(__file__).resolve().parents[1]), os.getenv("PYTHONPATH")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path for path in paths if path))


@contextmanager
def collector_off() -> Iterator[None]:
    """The garbage collector off: what the block frees, reference counting freed."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
