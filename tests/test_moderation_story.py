"""A user story: a moderator removes a viewer's message, bans the viewer, and the ban holds."""

from __future__ import annotations

from typing import Any

import pytest

from fake_ivschat import ChatConnectionError, FakeIvsChat


def test_a_moderator_deletes_a_message_and_bans_its_author(fake: FakeIvsChat, client: Any) -> None:
    # A stream has a chat room; the backend mints tokens for a viewer and a moderator.
    room = client.create_room(name="launch-stream")["arn"]
    viewer_token = client.create_chat_token(
        roomIdentifier=room,
        userId="viewer-42",
        capabilities=["SEND_MESSAGE"],
        attributes={"displayName": "Troll"},
    )["token"]
    moderator_token = client.create_chat_token(
        roomIdentifier=room,
        userId="mod-1",
        capabilities=["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"],
    )["token"]
    viewer = fake.connect(viewer_token)
    moderator = fake.connect(moderator_token)

    # The viewer posts something unacceptable; everyone in the room sees it.
    spam = viewer.send_message("buy cheap followers at example.test", request_id="v-1")
    assert spam["Type"] == "MESSAGE"
    assert moderator.received == [spam]
    assert spam["Sender"] == {"UserId": "viewer-42", "Attributes": {"displayName": "Troll"}}

    # The viewer cannot moderate.
    refused = viewer.delete_message(spam["Id"], "not mine to delete")
    assert (refused["Type"], refused["ErrorCode"]) == ("ERROR", 403)

    # The moderator deletes the message: every client is told to hide it.
    deletion = moderator.delete_message(spam["Id"], "spam", request_id="m-1")
    assert deletion["EventName"] == "aws:DELETE_MESSAGE"
    assert deletion["Attributes"]["MessageId"] == spam["Id"]
    assert viewer.received[-1] == deletion

    # Then bans the viewer: the viewer learns why, and the connection closes.
    ban = moderator.disconnect_user("viewer-42", "repeated spam", request_id="m-2")
    assert ban["Attributes"] == {"UserId": "viewer-42", "Reason": "repeated spam"}
    assert viewer.received[-1] == ban
    assert viewer.closed
    assert viewer.close_reason == "DisconnectUser: repeated spam"
    assert not moderator.closed

    # The banned viewer's client tries to carry on, then to reconnect with the spent token.
    with pytest.raises(ChatConnectionError):
        viewer.send_message("you can't silence me")
    with pytest.raises(ChatConnectionError) as reconnect:
        fake.connect(viewer_token)
    assert reconnect.value.code == 401

    # The room carries on without the viewer; the record shows what happened.
    moderator.send_message("Back to the launch!")
    assert [m.content for m in fake.messages(room, user_id="viewer-42")] == [
        "buy cheap followers at example.test"
    ]
    assert [e.event_name for e in fake.events(room)] == [
        "aws:DELETE_MESSAGE",
        "aws:DISCONNECT_USER",
    ]
    assert [e.request_id for e in fake.events(room)] == ["m-1", "m-2"]
    assert viewer.received[-1] == ban  # nothing reaches a closed connection
