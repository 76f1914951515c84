"""The control plane over HTTP: ``fake.serve()`` answers real clients outside the fake (boto3
with ``endpoint_url``, raw HTTP) through the same call path as in-process clients."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from helpers import remote

from fake_ivschat import FakeIvsChat
from fake_ivschat._service.backend import RegionState
from fake_ivschat._transport import wire
from fake_ivschat._transport.server import Server

ACCOUNT = "111122223333"
# What any SigV4 signer sends (the fake reads the key id and the scope, never the signature).
SIGNED = {
    "Authorization": f"AWS4-HMAC-SHA256 Credential={ACCOUNT}/20240501/us-west-2/ivschat/"
    "aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd"
}


@pytest.fixture
def served() -> Iterator[tuple[FakeIvsChat, Server]]:
    """A fake (not active: boto3 clients really go over HTTP) and its running server."""
    fake = FakeIvsChat(seed=7)
    with fake.serve() as server:
        yield fake, server


def raw(
    server: Server, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request without any SDK: (status, headers, body)."""
    url = urlsplit(server.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_create_get_and_list_with_manual_paging(served: tuple[FakeIvsChat, Server]) -> None:
    fake, server = served
    client = remote(server.endpoint_url)
    created = [client.create_room(name=f"room-{n}") for n in range(5)]
    got = client.get_room(identifier=created[2]["arn"])
    assert got["name"] == "room-2" and got["createTime"] == created[2]["createTime"]

    names, token = [], None
    while True:
        page = client.list_rooms(maxResults=2, **({"nextToken": token} if token else {}))
        assert len(page["rooms"]) <= 2
        names += [room["name"] for room in page["rooms"]]
        token = page.get("nextToken")
        if not token:
            break
    assert sorted(names) == [f"room-{n}" for n in range(5)]
    # The same state as in-process clients see, and the same recording.
    assert [r["name"] for r in fake.client("us-west-2", account_id=ACCOUNT).list_rooms()["rooms"]]
    assert fake.get_calls("ListRooms", maxResults=2)[0].account_id == ACCOUNT


def test_tags_travel_with_url_encoded_arns(served: tuple[FakeIvsChat, Server]) -> None:
    fake, server = served
    client = remote(server.endpoint_url)
    arn = client.create_room(name="tagged")["arn"]
    client.tag_resource(resourceArn=arn, tags={"team": "a/b c", "env": "dev"})
    client.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a/b c"}
    assert fake.assert_called("UntagResource").params == {"resourceArn": arn, "tagKeys": ["env"]}

    # Another SDK's encoding of the label (every reserved character escaped) reads the same.
    status, _, body = raw(server, "GET", "/tags/" + quote(arn, safe=""), headers=SIGNED)
    assert (status, json.loads(body)) == (200, {"tags": {"team": "a/b c"}})


def test_a_modelled_error_carries_its_members(served: tuple[FakeIvsChat, Server]) -> None:
    _, server = served
    missing = f"arn:aws:ivschat:us-west-2:{ACCOUNT}:room/abcdEFGH1234"
    with pytest.raises(ClientError) as info:
        remote(server.endpoint_url).get_room(identifier=missing)
    response = info.value.response
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert (response["resourceId"], response["resourceType"]) == ("abcdEFGH1234", "ROOM")
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == (
        "ResourceNotFoundException"
    )


def test_delete_room_answers_204_without_a_body(served: tuple[FakeIvsChat, Server]) -> None:
    _, server = served
    client = remote(server.endpoint_url)
    arn = client.create_room()["arn"]
    assert client.delete_room(identifier=arn)["ResponseMetadata"]["HTTPStatusCode"] == 204
    arn = client.create_room()["arn"]
    body = json.dumps({"identifier": arn}).encode()
    status, headers, data = raw(server, "POST", "/DeleteRoom", body, SIGNED)
    assert (status, data) == (204, b"")
    assert "Content-Length" not in headers and headers["x-amzn-RequestId"]


def test_the_account_is_a_12_digit_access_key_and_the_region_the_signing_scope(
    served: tuple[FakeIvsChat, Server],
) -> None:
    fake, server = served
    assert ":111122223333:" in remote(server.endpoint_url).create_room()["arn"]
    assert ":eu-west-1:" in remote(server.endpoint_url, region="eu-west-1").create_room()["arn"]
    other = remote(server.endpoint_url, key="AKIAIOSFODNN7EXAMPLE").create_room()["arn"]
    assert other.startswith(f"arn:aws:ivschat:us-west-2:{fake.account_id}:room/")
    # Unsigned: the fake's account in the default region.
    status, _, body = raw(server, "POST", "/CreateRoom", b"{}")
    assert status == 200
    assert json.loads(body)["arn"].startswith(f"arn:aws:ivschat:us-east-1:{fake.account_id}:")
    assert [(c.account_id, c.region) for c in fake.get_calls("CreateRoom")] == [
        (ACCOUNT, "us-west-2"),
        (ACCOUNT, "eu-west-1"),
        (fake.account_id, "us-west-2"),
        (fake.account_id, "us-east-1"),
    ]


def test_an_unknown_route_is_a_404_and_a_bad_body_a_400(served: tuple[FakeIvsChat, Server]) -> None:
    fake, server = served
    for method, path in (("POST", "/CreateRooms"), ("GET", "/CreateRoom"), ("PUT", "/tags/x")):
        status, headers, body = raw(server, method, path)
        assert status == 404
        assert headers["x-amzn-ErrorType"] == "UnknownOperationException"
        assert json.loads(body) == {"message": f"No ivschat operation is {method} {path}."}
    status, headers, body = raw(server, "POST", "/CreateRoom", b"[1]")
    assert (status, headers["x-amzn-ErrorType"]) == (400, "SerializationException")
    assert json.loads(body)["message"] == "The request body must be a JSON object, not an array."
    assert [c.operation for c in fake.calls] == ["CreateRoom"]  # unknown routes are no calls


def test_a_failure_inside_the_fake_is_a_500_and_the_connection_lives_on(
    served: tuple[FakeIvsChat, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, server = served

    def broken(*_: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(RegionState, "list_rooms", broken)
    monkeypatch.setattr(wire, "route", broken)  # before the call path: the HTTP layer's own
    url = urlsplit(server.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    try:
        connection.request("POST", "/ListRooms", body=b"{}")
        response = connection.getresponse()
        assert (response.status, response.getheader("x-amzn-ErrorType")) == (
            500,
            "InternalServerException",
        )
        assert json.loads(response.read()) == {
            "message": "fake_ivschat failed while answering POST /ListRooms: RuntimeError: boom."
        }
        monkeypatch.undo()
        monkeypatch.setattr(RegionState, "list_rooms", broken)
        connection.request("POST", "/ListRooms", body=b"{}")  # the same keep-alive connection
        response = connection.getresponse()
        assert response.status == 500
        assert (
            "while answering ListRooms: RuntimeError: boom"
            in json.loads(response.read())["message"]
        )
    finally:
        connection.close()


def test_requests_share_a_keep_alive_connection(served: tuple[FakeIvsChat, Server]) -> None:
    _, server = served
    url = urlsplit(server.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    try:
        connection.request("POST", "/CreateRoom", body=b"{}")
        assert connection.getresponse().read()
        first = connection.sock
        connection.request("POST", "/ListRooms", body=b"{}")
        assert json.loads(connection.getresponse().read())["rooms"]
        assert connection.sock is first
        assert first.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        connection.close()


def test_a_page_on_loopback_may_call_it(served: tuple[FakeIvsChat, Server]) -> None:
    _, server = served
    origin = "http://localhost:5173"
    asked = {"Origin": origin, "Access-Control-Request-Headers": "authorization"}
    for path in ("/CreateRoom", "/_fake/errors"):
        status, headers, _ = raw(server, "OPTIONS", path, headers=asked)
        assert (status, headers["Access-Control-Allow-Origin"]) == (204, origin)
        assert headers["Access-Control-Allow-Headers"] == "authorization"
    status, headers, _ = raw(server, "POST", "/ListRooms", b"{}", {"Origin": origin})
    assert "x-amzn-RequestId" in headers["Access-Control-Expose-Headers"]


def test_injected_faults_play_over_http(served: tuple[FakeIvsChat, Server]) -> None:
    fake, server = served
    client = remote(server.endpoint_url)
    fake.inject_fault("ListRooms", "http-503")
    with pytest.raises(ClientError) as info:
        client.list_rooms()
    assert info.value.response["Error"]["Code"] == "503"

    fake.inject_fault("ListRooms", "connection-closed")
    with pytest.raises(ConnectionClosedError):
        client.list_rooms()

    fake.inject_fault("ListRooms", "read-timeout")
    impatient = remote(server.endpoint_url, read_timeout=0.1, retries={"total_max_attempts": 1})
    with pytest.raises(ReadTimeoutError):
        impatient.list_rooms()

    fake.inject_error("ListRooms", "ThrottlingException")
    with pytest.raises(ClientError) as info:
        client.list_rooms()
    assert info.value.response["Error"]["Code"] == "ThrottlingException"
    assert client.list_rooms()["rooms"] == []
    assert [c.error for c in fake.get_calls("ListRooms")] == [
        "http-503",
        "connection-closed",
        "read-timeout",
        "ThrottlingException",
        None,
    ]


def test_close_frees_the_ports_and_joins_the_threads() -> None:
    before = threading.active_count()
    fake = FakeIvsChat()
    server = fake.serve()
    remote(
        server.endpoint_url
    ).list_rooms()  # leaves a keep-alive connection open in the client's pool
    ports = [urlsplit(url).port for url in (server.endpoint_url, server.chat_url)]
    server.close()
    server.close()  # twice: nothing more
    assert threading.active_count() == before
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port or 0), timeout=1).close()
    assert repr(server).startswith("<fake_ivschat Server closed http://127.0.0.1:")


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"host": "0.0.0.0"}, "host '0.0.0.0' is not a loopback address"),
        ({"host": "example.com"}, "host 'example.com' is not a loopback address"),
        ({"port": 70000}, "port must be between 0 and 65535, got 70000"),
        ({"chat_port": "80"}, "chat_port must be an int (0: any free port), not '80'"),
        ({"allow_remote": 1}, "allow_remote must be a bool, not 1"),
    ],
)
def test_serve_refuses_a_bad_address(kwargs: dict[str, Any], problem: str) -> None:
    with pytest.raises((TypeError, ValueError)) as info:
        FakeIvsChat().serve(**kwargs)
    assert str(info.value).startswith(problem)


