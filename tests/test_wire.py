"""The HTTP the client and the fake exchange: methods and paths, URL-encoded ARNs and repeated
query keys, status codes, headers and request ids, seeded ids, and what botocore itself offers
(no paginators, no waiters) exactly as against AWS."""

from __future__ import annotations

import os
import socket
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.exceptions import OperationNotPageableError
from helpers import NO_RETRY, error

from fake_ivschat import FakeIvsChat

REGION = "us-west-2"
ACCOUNT = "123456789012"


class Spy:
    """Records each request botocore builds (method, path, query, body) before it is sent."""

    def __init__(self, client: Any) -> None:
        self.requests: list[tuple[str, str, str, Any]] = []
        client.meta.events.register("request-created.ivschat", self)

    def __call__(self, request: Any, **_: Any) -> None:
        url = urlsplit(request.url)
        self.requests.append((request.method, url.path, url.query, request.body))


def encoded(arn: str) -> str:
    return arn.replace(":", "%3A").replace("/", "%2F")


def test_tag_operations_use_tags_path_with_encoded_arn(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_room()["arn"]
    spy = Spy(client)
    client.tag_resource(resourceArn=arn, tags={"a": "1"})
    client.list_tags_for_resource(resourceArn=arn)
    client.untag_resource(resourceArn=arn, tagKeys=["a", "b"])
    path = f"/tags/{encoded(arn)}"
    assert [(method, p, query) for method, p, query, _ in spy.requests] == [
        ("POST", path, ""),
        ("GET", path, ""),
        ("DELETE", path, "tagKeys=a&tagKeys=b"),
    ]
    assert [call.params for call in fake.calls[1:]] == [
        {"resourceArn": arn, "tags": {"a": "1"}},
        {"resourceArn": arn},
        {"resourceArn": arn, "tagKeys": ["a", "b"]},
    ]


def test_other_operations_post_to_their_name(client: Any) -> None:
    spy = Spy(client)
    room = client.create_room()
    client.get_room(identifier=room["arn"])
    client.list_rooms()
    assert [(method, path) for method, path, _, _ in spy.requests] == [
        ("POST", "/CreateRoom"),
        ("POST", "/GetRoom"),
        ("POST", "/ListRooms"),
    ]


def test_awkward_tag_keys_and_values_round_trip(client: Any) -> None:
    arn = client.create_logging_configuration(
        destinationConfiguration={"s3": {"bucketName": "chat-logs"}}
    )["arn"]
    tags = {"a b": "1 2", "x+y": "p+q", "k=v&w": "=&", "path/to:it": "/:?#", "é✓": "ü"}
    client.tag_resource(resourceArn=arn, tags=tags)
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == tags
    client.untag_resource(resourceArn=arn, tagKeys=["a b", "x+y", "k=v&w", "path/to:it"])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == {"é✓": "ü"}


@pytest.mark.parametrize(
    ("method", "status"),
    [("delete_room", 204), ("delete_logging_configuration", 204)],
)
def test_deletes_answer_204_with_an_empty_body(client: Any, method: str, status: int) -> None:
    if method == "delete_room":
        arn = client.create_room()["arn"]
    else:
        arn = client.create_logging_configuration(
            destinationConfiguration={"s3": {"bucketName": "chat-logs"}}
        )["arn"]
    meta = getattr(client, method)(identifier=arn)["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == status
    assert meta["HTTPHeaders"]["content-length"] == "0"


def test_empty_results_are_an_empty_json_object(client: Any, room: dict[str, Any]) -> None:
    for response in (
        client.tag_resource(resourceArn=room["arn"], tags={"a": "1"}),
        client.untag_resource(resourceArn=room["arn"], tagKeys=["a"]),
        client.disconnect_user(roomIdentifier=room["arn"], userId="bob"),
    ):
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert response["ResponseMetadata"]["HTTPHeaders"]["content-length"] == "2"  # {}


def test_errors_carry_status_and_error_type_header(fake: FakeIvsChat) -> None:
    fake.quotas.rooms = 1
    fake.quotas.api_rates["SendEvent"] = 0
    client = fake.client(region_name=REGION, config=NO_RETRY)
    room = client.create_room()["arn"]
    config = client.create_logging_configuration(
        destinationConfiguration={"s3": {"bucketName": "chat-logs"}}
    )["arn"]
    client.update_room(identifier=room, loggingConfigurationIdentifiers=[config])
    missing = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/g1H2I3j4k5L6"
    cases = [
        (client.create_room, {"name": "bad name"}, "ValidationException", 400),
        (client.create_room, {}, "ServiceQuotaExceededException", 402),
        (client.get_room, {"identifier": missing}, "ResourceNotFoundException", 404),
        (client.delete_logging_configuration, {"identifier": config}, "ConflictException", 409),
        (client.send_event, {"roomIdentifier": room, "eventName": "e"}, "ThrottlingException", 429),
    ]
    for call, kwargs, code, status in cases:
        response = error(call, **kwargs)
        meta = response["ResponseMetadata"]
        assert (response["Error"]["Code"], meta["HTTPStatusCode"]) == (code, status)
        assert meta["HTTPHeaders"]["x-amzn-errortype"] == code
        assert meta["HTTPHeaders"]["content-type"] == "application/json"


def test_request_ids_are_unique_and_sent_as_header(fake: FakeIvsChat, client: Any) -> None:
    metas = [client.create_room()["ResponseMetadata"] for _ in range(5)]
    missing = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/g1H2I3j4k5L6"
    metas.append(error(client.get_room, identifier=missing)["ResponseMetadata"])
    metas.append(
        client.delete_room(identifier=client.list_rooms()["rooms"][0]["arn"])["ResponseMetadata"]
    )
    ids = [meta["RequestId"] for meta in metas]
    assert all(meta["HTTPHeaders"]["x-amzn-requestid"] == meta["RequestId"] for meta in metas)
    assert len(set(ids)) == len(ids)
    assert all(ids)


def _story(fake: FakeIvsChat) -> list[str]:
    """Every generated id of a short story, in order."""
    client = fake.client(region_name=REGION)
    room = client.create_room()
    config = client.create_logging_configuration(
        destinationConfiguration={"s3": {"bucketName": "chat-logs"}}
    )
    event = client.send_event(roomIdentifier=room["arn"], eventName="e")
    deleted = client.delete_message(roomIdentifier=room["arn"], id="WhO6MW6iRdS5")
    return [
        room["id"],
        config["id"],
        event["id"],
        deleted["id"],
        room["ResponseMetadata"]["RequestId"],
        event["ResponseMetadata"]["RequestId"],
    ]


def test_seed_makes_ids_reproducible() -> None:
    assert _story(FakeIvsChat(seed=99)) == _story(FakeIvsChat(seed=99))
    assert _story(FakeIvsChat(seed=99))[:4] != _story(FakeIvsChat(seed=100))[:4]
    assert _story(FakeIvsChat())[:4] != _story(FakeIvsChat())[:4]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")
# Python >= 3.12 warns of fork() in a process with threads (other tests' servers); the child
# here only draws ids and exits.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_unseeded_fakes_of_a_forked_child_draw_other_ids_than_its_parents() -> None:
    FakeIvsChat().client(region_name=REGION).create_room()  # the parent's streams exist
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(write, _story(FakeIvsChat())[0].encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    theirs = os.read(read, 64).decode()
    os.close(read)
    assert theirs and theirs != _story(FakeIvsChat())[0]


def test_a_failed_call_does_not_shift_later_ids() -> None:
    quiet, failing = FakeIvsChat(seed=5), FakeIvsChat(seed=5)
    first = quiet.client(region_name=REGION)
    second = failing.client(region_name=REGION)
    expected = [first.create_room()["id"] for _ in range(2)]
    got = [second.create_room()["id"]]
    error(second.get_room, identifier=f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/g1H2I3j4k5L6")
    got.append(second.create_room()["id"])
    assert got == expected


def test_no_paginators_or_waiters_exactly_as_against_aws(client: Any) -> None:
    real = botocore.session.get_session().create_client(
        "ivschat",
        region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    for operation in ("list_rooms", "list_logging_configurations"):
        assert client.can_paginate(operation) is real.can_paginate(operation) is False
        with pytest.raises(OperationNotPageableError) as ours:
            client.get_paginator(operation)
        with pytest.raises(OperationNotPageableError) as theirs:
            real.get_paginator(operation)
        assert (
            str(ours.value) == str(theirs.value) == (f"Operation cannot be paginated: {operation}")
        )
    assert client.waiter_names == real.waiter_names == []
    assert (
        client.meta.endpoint_url
        == real.meta.endpoint_url
        == (f"https://ivschat.{REGION}.amazonaws.com")
    )


def test_no_socket_is_ever_opened(monkeypatch: pytest.MonkeyPatch, client: Any) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the fake must not open a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    room = client.create_room()
    client.send_event(roomIdentifier=room["arn"], eventName="e")
    client.list_tags_for_resource(resourceArn=room["arn"])
    client.delete_room(identifier=room["arn"])
