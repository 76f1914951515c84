"""Serving from outside Python's tests: the ``fake_ivschat_server`` fixture, ``python -m
fake_ivschat serve``, and the server staying out of ``import fake_ivschat``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parents[1]
FAST = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def python(*args: str) -> subprocess.Popen[str]:
    """This checkout's package in a child process (never the network: no metadata probe)."""
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
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


def test_the_command_line_refuses_a_remote_host() -> None:
    child = python("-m", "fake_ivschat", "serve", "--host", "0.0.0.0")
    _, errors = child.communicate(timeout=30)
    assert child.returncode == 2
    assert "host '0.0.0.0' is not a loopback address" in errors


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
