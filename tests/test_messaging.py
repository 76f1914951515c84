"""The Chat Messaging API in-process: connecting, publishing, delivery, errors and closing."""

from __future__ import annotations

import copy
import json
import pickle
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import pytest
import time_machine
from freezegun import freeze_time

from fake_ivschat import ChatConnection, ChatConnectionError, FakeIvsChat

ALL_CAPABILITIES = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]
MESSAGE_KEYS = {"Type", "Id", "RequestId", "Content", "Attributes", "Sender", "SendTime"}
EVENT_KEYS = {"Type", "Id", "RequestId", "EventName", "Attributes", "SendTime"}
ERROR_KEYS = {"Type", "Id", "RequestId", "ErrorCode", "ErrorMessage"}
ID = re.compile(r"[a-zA-Z0-9]{12}")
SEND_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z")
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def token(
    client: Any, room_arn: str, user: str, capabilities: list[str] | None = None, **kwargs: Any
) -> str:
    caps = ALL_CAPABILITIES if capabilities is None else capabilities
    response = client.create_chat_token(
        roomIdentifier=room_arn, userId=user, capabilities=caps, **kwargs
    )
    return str(response["token"])


def join(
    fake: FakeIvsChat,
    client: Any,
    room_arn: str,
    user: str,
    capabilities: list[str] | None = None,
    **kwargs: Any,
) -> ChatConnection:
    return fake.connect(token(client, room_arn, user, capabilities, **kwargs))


@pytest.fixture
def arn(room: dict[str, Any]) -> str:
    return str(room["arn"])


@pytest.fixture
def alice(fake: FakeIvsChat, client: Any, arn: str) -> ChatConnection:
    return join(fake, client, arn, "alice", attributes={"displayName": "Alice"})


@pytest.fixture
def bob(fake: FakeIvsChat, client: Any, arn: str) -> ChatConnection:
    return join(fake, client, arn, "bob", capabilities=[])


def assert_error(frame: Mapping[str, Any], code: int, request_id: str = "") -> None:
    assert set(frame) == ERROR_KEYS
    assert frame["Type"] == "ERROR"
    assert frame["ErrorCode"] == code, frame
    assert frame["RequestId"] == request_id
    assert ID.fullmatch(frame["Id"])
    assert isinstance(frame["ErrorMessage"], str) and frame["ErrorMessage"]


# ---------------------------------------------------------------------------- connecting


def test_a_connection_starts_open_and_empty(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection
) -> None:
    assert not alice.closed
    assert alice.close_reason is None
    assert alice.received == []
    assert (alice.user_id, alice.room_arn) == ("alice", arn)
    assert alice.claims.capabilities == tuple(ALL_CAPABILITIES)
    assert repr(alice) == f"<ChatConnection user_id='alice' room='{arn}' open, 0 frame(s) received>"


def test_a_token_connects_only_once(fake: FakeIvsChat, client: Any, arn: str) -> None:
    tok = token(client, arn, "alice")
    fake.connect(tok)
    with pytest.raises(ChatConnectionError) as refused:
        fake.connect(tok)
    assert refused.value.code == 401
    assert refused.value.message == (
        "This chat token was already used to connect; create a new one."
    )


def _tampered(client: Any, arn: str, other: FakeIvsChat) -> list[str]:
    tok = token(client, arn, "alice")
    flipped = tok[:20] + ("A" if tok[20] != "A" else "B") + tok[21:]
    foreign_client = other.client(region_name="us-west-2")
    foreign_room = foreign_client.create_room()["arn"]
    return [flipped, tok[:-4], "", "not a token", token(foreign_client, foreign_room, "alice")]