def test_in_process_clients_stay_in_process_even_with_the_endpoint_url() -> None:
    fake = FakeIvsChat()
    with fake.serve() as server:
        url = server.endpoint_url
    # Nothing listens at url any more: only an in-process answer can come.
    with fake:
        client = boto3.client("ivschat", endpoint_url=url, region_name="us-west-2")
        assert client.create_room(name="here")["name"] == "here"
    assert fake.assert_called("CreateRoom").region == "us-west-2"


def test_a_client_naming_another_served_fakes_endpoint_reaches_that_fake() -> None:
    served, active = FakeIvsChat(), FakeIvsChat()
    with served.serve() as server:
        made_before = remote(server.endpoint_url)  # made before any fake is active
        with active:
            made_while = boto3.client(
                "ivschat", endpoint_url=server.endpoint_url, region_name="us-west-2"
            )
            localhost = server.endpoint_url.replace("127.0.0.1", "localhost") + "/"
            by_name = boto3.client("ivschat", endpoint_url=localhost, region_name="us-west-2")
            for name, client in (("a", made_before), ("b", made_while), ("c", by_name)):
                client.create_room(name=name)
            active.client("us-west-2").create_room(name="here")
            assert active.get_calls("CreateRoom", name="a") == []
            # The served fake's HTTP rules: a 12-digit key id is the account.
            there = {
                (room["arn"].split(":")[4], room["name"])
                for account in (ACCOUNT, served.account_id)
                for room in served.client("us-west-2", account_id=account).list_rooms()["rooms"]
            }
            assert there == {(ACCOUNT, "a"), (served.account_id, "b"), (served.account_id, "c")}
            assert [c.params["name"] for c in active.get_calls("CreateRoom")] == ["here"]
    with active:  # that endpoint is no served fake's any more: today's rule, the active fake
        assert made_while.list_rooms()["rooms"][0]["name"] == "here"


def test_a_client_naming_the_active_fakes_own_endpoint_stays_in_process() -> None:
    fake = FakeIvsChat()
    with fake.serve() as server, fake:
        client = boto3.client("ivschat", endpoint_url=server.endpoint_url, region_name="us-west-2")
        client.create_room(name="here")
        assert fake.assert_called("CreateRoom", name="here").account_id == fake.account_id


@pytest.mark.parametrize("which", ["port", "chat_port"])
def test_a_port_in_use_is_named(which: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        before = threading.active_count()
        with pytest.raises(OSError) as info:
            FakeIvsChat().serve(**{which: port})
        assert threading.active_count() == before  # the other server was closed again
    what = "control plane" if which == "port" else "Chat Messaging API"
    assert str(info.value).startswith(
        f"[Errno {info.value.errno}] cannot serve the {what} on 127.0.0.1:{port} ({which}={port}): "
    )
    assert "choose another port, or 0 for any free port" in str(info.value)
