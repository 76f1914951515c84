"""HTTP framing on the served control plane: a malformed or incomplete request is the client's
error (4xx, the connection closed) and never runs, a body over the bound is refused unread, and
what clients really send (keep-alive, pipelining, HTTP/1.0, ``Expect: 100-continue``, chunked
bodies) keeps working. Raw sockets here: the bytes on the wire are the input."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from helpers import remote
from raw_http import RawConnection, exchange, request

from fake_ivschat import FakeIvsChat
from fake_ivschat._transport.server import Server

HOST = {"Host": "127.0.0.1"}
MAX_BODY = 1024 * 1024  # the documented bound


@pytest.fixture
def fake() -> FakeIvsChat:
    return FakeIvsChat(seed=11)


@pytest.fixture
def server(fake: FakeIvsChat) -> Iterator[Server]:
    with fake.serve() as served:
        yield served


def operations(fake: FakeIvsChat) -> list[str]:
    return [call.operation for call in fake.calls]


def hidden_reset() -> bytes:
    return request("POST", "/_fake/reset", {**HOST, "Content-Length": "0"})


@pytest.mark.parametrize(
    "framing",
    [
        {"Content-Length": "abc"},
        {"Content-Length": "-5"},
        {"Content-Length": "+5"},
        {"Content-Length": "0x10"},
        {"Content-Length": "5, 6"},
        {"Content-Length": "5", "Transfer-Encoding": "chunked"},
    ],
)
def test_a_bad_content_length_is_a_400_and_the_body_is_never_a_request(
    fake: FakeIvsChat, server: Server, framing: dict[str, str]
) -> None:
    fake.client("us-west-2").create_room(name="kept")
    with RawConnection(server.endpoint_url) as connection:
        connection.send(request("POST", "/ListRooms", {**HOST, **framing}) + hidden_reset())
        answer = connection.response("POST")
        assert answer.status == 400
        assert answer.headers["Connection"] == "close"
        assert "request" in json.loads(answer.body)["message"].lower()
        assert connection.at_eof()
    assert operations(fake) == ["CreateRoom"]
    assert [room["name"] for room in fake.client("us-west-2").list_rooms()["rooms"]] == ["kept"]


@pytest.mark.parametrize("chunks", [b"zz\r\n{}\r\n0\r\n\r\n", b"2\r\n{}XX0\r\n\r\n", b"-2\r\n"])
def test_a_bad_chunk_is_a_400_and_nothing_runs(
    fake: FakeIvsChat, server: Server, chunks: bytes
) -> None:
    fake.client("us-west-2").create_room(name="kept")
    data = request("POST", "/ListRooms", {**HOST, "Transfer-Encoding": "chunked"}) + chunks
    with RawConnection(server.endpoint_url) as connection:
        connection.send(data + hidden_reset())
        answer = connection.response("POST")
        assert answer.status == 400 and answer.headers["Connection"] == "close"
        assert connection.at_eof()
    assert operations(fake) == ["CreateRoom"]


def test_a_body_cut_short_never_runs(fake: FakeIvsChat, server: Server) -> None:
    body = b'{"name": "half"}'  # 16 bytes of the 1000 announced, then FIN
    with RawConnection(server.endpoint_url) as connection:
        connection.send(request("POST", "/CreateRoom", {**HOST, "Content-Length": "1000"}) + body)
        connection.sock.shutdown(1)  # SHUT_WR
        answer = connection.response("POST")
        assert answer.status == 400
        assert "16 of 1000" in json.loads(answer.body)["message"]
    assert operations(fake) == [] and fake.client().list_rooms()["rooms"] == []


@pytest.mark.parametrize("length", [str(MAX_BODY + 1), "99999999999999999999999999999"])
def test_a_body_over_the_bound_is_a_413_unread(server: Server, length: str) -> None:
    started = time.monotonic()
    with RawConnection(server.endpoint_url) as connection:  # no byte of the body is sent
        connection.send(request("POST", "/CreateRoom", {**HOST, "Content-Length": length}))
        answer = connection.response("POST")
        assert answer.status == 413
        assert "1048576 bytes" in json.loads(answer.body)["message"]
        assert connection.at_eof()
    assert time.monotonic() - started < 2


def test_a_chunked_body_over_the_bound_is_a_413(fake: FakeIvsChat, server: Server) -> None:
    headers = {**HOST, "Transfer-Encoding": "chunked"}
    half = b"80000\r\n" + b"x" * (MAX_BODY // 2) + b"\r\n"
    for chunks in (b"100001\r\n", half + half + b"1\r\n"):  # the data past the bound unsent
        with RawConnection(server.endpoint_url) as connection:
            connection.send(request("POST", "/CreateRoom", headers) + chunks)
            assert connection.response("POST").status == 413
    assert operations(fake) == []


def test_a_413_is_sent_instead_of_100_continue(server: Server) -> None:
    headers = {**HOST, "Content-Length": str(MAX_BODY * 4), "Expect": "100-continue"}
    with RawConnection(server.endpoint_url) as connection:
        connection.send(request("POST", "/CreateRoom", headers))
        assert connection.interim() == 413  # no 100 Continue first


def test_a_client_reset_mid_request_is_no_error_of_the_fake(
    fake: FakeIvsChat, server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="fake_ivschat")
    caplog.clear()
    with RawConnection(server.endpoint_url) as connection:
        connection.send(request("POST", "/CreateRoom", {**HOST, "Content-Length": "100"}) + b"{")
        time.sleep(0.1)  # the server is reading the body
        connection.reset()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:  # until the server logged something of it
        if any(r.levelno == logging.DEBUG or r.levelno >= logging.ERROR for r in caplog.records):
            break
        time.sleep(0.02)
    assert caplog.records, "nothing logged about the reset connection"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
    assert operations(fake) == []


@pytest.mark.parametrize("host", ["x?", "[::1", "a/b", "x#"])
def test_the_host_header_is_never_part_of_the_decoded_url(
    fake: FakeIvsChat, server: Server, host: str
) -> None:
    arn = fake.client().create_room()["arn"]  # us-east-1: the region of unsigned requests
    target = "/tags/" + quote(arn, safe="")
    answer = exchange(server.endpoint_url, request("GET", target, {"Host": host}))
    assert answer.status == 400
    assert f"Host {host!r}" in json.loads(answer.body)["message"]
    answer = exchange(server.endpoint_url, request("GET", target, {"Host": "localhost:9"}))
    assert (answer.status, json.loads(answer.body)) == (200, {"tags": {}})


def test_the_server_header_has_no_trailing_space(server: Server) -> None:
    answer = exchange(server.endpoint_url, request("POST", "/ListRooms", HOST, b"{}"))
    assert answer.headers["Server"] == "fake-ivschat"


# -- What held up, and must keep holding ------------------------------------------------------


def test_bad_json_is_still_a_serialization_exception_on_a_live_connection(server: Server) -> None:
    with RawConnection(server.endpoint_url) as connection:
        connection.send(request("POST", "/CreateRoom", HOST, b"{nope"))
        answer = connection.response("POST")
        assert (answer.status, answer.headers["x-amzn-ErrorType"]) == (
            400,
            "SerializationException",
        )
        connection.send(request("POST", "/ListRooms", HOST, b"{}"))  # the same connection
        assert connection.response("POST").status == 200


def test_pipelined_requests_are_answered_in_order(fake: FakeIvsChat, server: Server) -> None:
    names = [f"p{n}" for n in range(3)]
    data = b"".join(
        request("POST", "/CreateRoom", HOST, json.dumps({"name": name}).encode()) for name in names
    )
    with RawConnection(server.endpoint_url) as connection:
        connection.send(data + request("POST", "/ListRooms", HOST, b"{}"))
        created = [json.loads(connection.response("POST").body)["name"] for _ in names]
        assert created == names
        assert len(json.loads(connection.response("POST").body)["rooms"]) == 3


def test_http_1_0_without_host_chunked_bodies_and_100_continue(server: Server) -> None:
    with RawConnection(server.endpoint_url) as connection:
        connection.send(b"POST /CreateRoom HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}")
        assert connection.response("POST").status == 200
        assert connection.at_eof()  # HTTP/1.0: closed after the answer
    chunked = b'7\r\n{"name"\r\n9\r\n: "chunk"\r\n1;ext=1\r\n}\r\n0\r\nTrailer: x\r\n\r\n'
    headers = {**HOST, "Transfer-Encoding": "chunked"}
    answer = exchange(server.endpoint_url, request("POST", "/CreateRoom", headers) + chunked)
    assert (answer.status, json.loads(answer.body)["name"]) == (200, "chunk")
    with RawConnection(server.endpoint_url) as connection:
        headers = {**HOST, "Content-Length": "17", "Expect": "100-continue"}
        connection.send(request("POST", "/CreateRoom", headers))
        assert connection.interim() == 100
        connection.send(b'{"name": "later"}')
        answer = connection.response("POST")
        assert (answer.status, json.loads(answer.body)["name"]) == (200, "later")


def test_an_admin_body_is_bounded_too(fake: FakeIvsChat, server: Server) -> None:
    headers = {**HOST, "Content-Length": str(MAX_BODY + 1)}
    answer = exchange(server.endpoint_url, request("POST", "/_fake/errors", headers), "POST")
    assert answer.status == 413


def test_real_clients_are_unaffected(server: Server) -> None:
    client = remote(server.endpoint_url)
    arn = client.create_room(name="real", tags={"k": "v" * 256})["arn"]
    client.tag_resource(resourceArn=arn, tags={"a": "b"})
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"k": "v" * 256, "a": "b"}
