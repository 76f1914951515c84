"""CreateChatToken: expiry times from the clock, the claims a token carries, and that tokens are
opaque and bound to the fake that issued them."""

from __future__ import annotations

import base64
import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from botocore.exceptions import ClientError

from fake_ivschat import FakeIvsChat, InvalidTokenError

REGION = "us-west-2"
ACCOUNT = "123456789012"
T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
T0_MS = T0.replace(microsecond=123000)


def test_defaults(fake: FakeIvsChat, client: Any, room: dict[str, Any]) -> None:
    with time_machine.travel(T0, tick=False):
        response = client.create_chat_token(roomIdentifier=room["arn"], userId="alice")
    assert set(response) == {
        "ResponseMetadata",
        "token",
        "tokenExpirationTime",
        "sessionExpirationTime",
    }
    assert response["tokenExpirationTime"] == T0_MS + timedelta(minutes=1)
    assert response["sessionExpirationTime"] == T0_MS + timedelta(minutes=60)
    claims = fake.decode_token(response["token"])
    assert claims.room_arn == room["arn"]
    assert claims.user_id == "alice"
    assert claims.capabilities == ()
    assert claims.attributes == {}
    assert claims.session_duration_minutes == 60
    assert claims.token_expiration_time == T0 + timedelta(minutes=1)
    assert claims.session_expiration_time == T0 + timedelta(minutes=60)


def test_every_member(fake: FakeIvsChat, client: Any, room: dict[str, Any]) -> None:
    with time_machine.travel(T0, tick=False):
        response = client.create_chat_token(
            roomIdentifier=room["arn"],
            userId="bob ✓",
            capabilities=["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"],
            sessionDurationInMinutes=180,
            attributes={"displayName": "Bob", "color": "#00ff00"},
        )
    assert response["sessionExpirationTime"] == T0_MS + timedelta(minutes=180)
    claims = fake.decode_token(response["token"])
    assert claims.user_id == "bob ✓"
    assert claims.capabilities == ("SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER")
    assert claims.attributes == {"displayName": "Bob", "color": "#00ff00"}
    assert claims.session_duration_minutes == 180
    assert claims.session_expiration_time == T0 + timedelta(minutes=180)


def test_token_lifetime_is_configurable(fake: FakeIvsChat, client: Any, room: Any) -> None:
    fake.quotas.token_lifetime_seconds = 5
    with time_machine.travel(T0, tick=False):
        response = client.create_chat_token(roomIdentifier=room["arn"], userId="alice")
    assert response["tokenExpirationTime"] == T0_MS + timedelta(seconds=5)
    assert fake.decode_token(response["token"]).token_expiration_time == T0 + timedelta(seconds=5)


def test_missing_room_is_not_found(client: Any) -> None:
    arn = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/g1H2I3j4k5L6"
    with pytest.raises(ClientError) as info:
        client.create_chat_token(roomIdentifier=arn, userId="alice")
    response = info.value.response
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["resourceId"] == "g1H2I3j4k5L6"
    assert response["resourceType"] == "ROOM"


def test_deleted_room_is_not_found(client: Any, room: dict[str, Any]) -> None:
    client.delete_room(identifier=room["arn"])
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.create_chat_token(roomIdentifier=room["arn"], userId="alice")


def test_tokens_are_opaque_and_unique(client: Any, room: dict[str, Any]) -> None:
    tokens = [
        client.create_chat_token(roomIdentifier=room["arn"], userId="alice-the-user")["token"]
        for _ in range(2)
    ]
    assert tokens[0] != tokens[1]
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert b"alice-the-user" not in raw
        assert room["id"].encode() not in raw


def _flip(token: str, index: int) -> str:
    replacement = "A" if token[index] != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: _flip(t, len(t) // 2),
        lambda t: _flip(t, 0),
        lambda t: _flip(t, len(t) - 2),
        lambda t: t[:-4],
        lambda t: t + "AAAA",
        lambda t: "",
        lambda t: "not a token at all!",
        lambda t: "é" * 40,
    ],
    ids=["middle", "nonce", "tag", "truncated", "extended", "empty", "garbage", "non-ascii"],
)
def test_damaged_token_is_refused(fake: FakeIvsChat, client: Any, room: Any, damage: Any) -> None:
    token = client.create_chat_token(roomIdentifier=room["arn"], userId="alice")["token"]
    with pytest.raises(InvalidTokenError, match="not a chat token issued by this fake"):
        fake.decode_token(damage(token))
    assert fake.decode_token(token).user_id == "alice"


def test_the_claims_a_token_reveals_are_read_only(
    fake: FakeIvsChat, client: Any, room: Any
) -> None:
    token = client.create_chat_token(
        roomIdentifier=room["arn"], userId="alice", attributes={"role": "viewer"}
    )["token"]
    claims = fake.decode_token(token)
    with pytest.raises(TypeError, match="read-only"):
        claims.attributes["role"] = "moderator"  # type: ignore[index]
    # What the fake keeps is what the next reader and the connection see.
    assert fake.decode_token(token).attributes == {"role": "viewer"}
    assert fake.connect(token).claims.attributes == {"role": "viewer"}


def test_claims_are_complete_and_behave_as_their_class_makes_them(
    fake: FakeIvsChat, client: Any, room: Any
) -> None:
    token = client.create_chat_token(roomIdentifier=room["arn"], userId="alice")["token"]
    claims = fake.decode_token(token)
    values = {f.name: getattr(claims, f.name) for f in dataclasses.fields(claims)}
    again = type(claims)(**values)
    assert again == claims and hash(again) == hash(claims) and repr(again) == repr(claims)
    with pytest.raises(dataclasses.FrozenInstanceError):
        claims.user_id = "mallory"  # type: ignore[misc]


def test_token_of_another_fake_is_refused(fake: FakeIvsChat, client: Any, room: Any) -> None:
    token = client.create_chat_token(roomIdentifier=room["arn"], userId="alice")["token"]
    # Same seed, same room ARN: still another instance, with its own key.
    twin = FakeIvsChat(seed=1234)
    twin_room = twin.client(region_name=REGION).create_room(name="lobby")
    assert twin_room["arn"] == room["arn"]
    with pytest.raises(InvalidTokenError):
        twin.decode_token(token)
    with pytest.raises(InvalidTokenError):
        FakeIvsChat().decode_token(token)


def test_invalid_token_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        FakeIvsChat().decode_token("x")


def test_every_token_of_a_long_run_opens_to_its_own_claims(
    fake: FakeIvsChat, client: Any, room: Any
) -> None:
    # Enough tokens that the fake seals many of them ahead of their calls.
    issued = {
        f"user-{i}": client.create_chat_token(roomIdentifier=room["arn"], userId=f"user-{i}")[
            "token"
        ]
        for i in range(150)
    }
    assert len(set(issued.values())) == len(issued)
    for user_id, token in issued.items():
        assert fake.decode_token(token).user_id == user_id


def test_tokens_issued_before_a_reset_are_refused_after_it(fake: FakeIvsChat) -> None:
    def tokens(user_id: str) -> list[str]:
        client = fake.client(region_name=REGION)
        arn = client.create_room(name="lobby")["arn"]
        return [
            client.create_chat_token(roomIdentifier=arn, userId=user_id)["token"] for _ in range(5)
        ]

    before = tokens("alice")
    fake.reset()
    after = tokens("bob")
    for token in before:
        with pytest.raises(InvalidTokenError):
            fake.decode_token(token)
    assert [fake.decode_token(token).user_id for token in after] == ["bob"] * 5
