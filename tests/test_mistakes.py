"""Mistakes that used to match nothing, or to apply a fallback, without a word: each is now an
error at once that says what to pass instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import boto3
import pytest
from botocore.stub import Stubber

from fake_ivschat import FakeIvsChat

LAMBDA = "arn:aws:lambda:us-west-2:123456789012:function:review-chat"
LAMBDA_EXAMPLE = "'arn:aws:lambda:us-west-2:123456789012:function:review'"


def deny(request: dict[str, Any]) -> dict[str, Any]:
    return {"ReviewResult": "DENY"}


# ------------------------------------------------------------------ review handlers

BAD_HANDLERS: dict[str, tuple[tuple[Any, Any], type[Exception], str]] = {
    "swapped": (
        (deny, LAMBDA),
        TypeError,
        "register_review_handler() got its arguments swapped: pass the Lambda ARN first, then"
        f" the function: register_review_handler({LAMBDA!r}, deny)",
    ),
    "no handler": (
        (LAMBDA, None),
        TypeError,
        "handler must be a function taking the review request (a dict) and returning the"
        " Lambda's answer (a dict), got None (NoneType)",
    ),
    "a string as handler": (
        (LAMBDA, "deny"),
        TypeError,
        "handler must be a function taking the review request (a dict) and returning the"
        " Lambda's answer (a dict), got 'deny' (str)",
    ),
    "a handler taking nothing": (
        (LAMBDA, lambda: {"ReviewResult": "DENY"}),
        TypeError,
        "handler must take the review request (a dict), or be a Lambda handler taking"
        " (event, context), but <lambda>() can be called with neither",
    ),
    "a handler taking three": (
        (LAMBDA, lambda event, context, extra: {"ReviewResult": "DENY"}),
        TypeError,
        "handler must take the review request (a dict), or be a Lambda handler taking"
        " (event, context), but <lambda>(event, context, extra) can be called with neither",
    ),
    "no ARN": (
        (None, deny),
        TypeError,
        f"lambda_arn must be a Lambda function ARN (a str) such as {LAMBDA_EXAMPLE}, got None"
        " (NoneType)",
    ),
    "a function name": (
        ("review-chat", deny),
        ValueError,
        "lambda_arn must be a Lambda function ARN, as a room's messageReviewHandler.uri names"
        f" it, such as {LAMBDA_EXAMPLE}, got 'review-chat'",
    ),
    "empty": (
        ("", deny),
        ValueError,
        "lambda_arn must be a Lambda function ARN, as a room's messageReviewHandler.uri names"
        f" it, such as {LAMBDA_EXAMPLE}, got ''",
    ),
}


@pytest.mark.parametrize("case", BAD_HANDLERS.values(), ids=BAD_HANDLERS.keys())
def test_a_bad_review_handler_registration_is_refused(
    fake: FakeIvsChat, client: Any, case: tuple[tuple[Any, Any], type[Exception], str]
) -> None:
    arguments, error, message = case
    with pytest.raises(error) as info:
        fake.register_review_handler(*arguments)
    assert str(info.value) == message
    # Nothing was registered: the room's fallback applies, as the test would otherwise have
    # silently seen.
    handler = {"uri": LAMBDA, "fallbackResult": "ALLOW"}
    arn = client.create_room(messageReviewHandler=handler)["arn"]
    token = client.create_chat_token(roomIdentifier=arn, userId="a", capabilities=["SEND_MESSAGE"])
    assert fake.connect(token["token"]).send_message("hi")["Type"] == "MESSAGE"


@pytest.mark.parametrize(
    "handler",
    [
        deny,
        lambda request: deny(request),
        type("Callable", (), {"__call__": lambda s, r: deny(r)})(),
    ],
    ids=["function", "lambda", "callable object"],
)
@pytest.mark.parametrize("arn", [LAMBDA, LAMBDA + ":live", LAMBDA + ":7"])
def test_a_good_registration_applies(
    fake: FakeIvsChat, client: Any, handler: Callable[[Any], Any], arn: str
) -> None:
    fake.register_review_handler(arn, handler)
    room = client.create_room(messageReviewHandler={"uri": arn, "fallbackResult": "ALLOW"})
    token = client.create_chat_token(
        roomIdentifier=room["arn"], userId="a", capabilities=["SEND_MESSAGE"]
    )
    assert fake.connect(token["token"]).send_message("hi")["Type"] == "ERROR"


# ---------------------------------------------------------- operations and params

ALL_OPERATIONS = (
    "CreateChatToken, CreateLoggingConfiguration, CreateRoom, DeleteLoggingConfiguration,"
    " DeleteMessage, DeleteRoom, DisconnectUser, GetLoggingConfiguration, GetRoom,"
    " ListLoggingConfigurations, ListRooms, ListTagsForResource, SendEvent, TagResource,"
    " UntagResource, UpdateLoggingConfiguration, UpdateRoom"
)
BAD_FILTERS: dict[str, tuple[tuple[Any, ...], dict[str, Any], str]] = {
    "snake_case": (
        ("create_room",),
        {},
        "'create_room' is not an ivschat operation; did you mean 'CreateRoom'?",
    ),
    "method name": (
        ("send_event",),
        {"eventName": "e"},
        "'send_event' is not an ivschat operation; did you mean 'SendEvent'?",
    ),
    "lower case": (
        ("createroom",),
        {},
        "'createroom' is not an ivschat operation; did you mean 'CreateRoom'?",
    ),
    "typo": (
        ("CreateRom",),
        {},
        "'CreateRom' is not an ivschat operation; did you mean 'CreateRoom'?",
    ),
    "unknown": (
        ("CreateChannel",),
        {},
        f"'CreateChannel' is not an ivschat operation; one of {ALL_OPERATIONS}",
    ),
    "param spelt as in boto3 docs' titles": (
        ("CreateRoom",),
        {"Name": "lobby"},
        "CreateRoom has no parameter 'Name'; did you mean 'name'?",
    ),
    "param of another operation": (
        ("GetRoom",),
        {"roomIdentifier": "x"},
        "GetRoom has no parameter 'roomIdentifier'; did you mean 'identifier'?",
    ),
    "param typo without an operation": (
        (),
        {"identifer": "x"},
        "No ivschat operation has a parameter 'identifer'; did you mean 'identifier'?",
    ),
}


@pytest.mark.parametrize("case", BAD_FILTERS.values(), ids=BAD_FILTERS.keys())
def test_call_filters_that_could_match_nothing_are_refused(
    fake: FakeIvsChat, client: Any, case: tuple[tuple[Any, ...], dict[str, Any], str]
) -> None:
    args, params, message = case
    client.create_room(name="lobby")
    with pytest.raises(ValueError) as info:
        fake.get_calls(*args, **params)
    assert str(info.value) == message
    if args:
        with pytest.raises(ValueError) as info:
            fake.assert_called(*args, **params)
        assert str(info.value) == message


def test_an_operation_must_be_a_string(fake: FakeIvsChat) -> None:
    with pytest.raises(TypeError) as info:
        fake.get_calls(cast(Any, fake.client().create_room))
    assert str(info.value).endswith("is not an ivschat operation; pass a name such as 'CreateRoom'")


# ------------------------------------------------------------------------- rooms

ARN_EXAMPLE = "'arn:aws:ivschat:us-west-2:123456789012:room/abcdEFGH1234'"
NOT_BY_NAME = (
    "rooms are matched by ARN, not by name or id: pass the 'arn' of create_room's response"
)
ROOM_FILTERS: dict[str, Callable[[FakeIvsChat, Any], Any]] = {
    "events": lambda fake, room: fake.events(room),
    "messages": lambda fake, room: fake.messages(room),
    "assert_event": lambda fake, room: fake.assert_event("app:go", room=room),
    "assert_message": lambda fake, room: fake.assert_message(room=room),
}


@pytest.mark.parametrize("method", ROOM_FILTERS.values(), ids=ROOM_FILTERS.keys())
def test_a_room_that_is_not_an_arn_is_refused(
    fake: FakeIvsChat, client: Any, method: Callable[[FakeIvsChat, Any], Any]
) -> None:
    room = client.create_room(name="lobby")
    client.send_event(roomIdentifier=room["arn"], eventName="app:go")
    with pytest.raises(TypeError) as wrong_type:
        method(fake, room)
    assert str(wrong_type.value) == (
        "room must be a room ARN (a str), got a dict; pass room['arn'] (the 'arn' of"
        " create_room's or get_room's response)"
    )
    for name in ("lobby", room["id"]):
        with pytest.raises(ValueError) as wrong_value:
            method(fake, name)
        assert str(wrong_value.value) == (
            f"room must be a room ARN such as {ARN_EXAMPLE}, got {name!r}; {NOT_BY_NAME}"
        )
    with pytest.raises(TypeError) as wrong_type:
        method(fake, 7)
    assert str(wrong_type.value) == (
        f"room must be a room ARN (a str) such as {ARN_EXAMPLE}, got 7 (int)"
    )


# ------------------------------------------------------------- tokens and clients


def test_connect_and_decode_token_take_the_token_string(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_room()["arn"]
    response = client.create_chat_token(roomIdentifier=arn, userId="alice")
    for method in (fake.connect, fake.decode_token):
        with pytest.raises(TypeError) as info:
            method(response)
        assert str(info.value) == (
            f"{method.__name__}() takes the chat token string, not create_chat_token's whole"
            " response: pass response['token']"
        )
        with pytest.raises(TypeError) as info:
            method(response["token"].encode())
        assert str(info.value).startswith(
            f"{method.__name__}() takes a chat token: the str in create_chat_token's"
            " response['token'], got b'"
        )
    assert fake.connect(response["token"]).user_id == "alice"


def test_attach_refuses_what_is_not_an_ivschat_client(fake: FakeIvsChat) -> None:
    not_a_client = fake.client().meta
    for method in (fake.attach, fake.detach):
        with pytest.raises(TypeError) as info:
            method(not_a_client)
        assert str(info.value).startswith(
            f"{method.__name__}() takes a botocore ivschat client, such as"
            " boto3.client('ivschat'), got <botocore.client.ClientMeta object"
        )


def test_attach_refuses_a_client_of_another_service(fake: FakeIvsChat) -> None:
    s3 = boto3.Session(
        aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1"
    ).client("s3")
    with pytest.raises(TypeError) as info:
        fake.attach(s3)
    assert str(info.value) == (
        "attach() takes an ivschat client, got a 's3' client: the fake answers ivschat only, and"
        " leaves every other service's calls to botocore (or moto)"
    )
    with Stubber(s3) as stub:  # the S3 client is botocore's as before
        stub.add_response("list_buckets", {"Buckets": []})
        assert s3.list_buckets()["Buckets"] == []
    assert fake.calls == []
