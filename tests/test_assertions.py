"""Assertion conveniences on what the fake recorded: assert_called / assert_event /
assert_message, filters by subset, readable reprs and failure messages that list what was
recorded instead."""

from __future__ import annotations

from typing import Any
from unittest.mock import ANY

import pytest

from fake_ivschat import FakeIvsChat, RecordedCall
from fake_ivschat._records import MAX_LISTED

REGION = "us-west-2"


def test_assert_called_returns_the_last_matching_call(fake: FakeIvsChat, client: Any) -> None:
    client.create_room(name="lobby")
    second = client.create_room(name="lobby", maximumMessageLength=10)
    call = fake.assert_called("CreateRoom", name="lobby")
    assert call.params == {"name": "lobby", "maximumMessageLength": 10}
    assert call.response is not None and call.response["arn"] == second["arn"]
    assert call.ok
    assert fake.assert_called("CreateRoom", name=ANY, maximumMessageLength=10) is call


def test_assert_called_matches_failed_calls_too(fake: FakeIvsChat, client: Any) -> None:
    with pytest.raises(client.exceptions.ValidationException):
        client.create_room(name="bad name!")
    call = fake.assert_called("CreateRoom", name="bad name!")
    assert not call.ok
    assert call.error == "ValidationException"


def test_assert_called_lists_the_recorded_calls_when_missing(
    fake: FakeIvsChat, client: Any
) -> None:
    arn = client.create_room(name="lobby")["arn"]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_room(identifier=arn.replace(arn[-12:], "abcdefABCDEF"))
    with pytest.raises(AssertionError) as error:
        fake.assert_called("CreateRoom", name="stage")
    assert str(error.value) == (
        "No CreateRoom(name='stage') call was recorded.\n"
        "Recorded calls (2):\n"
        f"  - <RecordedCall CreateRoom(name='lobby') {REGION} 123456789012 -> ok>\n"
        f"  - <RecordedCall GetRoom(identifier='arn:aws:ivschat:{REGION}:123456789012:"
        f"room/abcdefABCDEF') {REGION} 123456789012 -> ResourceNotFoundException>"
    )


def test_a_param_that_was_not_sent_never_matches(fake: FakeIvsChat, client: Any) -> None:
    client.create_room()
    with pytest.raises(AssertionError, match=r"No CreateRoom\(name=<ANY>\) call was recorded"):
        fake.assert_called("CreateRoom", name=ANY)


def test_assert_called_with_nothing_recorded(fake: FakeIvsChat) -> None:
    with pytest.raises(AssertionError) as error:
        fake.assert_called("ListRooms")
    assert str(error.value) == ("No ListRooms() call was recorded.\nNo calls were recorded at all.")


def test_the_failure_lists_only_the_most_recent_calls(fake: FakeIvsChat, client: Any) -> None:
    for index in range(MAX_LISTED + 3):
        client.create_room(name=f"r{index}")
    with pytest.raises(AssertionError) as error:
        fake.assert_called("DeleteRoom")
    lines = str(error.value).splitlines()
    assert lines[1:3] == [f"Recorded calls ({MAX_LISTED + 3}):", "  ... 3 earlier calls not shown"]
    assert len(lines) == 3 + MAX_LISTED
    assert "CreateRoom(name='r3')" in lines[3]


def test_call_reprs_shorten_long_values() -> None:
    call = RecordedCall(
        "SendEvent",
        REGION,
        "123456789012",
        {"eventName": "e", "attributes": {f"k{i}": "v" * 200 for i in range(12)}},
        None,
        "ThrottlingException",
        "slow down",
    )
    text = repr(call)
    assert text.startswith("<RecordedCall SendEvent(eventName='e', attributes={'k0': 'vvv")
    assert text.endswith(f", ...}}) {REGION} 123456789012 -> ThrottlingException>")
    assert len(text) < 1200


def test_assert_event_by_name_room_and_attributes(fake: FakeIvsChat, client: Any) -> None:
    lobby = client.create_room(name="lobby")["arn"]
    stage = client.create_room(name="stage")["arn"]
    client.send_event(roomIdentifier=lobby, eventName="app:go", attributes={"a": "1", "b": "2"})
    client.send_event(roomIdentifier=stage, eventName="app:go", attributes={"a": "1"})
    assert fake.assert_event("app:go").room_arn == stage
    assert fake.assert_event("app:go", room=lobby).attributes == {"a": "1", "b": "2"}
    assert fake.assert_event("app:go", attributes={"b": "2"}).room_arn == lobby
    with pytest.raises(AssertionError) as error:
        fake.assert_event("app:go", room=stage, attributes={"b": "2"})
    first, second = fake.events()
    assert str(error.value) == (
        f"No EVENT 'app:go' in {stage} with attributes {{'b': '2'}} was recorded.\n"
        "Recorded events (2):\n"
        f"  - <RecordedEvent app:go {{'a': '1', 'b': '2'}} in {lobby} id={first.id}>\n"
        f"  - <RecordedEvent app:go {{'a': '1'}} in {stage} id={second.id}>"
    )