def test_a_tampered_truncated_or_foreign_token_is_refused_with_401(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    for bad in _tampered(client, arn, FakeIvsChat()):
        with pytest.raises(ChatConnectionError) as refused:
            fake.connect(bad)
        assert refused.value.code == 401
        assert refused.value.message.startswith("Invalid chat token: not a chat token issued by")
        assert str(refused.value).startswith("401: Invalid chat token")


def test_an_expired_token_is_refused_and_a_refusal_does_not_spend_it(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        tok = token(client, arn, "alice")
        traveller.shift(timedelta(seconds=61))
        with pytest.raises(ChatConnectionError) as refused:
            fake.connect(tok)
        assert refused.value.code == 401
        assert refused.value.message == (
            "This chat token expired at 2024-05-01T12:01:00Z; create a new one."
        )
        traveller.move_to(T0 + timedelta(seconds=60))  # the last instant it is still valid
        assert not fake.connect(tok).closed


def test_the_token_lifetime_quota_sets_token_expiry(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    fake.quotas.token_lifetime_seconds = 5
    with time_machine.travel(T0, tick=False) as traveller:
        response = client.create_chat_token(roomIdentifier=arn, userId="alice")
        assert response["tokenExpirationTime"] == T0 + timedelta(seconds=5)
        traveller.shift(timedelta(seconds=6))
        with pytest.raises(ChatConnectionError, match="expired at 2024-05-01T12:00:05Z"):
            fake.connect(response["token"])


def test_a_token_whose_session_already_ended_is_refused(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    fake.quotas.token_lifetime_seconds = 300  # outlives a one-minute session
    with time_machine.travel(T0, tick=False) as traveller:
        tok = token(client, arn, "alice", sessionDurationInMinutes=1)
        traveller.shift(timedelta(seconds=90))
        with pytest.raises(ChatConnectionError) as refused:
            fake.connect(tok)
    assert refused.value.code == 401
    assert refused.value.message == (
        "The session of this chat token expired at 2024-05-01T12:01:00Z; create a new one."
    )


def test_a_token_whose_room_was_deleted_is_refused_with_404(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    tok = token(client, arn, "alice")
    client.delete_room(identifier=arn)
    with pytest.raises(ChatConnectionError) as refused:
        fake.connect(tok)
    assert refused.value.code == 404
    assert refused.value.message == f"The chat token's room does not exist: {arn}."


# ------------------------------------------------------------------------ sending messages


@pytest.mark.parametrize(
    ("frozen_at", "send_time"),
    [
        ("2024-05-01T12:00:00.123456Z", "2024-05-01T12:00:00.123456Z"),
        ("2024-05-01T12:00:00.120000Z", "2024-05-01T12:00:00.12Z"),
        ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"),
    ],
)
def test_a_message_frame_has_the_exact_shape_of_the_messaging_api(
    fake: FakeIvsChat, client: Any, arn: str, frozen_at: str, send_time: str
) -> None:
    with freeze_time(frozen_at):
        alice = join(fake, client, arn, "alice", attributes={"displayName": "Alice"})
        frame = alice.send_message("hi there", {"color": "red"}, request_id="r-1")
    assert frame == {
        "Type": "MESSAGE",
        "Id": frame["Id"],
        "RequestId": "r-1",
        "Content": "hi there",
        "Attributes": {"color": "red"},
        "Sender": {"UserId": "alice", "Attributes": {"displayName": "Alice"}},
        "SendTime": send_time,
    }
    assert ID.fullmatch(frame["Id"])


def test_request_id_and_attributes_default_to_empty(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    alice = join(fake, client, arn, "alice")
    frame = alice.send_message("hi")
    assert set(frame) == MESSAGE_KEYS
    assert frame["RequestId"] == ""
    assert frame["Attributes"] == {}
    assert frame["Sender"] == {"UserId": "alice", "Attributes": {}}
    assert SEND_TIME.fullmatch(frame["SendTime"])


def test_a_message_reaches_every_connection_of_the_room_sender_included(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection, bob: ChatConnection
) -> None:
    other_room = client.create_room(name="elsewhere")["arn"]
    carol = join(fake, client, other_room, "carol")
    frame = alice.send_message("hello", request_id="r1")
    assert alice.received == [frame]
    assert bob.received == [frame]
    assert carol.received == []


def test_delivered_frames_are_read_only_so_no_holder_changes_what_another_sees(
    fake: FakeIvsChat, alice: ChatConnection, bob: ChatConnection
) -> None:
    frame = alice.send_message("hello", {"k": "v"})
    assert frame == alice.received[0] == bob.received[0] == fake.messages()[0].payload
    assert isinstance(frame, dict)
    assert json.loads(json.dumps(frame)) == frame
    read_only = (
        "Delivered frames and records are read-only (every holder shares them);"
        " change a copy: dict(frame) or copy.deepcopy(frame)."
    )
    edits: list[Callable[[], object]] = [
        lambda: frame.__setitem__("Content", "changed"),
        lambda: frame["Sender"].__setitem__("UserId", "changed"),
        lambda: frame["Sender"]["Attributes"].__setitem__("role", "changed"),
        lambda: bob.received[0]["Attributes"].update(k="changed"),
        lambda: cast(Any, fake.messages()[0].attributes).pop("k"),
        lambda: frame.clear(),
        lambda: frame.setdefault("Extra", "x"),
    ]
    for edit in edits:
        with pytest.raises(TypeError) as error:
            edit()
        assert str(error.value) == read_only
    assert bob.received[0]["Content"] == "hello"
    assert bob.received[0]["Sender"]["UserId"] == "alice"
    assert fake.messages()[0].attributes == {"k": "v"}
    mine = copy.deepcopy(frame)
    mine["Sender"]["UserId"] = "me"
    assert type(mine) is dict and type(mine["Sender"]) is dict
    shallow = dict(frame)
    shallow["Content"] = "mine"
    assert frame["Content"] == "hello"
    assert pickle.loads(pickle.dumps(frame)) == frame


def test_received_keeps_every_frame_in_delivery_order(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection, bob: ChatConnection
) -> None:
    first = alice.send_message("one")
    client.send_event(roomIdentifier=arn, eventName="app:poll")
    error = alice.send("not json")
    second = alice.send_message("two")
    assert [f["Type"] for f in alice.received] == ["MESSAGE", "EVENT", "ERROR", "MESSAGE"]
    assert alice.received[0] == first and alice.received[2] == error
    assert alice.received[3] == second
    assert [f.get("Content", f.get("EventName")) for f in bob.received] == [
        "one",
        "app:poll",
        "two",
    ]


def test_raw_send_takes_a_dict_or_the_json_text(alice: ChatConnection) -> None:
    as_dict = alice.send({"Action": "SEND_MESSAGE", "Content": "raw", "RequestId": "d"})
    text = json.dumps({"Action": "SEND_MESSAGE", "Content": "raw", "Attributes": {"a": "b"}})
    as_text = alice.send(text)
    assert (as_dict["Type"], as_dict["Content"], as_dict["RequestId"]) == ("MESSAGE", "raw", "d")
    assert (as_text["Type"], as_text["Attributes"]) == ("MESSAGE", {"a": "b"})


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param("{not json", id="malformed-json"),
        pytest.param('["SEND_MESSAGE"]', id="json-array"),
        pytest.param("42", id="json-number"),
        pytest.param({}, id="no-action"),
        pytest.param({"Action": "SHOUT", "Content": "x"}, id="unknown-action"),
        pytest.param({"Action": 3}, id="action-not-a-string"),
        pytest.param({"Action": "SEND_MESSAGE"}, id="missing-content"),
        pytest.param({"Action": "SEND_MESSAGE", "Content": ""}, id="empty-content"),
        pytest.param({"Action": "SEND_MESSAGE", "Content": 5}, id="content-not-a-string"),
        pytest.param(
            {"Action": "SEND_MESSAGE", "Content": "x", "Attributes": {"n": 1}},
            id="attribute-not-a-string",
        ),
        pytest.param(
            {"Action": "SEND_MESSAGE", "Content": "x", "Attributes": ["a"]},
            id="attributes-not-an-object",
        ),
        pytest.param({"Action": "DELETE_MESSAGE"}, id="delete-without-id"),
        pytest.param({"Action": "DISCONNECT_USER", "UserId": ""}, id="disconnect-empty-user"),
        pytest.param(
            {"Action": "SEND_MESSAGE", "Content": "x", "RequestId": 7}, id="request-id-not-text"
        ),
    ],
)
def test_a_bad_request_gets_error_400_on_the_requester_only(
    fake: FakeIvsChat, alice: ChatConnection, bob: ChatConnection, payload: Any
) -> None:
    frame = alice.send(payload)
    assert_error(frame, 400)
    assert alice.received == [frame]
    assert bob.received == []
    assert fake.messages() == [] and fake.events() == []
    assert not alice.closed


def test_the_error_frame_echoes_the_request_id(alice: ChatConnection) -> None:
    frame = alice.send({"Action": "SHOUT", "RequestId": "req-9"})
    assert_error(frame, 400, request_id="req-9")
    assert frame["ErrorMessage"] == (
        "Unknown or missing Action 'SHOUT'; expected one of"
        " DELETE_MESSAGE, DISCONNECT_USER, SEND_MESSAGE."
    )


@pytest.mark.parametrize(
    ("capability", "publish"),
    [
        ("SEND_MESSAGE", lambda c: c.send_message("hi", request_id="q")),
        ("DELETE_MESSAGE", lambda c: c.delete_message("AbCdEfGhIjKl", request_id="q")),
        ("DISCONNECT_USER", lambda c: c.disconnect_user("alice", request_id="q")),
    ],
)
def test_an_action_without_its_capability_gets_error_403(
    fake: FakeIvsChat,
    client: Any,
    arn: str,
    alice: ChatConnection,
    capability: str,
    publish: Any,
) -> None:
    others = [c for c in ALL_CAPABILITIES if c != capability]
    mallory = join(fake, client, arn, "mallory", capabilities=others)
    frame = publish(mallory)
    assert_error(frame, 403, request_id="q")
    assert frame["ErrorMessage"] == (
        "The connection's capabilities do not permit this action"
        f" ({capability} needs capability {capability})."
    )
    assert alice.received == []
    assert not alice.closed and fake.events() == [] and fake.messages() == []


def test_content_length_counts_code_points_not_bytes(
    fake: FakeIvsChat, client: Any, alice: ChatConnection
) -> None:
    small = client.create_room(maximumMessageLength=5)["arn"]
    dana = join(fake, client, small, "dana")
    five = "😀é中a👍"  # 5 code points, 14 UTF-8 bytes
    assert dana.send_message(five)["Content"] == five
    frame = dana.send_message("😀" * 6, request_id="long")
    assert_error(frame, 400, request_id="long")
    assert frame["ErrorMessage"] == "Message content must be at most 5 characters (got 6)."
    assert [m.content for m in fake.messages(small)] == [five]


def test_the_default_maximum_length_is_500_code_points(alice: ChatConnection) -> None:
    assert alice.send_message("ü" * 500)["Type"] == "MESSAGE"
    assert_error(alice.send_message("ü" * 501), 400)


def test_update_room_changes_the_limit_for_open_connections(
    client: Any, arn: str, alice: ChatConnection
) -> None:
    client.update_room(identifier=arn, maximumMessageLength=3)
    assert_error(alice.send_message("abcd"), 400)
    assert alice.send_message("abc")["Type"] == "MESSAGE"


def test_the_eleventh_message_in_one_second_gets_429_until_the_clock_moves(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    with freeze_time("2024-05-01T12:00:00.5Z") as frozen:
        alice = join(fake, client, arn, "alice")
        bob = join(fake, client, arn, "bob")
        sent = [(alice if i % 2 else bob).send_message(f"m{i}") for i in range(10)]
        assert [f["Type"] for f in sent] == ["MESSAGE"] * 10
        frame = alice.send_message("one too many", request_id="r11")
        assert_error(frame, 429, request_id="r11")
        assert frame["ErrorMessage"] == "This room accepts at most 10 messages per second."
        assert "one too many" not in [f.get("Content") for f in bob.received]
        frozen.tick(1)
        assert alice.send_message("one too many")["Type"] == "MESSAGE"
    assert len(fake.messages(arn)) == 11


def test_the_rate_limit_is_per_room_and_follows_the_room_setting(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    slow = client.create_room(maximumMessageRatePerSecond=2)["arn"]
    with freeze_time("2024-05-01T12:00:00Z"):
        dana = join(fake, client, slow, "dana")
        alice = join(fake, client, arn, "alice")
        assert [dana.send_message("x")["Type"] for _ in range(2)] == ["MESSAGE", "MESSAGE"]
        assert_error(dana.send_message("x"), 429)
        assert alice.send_message("other rooms are unaffected")["Type"] == "MESSAGE"
        # Refused requests do not use up the room's budget, and only messages count.
        assert_error(alice.send_message(""), 400)
        alice.delete_message("AbCdEfGhIjKl")
        assert [alice.send_message("y")["Type"] for _ in range(9)] == ["MESSAGE"] * 9
        assert_error(alice.send_message("z"), 429)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(
            {"Action": "SEND_MESSAGE", "Content": "x", "Attributes": {"k": "é" * 512}},
            id="attributes-over-1KB-in-utf8",
        ),
        pytest.param({"Action": "SEND_MESSAGE", "Content": "x", "RequestId": "r" * 257}, id="rid"),
        pytest.param({"Action": "DELETE_MESSAGE", "Id": "i" * 129}, id="message-id"),
        pytest.param({"Action": "DELETE_MESSAGE", "Id": "i", "Reason": "r" * 257}, id="reason"),
        pytest.param({"Action": "DISCONNECT_USER", "UserId": "u" * 129}, id="user-id"),
        pytest.param(
            {"Action": "DISCONNECT_USER", "UserId": "u", "Reason": "r" * 257}, id="dc-reason"
        ),
    ],
)
def test_a_field_that_is_too_large_gets_error_413(
    fake: FakeIvsChat, alice: ChatConnection, bob: ChatConnection, payload: dict[str, Any]
) -> None:
    frame = alice.send(payload)
    assert_error(frame, 413)
    assert bob.received == [] and fake.events() == [] and fake.messages() == []


def test_fields_at_their_size_limit_pass(alice: ChatConnection) -> None:
    exactly_1kb = {"k": "é" * 511 + "v"}  # 1 + 1022 + 1 bytes
    assert alice.send_message("x", exactly_1kb, request_id="r" * 256)["Type"] == "MESSAGE"
    assert alice.delete_message("i" * 128, "r" * 256)["Type"] == "EVENT"
    assert alice.disconnect_user("u" * 128, "r" * 256)["Type"] == "EVENT"


def test_the_413_message_says_what_is_too_large(alice: ChatConnection) -> None:
    frame = alice.send_message("x", {"k": "é" * 512})
    assert frame["ErrorMessage"] == "Attributes are too large: 1025 bytes, at most 1024 allowed."
    frame = alice.delete_message("i" * 129)
    assert frame["ErrorMessage"] == "Id is too large: at most 128 characters."


# ------------------------------------------------------- text that is not valid Unicode

SURROGATE_FIELDS = [
    pytest.param({"Action": "SEND_MESSAGE", "Content": "hi \ud800"}, "Content", 3, id="content"),
    pytest.param(
        {"Action": "SEND_MESSAGE", "Content": "x", "Attributes": {"k": "\ud800"}},
        "Attributes['k']",
        0,
        id="attribute-value",
    ),
    pytest.param(
        {"Action": "SEND_MESSAGE", "Content": "x", "Attributes": {"\ud800": "v"}},
        "A key of Attributes",
        0,
        id="attribute-key",
    ),
    pytest.param({"Action": "DELETE_MESSAGE", "Id": "\ud800"}, "Id", 0, id="message-id"),
    pytest.param(
        {"Action": "DELETE_MESSAGE", "Id": "AbCdEfGhIjKl", "Reason": "\ud800"},
        "Reason",
        0,
        id="delete-reason",
    ),
    pytest.param({"Action": "DISCONNECT_USER", "UserId": "\ud800"}, "UserId", 0, id="user-id"),
    pytest.param(
        {"Action": "DISCONNECT_USER", "UserId": "bob", "Reason": "\ud800"},
        "Reason",
        0,
        id="disconnect-reason",
    ),
    pytest.param({"Action": "SEND_MESSAGE\ud800", "Content": "x"}, "Action", 12, id="action"),
]


@pytest.mark.parametrize("as_text", [False, True], ids=["dict", "json-text"])
@pytest.mark.parametrize(("payload", "field", "index"), SURROGATE_FIELDS)
def test_a_lone_surrogate_in_any_field_gets_error_400_and_is_never_delivered(
    fake: FakeIvsChat,
    alice: ChatConnection,
    bob: ChatConnection,
    payload: dict[str, Any],
    field: str,
    index: int,
    as_text: bool,
) -> None:
    request = {**payload, "RequestId": "r-1"}
    frame = alice.send(json.dumps(request) if as_text else request)  # json escapes it: \ud800
    assert_error(frame, 400, request_id="r-1")
    assert frame["ErrorMessage"] == (
        f"{field} is not valid Unicode: it contains an unpaired surrogate"
        f" (U+D800 at index {index})."
    )
    assert alice.received == [frame] and bob.received == []
    assert fake.messages() == [] and fake.events() == [] and not alice.closed
    assert alice.send_message("still fine")["Type"] == "MESSAGE"


def test_a_request_id_that_is_not_valid_unicode_is_not_echoed(alice: ChatConnection) -> None:
    frame = alice.send({"Action": "SEND_MESSAGE", "Content": "x", "RequestId": "r\udfff"})
    assert_error(frame, 400, request_id="")
    assert frame["ErrorMessage"] == (
        "RequestId is not valid Unicode: it contains an unpaired surrogate (U+DFFF at index 1)."
    )


def test_a_surrogate_pair_escaped_in_json_text_is_one_valid_character(
    fake: FakeIvsChat, alice: ChatConnection
) -> None:
    frame = alice.send('{"Action": "SEND_MESSAGE", "Content": "\\ud83d\\ude00"}')
    assert frame["Content"] == "\U0001f600"
    assert_error(alice.send('{"Action": "SEND_MESSAGE", "Content": "\\ude00\\ud83d"}'), 400)


# ----------------------------------------------------------- payloads of every kind


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_raw_send_takes_utf8_json_as_bytes_bytearray_or_memoryview(
    alice: ChatConnection, kind: Callable[[bytes], Any]
) -> None:
    text = json.dumps({"Action": "SEND_MESSAGE", "Content": "héllo 😀", "RequestId": "b"})
    frame = alice.send(kind(text.encode()))
    assert (frame["Type"], frame["Content"], frame["RequestId"]) == ("MESSAGE", "héllo 😀", "b")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        pytest.param("[" * 100_000, "The request is nested too deeply.", id="deep-arrays"),
        pytest.param('{"a":' * 100_000, "The request is nested too deeply.", id="deep-objects"),
        pytest.param(b"\xff\xfe", "The request is not valid UTF-8 text.", id="not-utf8"),
        pytest.param(
            json.dumps({"Action": "SEND_MESSAGE", "Content": "x"}).encode("utf-16"),
            "The request is not valid UTF-8 text.",
            id="utf16-json",
        ),
        pytest.param(
            '{"Action": "SEND_MESSAGE", "Content": "x", "n": NaN}',
            "The request is not valid JSON.",
            id="nan-literal",
        ),
        pytest.param(
            {"Action": "SEND_MESSAGE", "Content": "x", "Extra": object()},
            "Extra is not a JSON value (object).",
            id="object-value",
        ),
        pytest.param(
            {"Action": "SEND_MESSAGE", "Content": "x", "Extra": [1, {"b": {1, 2}}]},
            "Extra[1]['b'] is not a JSON value (set).",
            id="nested-set",
        ),
        pytest.param(
            {"Action": "SEND_MESSAGE", "Content": "x", "Extra": float("inf")},
            "Extra is inf, which JSON cannot express.",
            id="infinity",
        ),
        pytest.param(
            {"Action": "SEND_MESSAGE", "Content": "x", 7: "seven"},
            "Every key of the request must be a string (got int).",
            id="int-key",
        ),
        pytest.param(
            {"Action": "SEND_MESSAGE", "Content": b"x"},
            "Content is not a JSON value (bytes).",
            id="bytes",
        ),
        pytest.param(
            {"Action": "SEND_MESSAGE", "Content": "x", "Attributes": {"k": 1.5}},
            "Attributes must be an object of string keys and string values.",
            id="float-attribute",
        ),
    ],
)
def test_any_malformed_payload_gets_error_400_never_an_exception(
    alice: ChatConnection, bob: ChatConnection, payload: Any, message: str
) -> None:
    frame = alice.send(payload)
    assert_error(frame, 400)
    assert frame["ErrorMessage"] == message
    assert alice.received == [frame] and bob.received == []
    assert alice.send_message("still fine")["Type"] == "MESSAGE"


def test_a_cyclic_dict_payload_gets_error_400(alice: ChatConnection) -> None:
    payload: dict[str, Any] = {"Action": "SEND_MESSAGE", "Content": "x", "RequestId": "c"}
    payload["Self"] = payload
    frame = alice.send(payload)
    assert_error(frame, 400, request_id="c")
    assert frame["ErrorMessage"].endswith("is nested more than 32 levels deep.")


@pytest.mark.parametrize("payload", [5, 1.5, None, ["SEND_MESSAGE"], ("x",), object()])
def test_a_python_value_that_is_no_request_raises_type_error(
    alice: ChatConnection, payload: Any
) -> None:
    with pytest.raises(TypeError) as error:
        alice.send(payload)
    assert str(error.value) == (
        "ChatConnection.send() takes a request object: a dict, or its JSON text as str, bytes,"
        f" bytearray or memoryview; got {type(payload).__name__}."
    )
    assert alice.received == []


# ------------------------------------------------------------------------------- events


def test_delete_message_action_sends_an_event_with_both_id_spellings(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection, bob: ChatConnection
) -> None:
    message = alice.send_message("spam")
    with freeze_time("2024-05-01T12:00:00.000001Z"):
        frame = alice.delete_message(message["Id"], "off topic", request_id="del-1")
    assert frame == {
        "Type": "EVENT",
        "Id": frame["Id"],
        "RequestId": "del-1",
        "EventName": "aws:DELETE_MESSAGE",
        "Attributes": {
            "MessageId": message["Id"],
            "MessageID": message["Id"],
            "Reason": "off topic",
        },
        "SendTime": "2024-05-01T12:00:00.000001Z",
    }
    assert ID.fullmatch(frame["Id"]) and frame["Id"] != message["Id"]
    assert alice.received[-1] == frame and bob.received[-1] == frame


def test_delete_message_without_reason_sends_an_empty_reason(alice: ChatConnection) -> None:
    frame = alice.delete_message("AbCdEfGhIjKl")
    assert frame["Attributes"] == {
        "MessageId": "AbCdEfGhIjKl",
        "MessageID": "AbCdEfGhIjKl",
        "Reason": "",
    }
    assert frame["RequestId"] == ""


def test_control_plane_events_reach_connections_with_an_empty_request_id(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection, bob: ChatConnection
) -> None:
    sent = client.send_event(roomIdentifier=arn, eventName="app:poll", attributes={"q": "1"})
    deleted = client.delete_message(roomIdentifier=arn, id="AbCdEfGhIjKl", reason="spam")
    client.disconnect_user(roomIdentifier=arn, userId="carol", reason="ban")
    assert [set(f) for f in bob.received] == [EVENT_KEYS] * 3
    assert [(f["EventName"], f["Attributes"], f["RequestId"]) for f in bob.received] == [
        ("app:poll", {"q": "1"}, ""),
        (
            "aws:DELETE_MESSAGE",
            {"MessageId": "AbCdEfGhIjKl", "MessageID": "AbCdEfGhIjKl", "Reason": "spam"},
            "",
        ),
        ("aws:DISCONNECT_USER", {"UserId": "carol", "Reason": "ban"}, ""),
    ]
    assert [f["Id"] for f in bob.received[:2]] == [sent["id"], deleted["id"]]
    assert alice.received == bob.received
    assert all(SEND_TIME.fullmatch(f["SendTime"]) for f in bob.received)


def test_events_from_both_sources_are_recorded_alike(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection
) -> None:
    with freeze_time("2024-05-01T12:00:00.25Z"):
        client.delete_message(roomIdentifier=arn, id="AbCdEfGhIjKl", reason="api")
        alice.delete_message("AbCdEfGhIjKl", "socket", request_id="r")
    api, socket = fake.events(arn)
    assert (api.event_name, socket.event_name) == ("aws:DELETE_MESSAGE", "aws:DELETE_MESSAGE")
    assert (api.request_id, socket.request_id) == ("", "r")
    assert (api.attributes["Reason"], socket.attributes["Reason"]) == ("api", "socket")
    assert api.send_time == socket.send_time == datetime(2024, 5, 1, 12, 0, 0, 250000, timezone.utc)
    assert [api.payload, socket.payload] == alice.received
    assert [e.id for e in fake.events(arn)] == [f["Id"] for f in alice.received]
    assert fake.events(arn, name="app:none") == []
    assert len(fake.events(name="aws:DELETE_MESSAGE")) == 2


def test_messages_are_recorded_with_filters_by_room_and_user(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection
) -> None:
    other = client.create_room()["arn"]
    erin = join(fake, client, other, "erin", attributes={"tier": "gold"})
    alice.send_message("a1", {"k": "v"})
    erin.send_message("e1")
    alice.send_message("a2")
    assert [m.content for m in fake.messages()] == ["a1", "e1", "a2"]
    assert [m.content for m in fake.messages(arn)] == ["a1", "a2"]
    assert [m.content for m in fake.messages(user_id="erin")] == ["e1"]
    assert fake.messages(arn, user_id="erin") == []
    first = fake.messages(arn)[0]
    assert (first.room_arn, first.id, first.attributes) == (
        arn,
        alice.received[0]["Id"],
        {"k": "v"},
    )
    assert (first.sender_user_id, first.sender_attributes) == ("alice", {"displayName": "Alice"})
    assert first.payload == alice.received[0]
    assert fake.messages(other)[0].sender_attributes == {"tier": "gold"}


# ------------------------------------------------------------------------------ closing


def test_disconnect_user_api_closes_every_connection_of_that_user_in_that_room(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection
) -> None:
    other = client.create_room()["arn"]
    bob_phone = join(fake, client, arn, "bob")
    bob_laptop = join(fake, client, arn, "bob")
    bob_elsewhere = join(fake, client, other, "bob")
    client.disconnect_user(roomIdentifier=arn, userId="bob", reason="ban")
    for connection in (bob_phone, bob_laptop):
        assert connection.closed
        assert connection.close_reason == "DisconnectUser: ban"
        assert connection.received[-1]["EventName"] == "aws:DISCONNECT_USER"
    assert not bob_elsewhere.closed and bob_elsewhere.received == []
    assert not alice.closed
    alice.send_message("still here")
    assert bob_phone.received[-1]["EventName"] == "aws:DISCONNECT_USER"


def test_disconnect_user_action_delivers_the_event_then_closes(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection
) -> None:
    bob = join(fake, client, arn, "bob")
    frame = alice.disconnect_user("bob", request_id="kick")
    assert frame == {
        "Type": "EVENT",
        "Id": frame["Id"],
        "RequestId": "kick",
        "EventName": "aws:DISCONNECT_USER",
        "Attributes": {"UserId": "bob", "Reason": ""},
        "SendTime": frame["SendTime"],
    }
    assert bob.received == [frame]
    assert bob.closed and bob.close_reason == "DisconnectUser"
    assert not alice.closed


def test_disconnecting_yourself_still_answers_with_the_event(alice: ChatConnection) -> None:
    frame = alice.disconnect_user("alice", "bye")
    assert alice.received == [frame]
    assert alice.close_reason == "DisconnectUser: bye"


def test_delete_room_closes_every_connection_of_the_room(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection, bob: ChatConnection
) -> None:
    other = client.create_room()["arn"]
    carol = join(fake, client, other, "carol")
    client.delete_room(identifier=arn)
    assert (alice.close_reason, bob.close_reason) == ("DeleteRoom", "DeleteRoom")
    assert not carol.closed
    with pytest.raises(ChatConnectionError) as refused:
        alice.send_message("anyone?")
    assert refused.value.code == 404
    assert refused.value.message == (
        f"Cannot publish on the connection of 'alice' to {arn}: it is closed (DeleteRoom)."
        " Connect again with a new chat token."
    )


def test_publishing_on_a_closed_connection_raises_and_delivers_nothing(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection, bob: ChatConnection
) -> None:
    client.disconnect_user(roomIdentifier=arn, userId="alice", reason="ban")
    publishes: list[Callable[[], object]] = [
        lambda: alice.send_message("let me in"),
        lambda: alice.delete_message("AbCdEfGhIjKl"),
        lambda: alice.disconnect_user("bob"),
        lambda: alice.send("{not even json"),
    ]
    for publish in publishes:
        with pytest.raises(ChatConnectionError) as refused:
            publish()
        assert refused.value.code == 0
        assert str(refused.value) == (
            f"Cannot publish on the connection of 'alice' to {arn}: it is closed"
            " (DisconnectUser: ban). Connect again with a new chat token."
        )
    assert len(bob.received) == 1 and fake.messages() == []


def test_a_client_can_close_its_connection(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection, bob: ChatConnection
) -> None:
    alice.close()
    alice.close()
    assert alice.close_reason == "closed by client"
    assert repr(alice) == (
        f"<ChatConnection user_id='alice' room='{arn}' closed (closed by client),"
        " 0 frame(s) received>"
    )
    join(fake, client, arn, "carol").send_message("hi")
    assert alice.received == [] and len(bob.received) == 1
    with pytest.raises(ChatConnectionError, match=r"closed \(closed by client\)"):
        alice.send_message("hi")


def test_an_expired_session_is_closed_when_the_connection_is_next_used(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        alice = join(fake, client, arn, "alice", sessionDurationInMinutes=1)
        alice.send_message("before")
        traveller.shift(timedelta(seconds=60))
        assert alice.send_message("at the last instant")["Type"] == "MESSAGE"
        traveller.shift(timedelta(microseconds=1))
        with pytest.raises(ChatConnectionError) as refused:
            alice.send_message("after")
    assert refused.value.code == 401
    assert alice.closed and alice.close_reason == "session expired"
    assert "it is closed (session expired)" in refused.value.message
    assert [m.content for m in fake.messages()] == ["before", "at the last instant"]


def test_an_expired_session_is_closed_when_its_room_is_next_used(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        short = join(fake, client, arn, "short", sessionDurationInMinutes=1)
        traveller.shift(timedelta(minutes=2))
        long = join(fake, client, arn, "long", sessionDurationInMinutes=180)
        client.send_event(roomIdentifier=arn, eventName="app:tick")
        assert short.close_reason == "session expired"
        assert short.received == []
        assert [f["EventName"] for f in long.received] == ["app:tick"]
        traveller.shift(timedelta(minutes=181))
        assert long.closed  # looking at a connection is using it
        assert long.close_reason == "session expired"


def test_an_expired_session_reports_expiry_not_delete_room(
    fake: FakeIvsChat, client: Any, arn: str
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        alice = join(fake, client, arn, "alice", sessionDurationInMinutes=1)
        traveller.shift(timedelta(minutes=5))
        client.delete_room(identifier=arn)
    assert alice.close_reason == "session expired"


# ------------------------------------------------------------------------- independence


def test_rooms_regions_and_accounts_are_independent(fake: FakeIvsChat) -> None:
    west = fake.client(region_name="us-west-2")
    east = fake.client(region_name="us-east-1")
    partner = fake.client(region_name="us-west-2", account_id="111122223333")
    connections = {}
    for label, client in (("west", west), ("east", east), ("partner", partner)):
        arn = client.create_room(name="lobby")["arn"]
        connections[label] = (arn, join(fake, client, arn, "alice"), join(fake, client, arn, "bob"))
    west_arn, west_alice, west_bob = connections["west"]
    west_alice.send_message("west only")
    west.disconnect_user(roomIdentifier=west_arn, userId="bob")
    for label in ("east", "partner"):
        arn, alice, bob = connections[label]
        assert alice.received == [] and bob.received == []
        assert not bob.closed
        assert fake.messages(arn) == [] and fake.events(arn) == []
        assert alice.send_message("mine")["Type"] == "MESSAGE"
    assert west_bob.closed
    assert [m.content for m in fake.messages(west_arn)] == ["west only"]
    assert len(west_alice.received) == 2


def test_a_token_works_only_for_the_fake_that_issued_it(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_room()["arn"]
    with pytest.raises(ChatConnectionError) as refused:
        FakeIvsChat(seed=1234).connect(token(client, arn, "alice"))
    assert refused.value.code == 401
