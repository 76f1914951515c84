"""Serving from outside Python's tests: the ``fake_ivschat_server`` fixture, ``python -m
fake_ivschat serve``, and the server staying out of ``import fake_ivschat``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from helpers import import_this_checkout
from unruly_clients import FRAME_BYTES, KERNEL_BYTES, MESSAGE_ID, REASON, Reader, abort, stalled
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parents[1]
FAST = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def python(*args: str, **variables: str) -> subprocess.Popen[str]:
    """This checkout's package in a child process (never the network: no metadata probe)."""
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true", **variables}
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_fixture_serves_the_tests_fake_and_closes_after(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json
        import urllib.request

        import boto3
        from websockets.sync.client import connect

        SERVERS = []

        def test_served(fake_ivschat, fake_ivschat_server):
            client = boto3.client("ivschat", region_name="us-west-2")  # in-process: active fake
            arn = client.create_room()["arn"]
            token = client.create_chat_token(
                roomIdentifier=arn, userId="u", capabilities=["SEND_MESSAGE"]
            )["token"]
            with connect(fake_ivschat_server.chat_url, subprotocols=[token]) as ws:
                ws.send(json.dumps({"Action": "SEND_MESSAGE", "Content": "hi"}))
                assert json.loads(ws.recv(timeout=5))["Content"] == "hi"
            fake_ivschat.assert_message("hi", room=arn)
            url = fake_ivschat_server.endpoint_url + "/_fake/calls"
            calls = json.loads(urllib.request.urlopen(url, timeout=5).read())
            assert [call["operation"] for call in calls] == ["CreateRoom", "CreateChatToken"]
            SERVERS.append(fake_ivschat_server)

        def test_closed_after_its_test():
            assert SERVERS[0].closed
        """
    )
    pytester.runpytest(*FAST).assert_outcomes(passed=2)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_command_line_serves_until_interrupted(signum: signal.Signals) -> None:
    child = python("-m", "fake_ivschat", "serve", "--seed", "5", "--account-id", "210987654321")
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().strip()
        chat = child.stdout.readline().strip()
        assert endpoint.startswith("IVSCHAT_ENDPOINT_URL=http://127.0.0.1:")
        assert chat.startswith("IVSCHAT_CHAT_URL=ws://127.0.0.1:")
        client = boto3.client(
            "ivschat",
            endpoint_url=endpoint.partition("=")[2],
            region_name="us-west-2",
            aws_access_key_id="not-an-account",
            aws_secret_access_key="x",
        )
        arn = client.create_room(name="cli")["arn"]
        assert arn.startswith("arn:aws:ivschat:us-west-2:210987654321:room/")
        token = client.create_chat_token(roomIdentifier=arn, userId="u")["token"]
        with connect(chat.partition("=")[2], subprotocols=[Subprotocol(token)]) as ws:
            child.send_signal(signum)
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=5)
            assert ws.protocol.close_rcvd is not None
            assert ws.protocol.close_rcvd.code == 1001  # a clean close, not a dropped socket
        assert child.wait(timeout=10) == 0
        assert child.stderr is not None and child.stderr.read() == ""
    finally:
        child.kill()
        child.wait()


def _client(endpoint: str) -> Any:
    return boto3.client(
        "ivschat",
        endpoint_url=endpoint,
        region_name="us-west-2",
        aws_access_key_id="not-an-account",
        aws_secret_access_key="x",
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_command_line_exits_within_2_s_with_a_client_that_stopped_reading(
    signum: signal.Signals,
) -> None:
    child = python("-m", "fake_ivschat", "serve")
    paused = None
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().strip().partition("=")[2]
        chat = child.stdout.readline().strip().partition("=")[2]
        client = _client(endpoint)
        arn = client.create_room()["arn"]
        tokens = [
            client.create_chat_token(
                roomIdentifier=arn, userId=user, capabilities=["DELETE_MESSAGE"]
            )["token"]
            for user in ("paused", "moderator")
        ]
        paused = stalled(chat, tokens[0])
        with connect(chat, subprotocols=[Subprotocol(tokens[1])]) as ws:
            reader = Reader(ws)
            request = json.dumps({"Action": "DELETE_MESSAGE", "Id": MESSAGE_ID, "Reason": REASON})
            count = KERNEL_BYTES // FRAME_BYTES  # more than the kernel buffers take
            for _ in range(count):
                ws.send(request)
            for _ in range(1000):  # the server answered them all
                if len(reader.frames) == count:
                    break
                time.sleep(0.01)
            start = time.perf_counter()
            child.send_signal(signum)
            assert child.wait(timeout=15) == 0
            took = time.perf_counter() - start
            assert reader.close_frame() == (1001, "server closed")
        assert took < 2.0
        assert len(reader.frames) == count
        assert child.stderr is not None and child.stderr.read() == ""
    finally:
        child.kill()
        child.wait()
        if paused is not None:
            abort(paused)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_the_command_line_starts_is_a_clean_exit(signum: signal.Signals) -> None:
    # Python reports each import on stderr as it completes: the signal lands while botocore
    # loads, well within the first half second.
    child = python("-m", "fake_ivschat", "serve", PYTHONPROFILEIMPORTTIME="1")
    try:
        assert child.stderr is not None
        for line in child.stderr:
            if "botocore" in line:
                break
        child.send_signal(signum)
        output, errors = child.communicate(timeout=15)
        assert child.returncode == 0, errors[-2000:]
        assert "Traceback" not in errors
        assert output == ""  # never served
    finally:
        child.kill()
        child.wait()


def test_the_command_line_refuses_a_remote_host() -> None:
    child = python("-m", "fake_ivschat", "serve", "--host", "0.0.0.0")
    _, errors = child.communicate(timeout=30)
    assert child.returncode == 2
    assert "host '0.0.0.0' is not a loopback address" in errors


def test_the_fixture_teardown_is_bounded_with_a_client_left_open(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_this_checkout(monkeypatch)
    pytester.makepyfile(
        """
        import inspect
        import time

        import pytest
        from websockets.sync.client import connect

        ENDED = []
        # websockets < 15: no keepalive in its threaded client
        KEEPALIVE = "ping_interval" in inspect.signature(connect).parameters

        def teardown_took_under_2_s():
            if ENDED:
                took = time.perf_counter() - ENDED[-1]
                assert took < 2.0, f"the last teardown took {took:.1f} s"

        @pytest.mark.parametrize("keepalive", [None, 20], ids=["keepalive-off", "keepalive-on"])
        def test_forgets_a_client(fake_ivschat, fake_ivschat_server, keepalive):
            teardown_took_under_2_s()
            client = fake_ivschat.client("us-west-2")
            arn = client.create_room()["arn"]
            token = lambda user: client.create_chat_token(
                roomIdentifier=arn, userId=user, capabilities=["DELETE_MESSAGE"]
            )["token"]
            options = {"ping_interval": keepalive} if KEEPALIVE else {}
            connect(
                fake_ivschat_server.chat_url, subprotocols=[token("u")], **options
            )  # never closed, never read
            moderator = fake_ivschat.connect(token("moderator"))
            for _ in range(3000):  # ~6 MB: more than the kernel buffers take
                moderator.delete_message("m" * 128, "\\u00e9" * 256)
            ENDED.append(time.perf_counter())

        def test_after():
            teardown_took_under_2_s()
        """
    )
    result = pytester.runpytest_subprocess(*FAST, timeout=60)
    result.assert_outcomes(passed=3)


def test_importing_and_the_in_process_path_load_no_server() -> None:
    code = """
import sys
import fake_ivschat
fake = fake_ivschat.FakeIvsChat()
client = fake.client()
arn = client.create_room()["arn"]
fake.connect(client.create_chat_token(roomIdentifier=arn, userId="u")["token"]).close()
loaded = [m for m in ("websockets", "http.server", "socketserver") if m in sys.modules]
loaded += [m for m in sys.modules if m.startswith("fake_ivschat._transport.") and
           m.rsplit(".", 1)[1] in ("server", "http", "admin", "websocket")]
print(loaded)
"""
    child = python("-c", code)
    output, errors = child.communicate(timeout=60)
    assert (output.strip(), errors) == ("[]", "")


def test_the_command_line_names_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        child = python("-m", "fake_ivschat", "serve", "--port", str(port))
        _, errors = child.communicate(timeout=30)
    assert child.returncode == 2
    assert f"cannot serve the control plane on 127.0.0.1:{port} (port={port})" in errors