def test_assert_event_sees_events_from_messaging_actions(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_room()["arn"]
    client.disconnect_user(roomIdentifier=arn, userId="bob", reason="bye")
    event = fake.assert_event("aws:DISCONNECT_USER", attributes={"UserId": "bob"})
    assert event.attributes["Reason"] == "bye"
    with pytest.raises(AssertionError, match=r"No EVENT 'aws:DELETE_MESSAGE' was recorded"):
        fake.assert_event("aws:DELETE_MESSAGE")


def test_assert_message_filters_and_lists(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_room()["arn"]
    token = client.create_chat_token(
        roomIdentifier=arn, userId="alice", capabilities=["SEND_MESSAGE"]
    )["token"]
    alice = fake.connect(token)
    alice.send_message("hello", attributes={"lang": "en"})
    alice.send_message("bye")
    assert fake.assert_message("hello", user_id="alice").attributes == {"lang": "en"}
    assert fake.assert_message(room=arn).content == "bye"
    assert fake.assert_message(attributes={"lang": "en"}).content == "hello"
    with pytest.raises(AssertionError) as error:
        fake.assert_message("hello", user_id="bob")
    hello, bye = fake.messages()
    assert str(error.value) == (
        "No MESSAGE with content='hello', user_id='bob' was recorded.\n"
        "Recorded messages (2):\n"
        f"  - <RecordedMessage 'hello' from 'alice' in {arn} id={hello.id}>\n"
        f"  - <RecordedMessage 'bye' from 'alice' in {arn} id={bye.id}>"
    )


def test_assert_message_with_nothing_delivered(fake: FakeIvsChat) -> None:
    with pytest.raises(AssertionError) as error:
        fake.assert_message()
    assert str(error.value) == "No MESSAGE was recorded.\nNo messages were recorded at all."


def test_assertion_helpers_hide_their_frames_from_pytest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from fake_ivschat import FakeIvsChat

        def test_missing():
            FakeIvsChat().assert_called("CreateRoom", name="x")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E *AssertionError: No CreateRoom(name='x') call was recorded."])
    result.stdout.no_fnmatch_line("*def assert_called*")
    result.stdout.no_fnmatch_line("*def expect*")


def test_falsy_filters_stay_in_the_failure_text(fake: FakeIvsChat, client: Any) -> None:
    arn = client.create_room()["arn"]
    token = client.create_chat_token(
        roomIdentifier=arn, userId="alice", capabilities=["SEND_MESSAGE"]
    )["token"]
    fake.connect(token).send_message("hi")
    client.send_event(roomIdentifier=arn, eventName="app:go", attributes={"a": "1"})
    with pytest.raises(AssertionError) as error:
        fake.assert_message("", user_id="")
    assert str(error.value).startswith(
        "No MESSAGE with content='', user_id='' was recorded.\nRecorded messages (1):"
    )
    assert fake.assert_message(attributes={}).content == "hi"  # {} matches any attributes
    with pytest.raises(AssertionError) as error:
        fake.assert_event("app:stop", attributes={})
    assert str(error.value).startswith("No EVENT 'app:stop' with attributes {} was recorded.")


def test_the_fake_says_what_it_holds() -> None:
    fake = FakeIvsChat("111122223333", seed=1)
    assert repr(fake) == (
        "<FakeIvsChat account 111122223333, inactive; no rooms; 0 calls, 0 open connections>"
    )
    west = fake.client(REGION)
    arn = west.create_room()["arn"]
    west.create_room()
    west.create_logging_configuration(destinationConfiguration={"s3": {"bucketName": "logs"}})
    fake.client("eu-west-1", account_id="444455556666").create_room()
    alice, bob = (
        fake.connect(west.create_chat_token(roomIdentifier=arn, userId=user)["token"])
        for user in ("alice", "bob")
    )
    bob.close()
    with fake:
        assert repr(fake) == (
            f"<FakeIvsChat account 111122223333, active; {REGION}: 2 rooms, 1 logging"
            " configuration; 444455556666 eu-west-1: 1 room, 0 logging configurations; 6 calls,"
            " 1 open connection>"
        )
    assert alice.user_id == "alice"
