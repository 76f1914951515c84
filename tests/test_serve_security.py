"""A served fake is closed to other web pages: a ``Host`` allow-list on both servers (against
DNS rebinding), CORS for loopback page origins only, and any request carrying a foreign
``Origin`` refused before the fake sees it. Clients that send no ``Origin`` (SDKs, the CLI,
Node, curl) are unaffected."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from helpers import remote
from raw_http import exchange, request
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin, Subprotocol

from fake_ivschat import FakeIvsChat
from fake_ivschat._transport.server import Server


@pytest.fixture
def fake() -> FakeIvsChat:
    return FakeIvsChat(seed=3)


@pytest.fixture
def server(fake: FakeIvsChat) -> Iterator[Server]:
    with fake.serve() as served:
        yield served


def room_and_token(fake: FakeIvsChat) -> tuple[str, str]:
    client = fake.client("us-west-2")
    arn: str = client.create_room(name="kept")["arn"]
    token: str = client.create_chat_token(
        roomIdentifier=arn, userId="ana", capabilities=["SEND_MESSAGE"]
    )["token"]
    return arn, token


def port(url: str) -> int:
    return urlsplit(url).port or 0


def rooms(fake: FakeIvsChat) -> list[str]:
    return [room["name"] for room in fake.client("us-west-2").list_rooms()["rooms"]]


# -- Host allow-list -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/_fake/reset", "/CreateRoom", "/_fake/calls"])
def test_a_foreign_host_reaches_nothing(fake: FakeIvsChat, server: Server, path: str) -> None:
    room_and_token(fake)
    calls = len(fake.calls)
    method = "GET" if path == "/_fake/calls" else "POST"
    host = f"rebound.example:{port(server.endpoint_url)}"  # DNS rebinding: a page's own name
    answer = exchange(server.endpoint_url, request(method, path, {"Host": host}, b"{}"), method)
    assert answer.status == 403
    message = json.loads(answer.body)["message"]
    assert "Host 'rebound.example' is not allowed" in message and "allowed_hosts" in message
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert rooms(fake) == ["kept"] and len(fake.calls) == calls + 1  # only this ListRooms


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LocalHost:80",
        "127.0.0.1",
        "127.1.2.3:9",
        "[::1]",
        "[::1]:4566",
        "app.localhost",
    ],
)
def test_loopback_names_with_any_port_are_served(server: Server, host: str) -> None:
    answer = exchange(server.endpoint_url, request("POST", "/ListRooms", {"Host": host}, b"{}"))
    assert (answer.status, json.loads(answer.body)) == (200, {"rooms": []})


def test_a_client_of_localhost_is_served(server: Server) -> None:
    url = server.endpoint_url.replace("127.0.0.1", "localhost")
    client = remote(url)
    assert client.create_room(name="by-name")["name"] == "by-name"


def test_more_hosts_through_allowed_hosts(fake: FakeIvsChat) -> None:
    with fake.serve(allowed_hosts=["fake", ".ci.internal"]) as server:
        for host in ("fake:4566", "FAKE", "ci.internal", "a.b.ci.internal:1", "localhost"):
            answer = exchange(server.endpoint_url, request("GET", "/_fake/calls", {"Host": host}))
            assert answer.status == 200, host
        for host in ("fakes", "xci.internal", "fake.evil"):
            answer = exchange(server.endpoint_url, request("GET", "/_fake/calls", {"Host": host}))
            assert answer.status == 403, host
    with fake.serve(allowed_hosts=["*"]) as server:
        answer = exchange(server.endpoint_url, request("GET", "/_fake/calls", {"Host": "any.name"}))
        assert answer.status == 200


@pytest.mark.parametrize("host", ["x?", "[::1", "a b", "h:1:2", "h:port", "", "[nothost]:80"])
def test_a_malformed_host_is_a_400(server: Server, host: str) -> None:
    answer = exchange(server.endpoint_url, request("POST", "/ListRooms", {"Host": host}, b"{}"))
    assert answer.status == 400
    assert "Host" in json.loads(answer.body)["message"]


def test_the_chat_server_refuses_a_foreign_host_without_spending_the_token(
    fake: FakeIvsChat, server: Server
) -> None:
    _, token = room_and_token(fake)
    sock = socket.create_connection(("127.0.0.1", port(server.chat_url)), timeout=5)
    foreign = f"ws://rebound.example:{port(server.chat_url)}"
    with pytest.raises(InvalidStatus) as refused:
        connect(foreign, sock=sock, subprotocols=[Subprotocol(token)], open_timeout=5)
    assert refused.value.response.status_code == 403
    assert b"Host 'rebound.example' is not allowed" in refused.value.response.body
    with connect(server.chat_url, subprotocols=[Subprotocol(token)], open_timeout=5) as ws:
        ws.send(json.dumps({"Action": "SEND_MESSAGE", "Content": "still mine"}))
        assert json.loads(ws.recv(timeout=5))["Content"] == "still mine"


# -- Origin and CORS ---------------------------------------------------------------------------


def test_a_simple_cross_site_post_is_refused_before_the_fake_sees_it(
    fake: FakeIvsChat, server: Server
) -> None:
    room_and_token(fake)
    calls = len(fake.calls)
    headers = {"Host": "127.0.0.1", "Origin": "https://evil.example", "Content-Type": "text/plain"}
    for method, path in (
        ("POST", "/_fake/reset"),
        ("POST", "/CreateRoom"),
        ("GET", "/_fake/calls"),
    ):
        answer = exchange(server.endpoint_url, request(method, path, headers, b"{}"), method)
        assert answer.status == 403, path
        assert "Origin 'https://evil.example' is not allowed" in json.loads(answer.body)["message"]
        assert "Access-Control-Allow-Origin" not in answer.headers
    assert rooms(fake) == ["kept"] and len(fake.calls) == calls + 1


def test_a_preflight_from_a_foreign_origin_is_refused(server: Server) -> None:
    headers = {
        "Host": "127.0.0.1",
        "Origin": "http://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    answer = exchange(server.endpoint_url, request("OPTIONS", "/_fake/reset", headers))
    assert answer.status == 403
    assert not [name for name in answer.headers if name.lower().startswith("access-control")]


@pytest.mark.parametrize(
    "origin",
    ["http://localhost:5173", "https://localhost", "http://127.0.0.1:3000", "http://[::1]:8080"],
)
def test_loopback_pages_may_call_it(server: Server, origin: str) -> None:
    asked = {
        "Host": "127.0.0.1",
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    answer = exchange(server.endpoint_url, request("OPTIONS", "/CreateRoom", asked))
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    assert answer.headers["Access-Control-Allow-Headers"] == "authorization,content-type"
    assert "Origin" in answer.headers["Vary"]
    headers = {"Host": "127.0.0.1", "Origin": origin, "Content-Type": "text/plain"}
    answer = exchange(server.endpoint_url, request("POST", "/ListRooms", headers, b"{}"))
    assert answer.status == 200 and answer.headers["Access-Control-Allow-Origin"] == origin
    assert "x-amzn-RequestId" in answer.headers["Access-Control-Expose-Headers"]


def test_requests_without_origin_get_no_cors_headers(server: Server) -> None:
    answer = exchange(
        server.endpoint_url, request("POST", "/ListRooms", {"Host": "127.0.0.1"}, b"{}")
    )
    assert answer.status == 200 and "Access-Control-Allow-Origin" not in answer.headers


def test_more_origins_through_cors_origins(fake: FakeIvsChat) -> None:
    with fake.serve(cors_origins=["https://app.example.com", "null"]) as server:
        for origin, status in (
            ("https://app.example.com", 200),
            ("https://APP.example.com", 200),
            ("null", 200),
            ("http://app.example.com", 403),
            ("https://app.example.com:8443", 403),
            ("http://localhost:1234", 200),
        ):
            headers = {"Host": "127.0.0.1", "Origin": origin}
            answer = exchange(server.endpoint_url, request("GET", "/_fake/calls", headers))
            assert answer.status == status, origin
    with fake.serve(cors_origins=["*"]) as server:
        headers = {"Host": "127.0.0.1", "Origin": "https://anywhere.example"}
        answer = exchange(server.endpoint_url, request("GET", "/_fake/calls", headers))
        assert answer.status == 200
        assert answer.headers["Access-Control-Allow-Origin"] == "https://anywhere.example"


def test_a_websocket_from_a_foreign_page_is_refused_without_spending_the_token(
    fake: FakeIvsChat, server: Server
) -> None:
    _, token = room_and_token(fake)
    with pytest.raises(InvalidStatus) as refused:
        connect(
            server.chat_url,
            origin=Origin("https://evil.example"),
            subprotocols=[Subprotocol(token)],
            open_timeout=5,
        )
    assert refused.value.response.status_code == 403
    assert b"Origin 'https://evil.example' is not allowed" in refused.value.response.body
    with connect(
        server.chat_url,
        origin=Origin("http://localhost:3000"),
        subprotocols=[Subprotocol(token)],
        open_timeout=5,
    ) as ws:
        ws.send(json.dumps({"Action": "SEND_MESSAGE", "Content": "from my page"}))
        assert json.loads(ws.recv(timeout=5))["Content"] == "from my page"


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"allowed_hosts": "fake"}, "allowed_hosts must be a list of str, not 'fake'"),
        ({"allowed_hosts": [7]}, "allowed_hosts must be a list of str, not [7]"),
        ({"allowed_hosts": ["fake:4566"]}, "allowed_hosts: 'fake:4566' is not a host name"),
        ({"allowed_hosts": ["http://fake"]}, "allowed_hosts: 'http://fake' is not a host name"),
        ({"cors_origins": "https://a.example"}, "cors_origins must be a list of str"),
        ({"cors_origins": ["a.example"]}, "cors_origins: 'a.example' is not an origin"),
        ({"cors_origins": ["https://a.example/"]}, "cors_origins: 'https://a.example/' is not"),
    ],
)
def test_serve_refuses_bad_security_options(options: dict[str, Any], problem: str) -> None:
    with pytest.raises((TypeError, ValueError)) as info:
        FakeIvsChat().serve(**options)
    assert str(info.value).startswith(problem)


def test_the_command_line_takes_allowed_hosts_and_cors_origins() -> None:
    command = [sys.executable, "-m", "fake_ivschat", "serve", "--allowed-host", "fake"]
    command += ["--allowed-host", "other", "--cors-origin", "https://app.example"]
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().strip().partition("=")[2]
        for host, origin, status in (
            ("fake:4566", "https://app.example", 200),
            ("other", "http://localhost:8000", 200),
            ("nope", "https://app.example", 403),
            ("fake", "https://app.example:1", 403),
        ):
            headers = {"Host": host, "Origin": origin}
            assert exchange(endpoint, request("GET", "/_fake/calls", headers)).status == status
    finally:
        child.terminate()
        child.wait(timeout=10)
