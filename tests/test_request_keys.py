"""Chat Messaging requests are read as the service's Go decoder reads them: keys matched to the
known fields whatever their case, the later of two keys for one field wins, ``null`` is absent;
the values themselves are not folded, and what the service sends back uses its own names."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from fake_ivschat import ChatConnection, FakeIvsChat

ALL = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]
MESSAGE_KEYS = {"Type", "Id", "RequestId", "Content", "Attributes", "Sender", "SendTime"}


@pytest.fixture
def arn(client: Any) -> str:
    return str(client.create_room(maximumMessageRatePerSecond=100)["arn"])


def join(fake: FakeIvsChat, client: Any, arn: str, user: str) -> ChatConnection:
    token = client.create_chat_token(roomIdentifier=arn, userId=user, capabilities=ALL)
    return fake.connect(token["token"])


@pytest.fixture
def alice(fake: FakeIvsChat, client: Any, arn: str) -> ChatConnection:
    return join(fake, client, arn, "alice")


def sent(alice: ChatConnection, payload: Mapping[str, Any] | str) -> Mapping[str, Any]:
    frame = alice.send(payload)
    assert frame["Type"] == "MESSAGE", frame
    assert set(frame) == MESSAGE_KEYS
    return frame


# ------------------------------------------------------------------ keys of any case


def test_a_chat_page_writing_lower_case_keys_is_answered_as_aws_answers_it(
    fake: FakeIvsChat, alice: ChatConnection
) -> None:
    text = '{"action":"SEND_MESSAGE","requestId":"r-1","content":"hi","attributes":{"k":"v"}}'
    frame = sent(alice, text)
    assert (frame["Content"], frame["Attributes"], frame["RequestId"]) == ("hi", {"k": "v"}, "r-1")
    assert fake.assert_message("hi", attributes={"k": "v"}).payload == frame


@pytest.mark.parametrize(
    "keys",
    [
        ("ACTION", "CONTENT", "ATTRIBUTES", "REQUESTID"),
        ("aCtIoN", "cOnTeNt", "aTtRiBuTeS", "rEqUeStId"),
        # Go folds by Unicode's simple case folding: the long s and the Kelvin sign are an s and a
        # k to it (none of the fields has a k: the long s is the case that can be seen).
        ("Action", "Content", "Attribute\u017f", "Reque\u017ftid"),
    ],
    ids=["upper", "mixed", "long-s"],
)
def test_every_spelling_go_folds_to_a_field_is_that_field(
    alice: ChatConnection, keys: tuple[str, str, str, str]
) -> None:
    action, content, attributes, request_id = keys
    payload = {action: "SEND_MESSAGE", content: "hi", attributes: {"a": "b"}, request_id: "r"}
    frame = sent(alice, payload)
    assert (frame["Content"], frame["Attributes"], frame["RequestId"]) == ("hi", {"a": "b"}, "r")


def test_a_key_that_only_python_would_fold_is_not_a_field(alice: ChatConnection) -> None:
    # Python's str.upper() makes the dotless i an I; Go's folding does not.
    frame = alice.send({"Act\u0131on": "SEND_MESSAGE", "Content": "hi"})
    assert (frame["Type"], frame["ErrorCode"]) == ("ERROR", 400)
    assert "missing Action None" in frame["ErrorMessage"]


def test_delete_and_disconnect_read_their_fields_whatever_the_case(
    fake: FakeIvsChat, client: Any, arn: str, alice: ChatConnection
) -> None:
    bob = join(fake, client, arn, "bob")
    deleted = alice.send({"action": "DELETE_MESSAGE", "ID": "m-1", "reason": "spam"})
    assert deleted["Type"] == "EVENT", deleted
    assert deleted["Attributes"]["MessageId"] == "m-1" and deleted["Attributes"]["Reason"] == "spam"
    gone = alice.send({"ACTION": "DISCONNECT_USER", "userid": "bob", "REASON": "bye"})
    assert gone["Attributes"] == {"UserId": "bob", "Reason": "bye"}
    assert bob.close_reason == "DisconnectUser: bye"


def test_attribute_names_are_the_users_and_kept_as_written(alice: ChatConnection) -> None:
    frame = sent(alice, {"Action": "SEND_MESSAGE", "Content": "hi", "attributes": {"content": "x"}})
    assert frame["Attributes"] == {"content": "x"}


def test_values_are_not_folded(alice: ChatConnection) -> None:
    frame = alice.send({"action": "send_message", "content": "hi"})
    assert (frame["Type"], frame["ErrorCode"]) == ("ERROR", 400)
    assert "Unknown or missing Action 'send_message'" in frame["ErrorMessage"]


def test_an_error_frame_echoes_a_request_id_given_in_any_case(alice: ChatConnection) -> None:
    frame = alice.send('{"requestid": "r-9", "action": "NOPE"}')
    assert (frame["ErrorCode"], frame["RequestId"]) == (400, "r-9")


# ------------------------------------------------------------- two keys, one field


@pytest.mark.parametrize(
    "text, content",
    [
        ('{"Action":"SEND_MESSAGE","Content":"first","content":"second"}', "second"),
        ('{"Action":"SEND_MESSAGE","content":"first","Content":"second"}', "second"),
        # The same key twice around another spelling: the position in the text decides.
        ('{"Action":"SEND_MESSAGE","content":"x","Content":"y","content":"z"}', "z"),
        ('{"Action":"SEND_MESSAGE","Content":"x","CONTENT":"y","Content":"z"}', "z"),
    ],
)
def test_the_later_key_in_the_text_wins(alice: ChatConnection, text: str, content: str) -> None:
    assert sent(alice, text)["Content"] == content


def test_the_later_key_of_a_dict_wins(alice: ChatConnection) -> None:
    frame = sent(alice, {"Action": "SEND_MESSAGE", "Content": "first", "CONTENT": "second"})
    assert frame["Content"] == "second"


def test_null_is_absent_and_a_later_null_leaves_a_text_field_as_it_was(
    alice: ChatConnection,
) -> None:
    frame = sent(alice, '{"Action":"SEND_MESSAGE","Content":"kept","content":null}')
    assert frame["Content"] == "kept"
    frame = sent(
        alice, '{"Action":"SEND_MESSAGE","Content":"hi","Attributes":null,"RequestId":null}'
    )
    assert (frame["Attributes"], frame["RequestId"]) == ({}, "")
    missing = alice.send('{"Action":null,"Content":"hi"}')
    assert (missing["ErrorCode"], "missing Action None" in missing["ErrorMessage"]) == (400, True)


def test_two_attribute_objects_are_merged_and_a_later_null_empties_them(
    alice: ChatConnection,
) -> None:
    # Go decodes a repeated map field into the map it already holds; null makes it nil.
    text = (
        '{"Action":"SEND_MESSAGE","Content":"hi",'
        '"Attributes":{"a":"1","b":"1"},"attributes":{"b":"2"}}'
    )
    assert sent(alice, text)["Attributes"] == {"a": "1", "b": "2"}
    text = '{"Action":"SEND_MESSAGE","Content":"hi","Attributes":{"a":"1"},"attributes":null}'
    assert sent(alice, text)["Attributes"] == {}


def test_a_value_of_the_wrong_type_is_refused_even_when_a_later_key_is_right(
    alice: ChatConnection,
) -> None:
    # Go reports the first type error it meets, whatever follows.
    frame = alice.send('{"Action":"SEND_MESSAGE","Content":5,"content":"hi"}')
    assert (frame["ErrorCode"], frame["ErrorMessage"]) == (400, "Content must be a string.")


# ------------------------------------------------------------------------ sockets


@pytest.fixture
def served(fake: FakeIvsChat) -> Iterator[str]:
    with fake.serve() as server:
        yield server.chat_url


def test_a_socket_sending_lower_case_keys_gets_frames_with_the_services_names(
    fake: FakeIvsChat, client: Any, arn: str, served: str
) -> None:
    token = client.create_chat_token(roomIdentifier=arn, userId="ana", capabilities=ALL)["token"]
    peer = join(fake, client, arn, "peer")
    with connect(served, subprotocols=[Subprotocol(token)]) as ws:
        ws.send(
            json.dumps(
                {
                    "action": "SEND_MESSAGE",
                    "requestId": "r-1",
                    "content": "from a page",
                    "attributes": {"color": "red"},
                }
            )
        )
        ws.send('{"ACTION":"DELETE_MESSAGE","requestid":"r-2","id":"m-1","Reason":"spam"}')
        text = ws.recv(timeout=5)
        deleted = json.loads(ws.recv(timeout=5))
    message = json.loads(text)
    assert isinstance(text, str) and '"content"' not in text and '"Content":"from a page"' in text
    assert set(message) == MESSAGE_KEYS
    assert (message["Attributes"], message["RequestId"]) == ({"color": "red"}, "r-1")
    assert (deleted["Type"], deleted["RequestId"]) == ("EVENT", "r-2")
    assert deleted["Attributes"]["MessageId"] == "m-1"
    assert [dict(frame) for frame in peer.received] == [message, deleted]
