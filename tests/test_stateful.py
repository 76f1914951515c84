"""Stateful testing: random sequences of API calls and chat actions, checked against a small model.

A hypothesis ``RuleBasedStateMachine`` drives one fake through its public API only (a real client
from ``fake.client()``, ``fake.connect``, connection methods): rooms, logging configurations, tags,
chat tokens, connections, messages, events and deletions, with the clock frozen by time-machine
and moved by the machine itself, so that update times tie and windows roll deterministically.

After every step the fake must agree with the reference model kept here: which connections are
open and why the others closed, every frame each connection received in order, which MESSAGE and
EVENT frames reached each logging configuration, and (after every step that changed them) which
rooms and configurations exist with which fields and what ListRooms / ListLoggingConfigurations
return in which order (updateTime descending, then newest createTime, then ARN). Each rule also
checks the answer of its own calls: bodies, error codes, ERROR frames, refused connections.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

import time_machine
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from model_strategies import budget

from fake_ivschat import ChatConnection, ChatConnectionError, FakeIvsChat, Quotas

REGION = "us-west-2"
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
NS, MS = 1_000_000_000, 1_000_000
TOKEN_LIFETIME_NS = 60 * NS  # the fake's default
LOGGING_QUOTA = 3  # set on the fake (the default, 10, is out of reach of a short run)
NAMES = ["", "lobby", "stage"]
USERS = ["alice", "bob"]
CAPABILITIES = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]
TAG_KEYS = ["team", "env", "cost"]
DESTINATIONS = [
    {"s3": {"bucketName": "chat-logs"}},
    {"cloudWatchLogs": {"logGroupName": "/chat"}},
    {"firehose": {"deliveryStreamName": "chat-stream"}},
]
# Operations that may change what ListRooms or ListLoggingConfigurations answer.
CHANGES = (
    "create_room",
    "update_",
    "delete_room",
    "create_logging",
    "delete_logging",
    "tag_",
    "untag_",
)
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})

small_tags = st.dictionaries(st.sampled_from(TAG_KEYS), st.sampled_from(["", "a", "b"]), max_size=2)
attributes = st.dictionaries(st.sampled_from(["k", "color"]), st.text(max_size=4), max_size=2)
request_ids = st.none() | st.sampled_from(["r1", "r2"])
# Message contents: the rooms here take at most 2, 3, 4, 50 or 500 characters.
contents = st.sampled_from(["hi", "hello", "", "\u00e9\U0001f44d"]) | st.text(max_size=6)
reasons = st.none() | st.sampled_from(["spam", "ban"])
message_ids = st.from_regex(r"[a-zA-Z0-9]{12}", fullmatch=True)
# (action, subject): a message to delete, or a user to disconnect.
moderations = st.one_of(
    st.tuples(st.just("DELETE_MESSAGE"), message_ids),
    st.tuples(st.just("DISCONNECT_USER"), st.sampled_from(USERS)),
)


def at_ms(ms: int) -> datetime:
    """A control-plane timestamp as botocore parses it."""
    return EPOCH + timedelta(milliseconds=ms)


def send_time(ns: int) -> str:
    """A messaging SendTime: RFC 3339 UTC, nanoseconds with trailing zeros trimmed."""
    seconds, nanos = divmod(ns, NS)
    stamp = (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{stamp}.{fraction}Z" if fraction else f"{stamp}Z"


# ----------------------------------------------------------------------- the reference model


@dataclass
class RoomModel:
    arn: str
    name: str
    max_length: int
    max_rate: int
    create_ms: int
    update_ms: int
    tags: dict[str, str]
    logging: list[str]

    def order(self) -> tuple[int, int, str]:
        return (-self.update_ms, -self.create_ms, self.arn)

    def summary(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "id": self.arn.rpartition("/")[2],
            "name": self.name,
            "createTime": at_ms(self.create_ms),
            "updateTime": at_ms(self.update_ms),
            "tags": dict(self.tags),
            "loggingConfigurationIdentifiers": list(self.logging),
        }

    def describe(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "maximumMessageLength": self.max_length,
            "maximumMessageRatePerSecond": self.max_rate,
        }


@dataclass
class ConfigModel:
    arn: str
    name: str
    destination: dict[str, Any]
    create_ms: int
    update_ms: int
    tags: dict[str, str]

    def order(self) -> tuple[int, int, str]:
        return (-self.update_ms, -self.create_ms, self.arn)

    def describe(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "id": self.arn.rpartition("/")[2],
            "name": self.name,
            "destinationConfiguration": self.destination,
            "createTime": at_ms(self.create_ms),
            "updateTime": at_ms(self.update_ms),
            "state": "ACTIVE",
            "tags": dict(self.tags),
        }


@dataclass
class TokenModel:
    token: str
    room: str
    user: str
    capabilities: tuple[str, ...]
    attributes: dict[str, str]
    issued_ns: int
    minutes: int
    spent: bool = False

    @property
    def session_end_ns(self) -> int:
        return self.issued_ns + self.minutes * 60 * NS


@dataclass
class ConnModel:
    conn: ChatConnection
    token: TokenModel
    expected: list[Mapping[str, Any]] = field(default_factory=list)
    reason: str | None = None  # why it was closed, if it was closed before its session ended

    def close_reason(self, now_ns: int) -> str | None:
        if self.reason is None and now_ns > self.token.session_end_ns:
            return "session expired"
        return self.reason


def moderation_attributes(action: str, target: str, reason: str | None) -> dict[str, str]:
    """The Attributes of the aws:DELETE_MESSAGE or aws:DISCONNECT_USER event."""
    if action == "DELETE_MESSAGE":  # MessageID: the deprecated twin, still sent
        return {"MessageId": target, "MessageID": target, "Reason": reason or ""}
    return {"UserId": target, "Reason": reason or ""}


def without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


# ------------------------------------------------------------------------- the machine

# Which of the rooms, configurations, tokens or connections made so far (deleted ones included,
# to reach the not-found paths): an index, taken modulo the number made.
pick = st.integers(0, 63)
picks = st.lists(pick, max_size=2)


class ChatService(RuleBasedStateMachine):
    """One fake, driven through its public API, beside the model of what it should hold."""

    audit: Any | None = None  # the running test's output audit

    def __init__(self) -> None:
        super().__init__()
        self.travel = time_machine.travel(T0, tick=False)
        self.clock = self.travel.start()
        self.now_ns = int(T0.timestamp()) * NS
        self.fake = FakeIvsChat(seed=3, quotas=Quotas(logging_configurations=LOGGING_QUOTA))
        self.client = self.fake.client(region_name=REGION, config=NO_RETRY)
        self.rooms: dict[str, RoomModel] = {}  # what exists
        self.configs: dict[str, ConfigModel] = {}
        self.room_arns: list[str] = []  # what was ever made
        self.config_arns: list[str] = []
        self.tokens: list[TokenModel] = []
        self.conns: list[ConnModel] = []
        self.logs: dict[str, list[Mapping[str, Any]]] = {}
        self.send_windows: dict[str, tuple[int, int]] = {}
        self.audited = len(self.audit.problems) if self.audit else 0
        self.changed = True  # since the listings were last compared

    def teardown(self) -> None:
        self.travel.stop()

    # ------------------------------------------------------------------ helpers

    @property
    def now_ms(self) -> int:
        return self.now_ns // MS

    def room_at(self, index: int) -> str:
        return self.room_arns[index % len(self.room_arns)]

    def config_at(self, index: int) -> str:
        return self.config_arns[index % len(self.config_arns)]

    def configs_at(self, indices: list[int]) -> list[str]:
        return list(dict.fromkeys(self.config_at(index) for index in indices))

    def resource_at(self, index: int) -> str:
        arns = self.room_arns + self.config_arns
        return arns[index % len(arns)]

    def call(self, operation: str, **params: Any) -> tuple[dict[str, Any], str | None]:
        """The body of a successful call and None, or ``{}`` and the error code it failed with."""
        try:
            response = without_metadata(getattr(self.client, operation)(**params))
        except ClientError as exc:
            return {}, str(exc.response["Error"]["Code"])
        self.changed |= operation.startswith(CHANGES)
        return response, None

    def open_conns(self, room: str) -> list[ConnModel]:
        return [c for c in self.conns if c.token.room == room and not c.close_reason(self.now_ns)]

    def deliver(self, room: str, frame: Mapping[str, Any]) -> None:
        """What the fake must do with a MESSAGE or EVENT delivered in ``room``."""
        for model in self.open_conns(room):
            model.expected.append(frame)
        for arn in self.rooms[room].logging:
            self.logs[arn].append(frame)

    def close_user(self, room: str, user: str, reason: str | None) -> None:
        for model in self.open_conns(room):
            if model.token.user == user:
                model.reason = f"DisconnectUser: {reason}" if reason else "DisconnectUser"

    def event_frame(
        self, event_id: str, name: str, attrs: dict[str, str], request_id: str | None
    ) -> dict[str, Any]:
        return {
            "Type": "EVENT",
            "Id": event_id,
            "RequestId": request_id or "",
            "EventName": name,
            "Attributes": attrs,
            "SendTime": send_time(self.now_ns),
        }

    def missing_configs(self, arns: list[str]) -> bool:
        return any(arn not in self.configs for arn in arns)

    # ------------------------------------------------------------- the first rooms

    @initialize(
        max_length=st.sampled_from([2, 4]),
        max_rate=st.sampled_from([1, 2]),
        bob_can=st.lists(st.sampled_from(CAPABILITIES), unique=True),
        bob_minutes=st.sampled_from([1, 60]),
    )
    def a_logged_room_with_two_users_and_a_quiet_room(
        self, max_length: int, max_rate: int, bob_can: list[str], bob_minutes: int
    ) -> None:
        """A logged room; a second later a quiet room, made in the millisecond the first one is
        updated (so that their order rests on createTime); then alice (who may do anything) and
        bob connected to the first room, and a token bob has not used yet."""
        config = self.new_logging_configuration("archive", DESTINATIONS[0])
        assert config is not None
        room = self.new_room("lobby", max_length, max_rate, {}, [config])
        assert room is not None
        self.advance(1000)
        self.new_room("", None, None, {"team": "a"}, [])
        self.update_room(0, None, None, None)
        users = [("alice", CAPABILITIES, 60), ("bob", bob_can, bob_minutes), ("bob", bob_can, 1)]
        for user, capabilities, minutes in users:
            self.new_token(room, user, capabilities, {"color": user}, minutes)
        for token in range(2):
            self.connect(token)

    # -------------------------------------------------------------------- time

    @rule(ms=st.sampled_from([60_000, 1000, 1, 0, 999]))
    def advance(self, ms: int) -> None:
        """Move the frozen clock: not at all (ties), to the next millisecond, second (rate
        windows) or minute (the instant a token or a one-minute session ends: still valid)."""
        self.clock.shift(timedelta(milliseconds=ms))
        self.now_ns += ms * MS

    # ------------------------------------------------------------------- rooms

    def new_room(
        self,
        name: str,
        max_length: int | None,
        max_rate: int | None,
        tags: dict[str, str],
        logging: list[str],
    ) -> str | None:
        given = {"maximumMessageLength": max_length, "maximumMessageRatePerSecond": max_rate}
        params = {key: value for key, value in given.items() if value is not None}
        response, code = self.call(
            "create_room", name=name, tags=tags, loggingConfigurationIdentifiers=logging, **params
        )
        if self.missing_configs(logging):
            assert code == "ResourceNotFoundException", (response, code)
            return None
        assert code is None, code
        room = RoomModel(
            response["arn"], name, max_length or 500, max_rate or 10, self.now_ms, self.now_ms,
            dict(tags), list(logging),
        )  # fmt: skip
        assert response == room.describe()
        self.rooms[room.arn] = room
        self.room_arns.append(room.arn)
        return room.arn

    @rule(
        name=st.sampled_from(NAMES),
        max_length=st.sampled_from([None, 3, 50]),
        max_rate=st.sampled_from([None, 1, 2]),
        tags=small_tags,
        logging=picks,
    )
    def create_room(
        self,
        name: str,
        max_length: int | None,
        max_rate: int | None,
        tags: dict[str, str],
        logging: list[int],
    ) -> None:
        self.new_room(name, max_length, max_rate, tags, self.configs_at(logging))

    @rule(
        index=pick,
        name=st.none() | st.sampled_from(NAMES),
        max_length=st.sampled_from([None, 3, 50]),
        logging=st.none() | picks,
    )
    def update_room(
        self, index: int, name: str | None, max_length: int | None, logging: list[int] | None
    ) -> None:
        room, configs = self.room_at(index), None if logging is None else self.configs_at(logging)
        given: dict[str, Any] = {"name": name, "maximumMessageLength": max_length}
        given["loggingConfigurationIdentifiers"] = configs
        params = {key: value for key, value in given.items() if value is not None}
        response, code = self.call("update_room", identifier=room, **params)
        model = self.rooms.get(room)
        if model is None or (configs is not None and self.missing_configs(configs)):
            assert code == "ResourceNotFoundException", (response, code)
            return
        assert code is None, code
        model.name = name if name is not None else model.name
        model.max_length = max_length or model.max_length
        model.logging = list(configs) if configs is not None else model.logging
        model.update_ms = max(model.update_ms, self.now_ms)
        assert response == model.describe()

    @rule(index=pick)
    def get_room(self, index: int) -> None:
        room = self.room_at(index)
        response, code = self.call("get_room", identifier=room)
        model = self.rooms.get(room)
        assert (response, code) == (
            (model.describe(), None) if model else ({}, "ResourceNotFoundException")
        )

    @rule(index=pick)
    def delete_room(self, index: int) -> None:
        room = self.room_at(index)
        response, code = self.call("delete_room", identifier=room)
        if room not in self.rooms:
            assert code == "ResourceNotFoundException", (response, code)
            return
        assert code is None, code
        for model in self.open_conns(room):
            model.reason = "DeleteRoom"
        del self.rooms[room]

    @rule(
        page_size=st.integers(1, 3),
        name=st.none() | st.sampled_from(NAMES),
        logging=st.none() | pick,
    )
    def list_rooms_in_pages(self, page_size: int, name: str | None, logging: int | None) -> None:
        config = None if logging is None else self.config_at(logging)
        filters: dict[str, Any] = {"maxResults": page_size}
        if name is not None:
            filters["name"] = name
        if config is not None:
            filters["loggingConfigurationIdentifier"] = config
        listed, code = self.all_pages("list_rooms", "rooms", **filters)
        if config is not None and config not in self.configs:
            assert code == "ResourceNotFoundException", code
            return
        expected = [
            room.summary()
            for room in sorted(self.rooms.values(), key=RoomModel.order)
            if name in (None, room.name) and (config is None or config in room.logging)
        ]
        assert (listed, code) == (expected, None)
        configs = sorted(self.configs.values(), key=ConfigModel.order)
        listed_configs = self.all_pages(
            "list_logging_configurations", "loggingConfigurations", maxResults=page_size
        )
        assert listed_configs == ([config.describe() for config in configs], None)

    def all_pages(self, operation: str, key: str, **filters: Any) -> tuple[list[Any], str | None]:
        """Every item of every page, following nextToken as callers do; or the error code."""
        items: list[Any] = []
        token: str | None = None
        while True:
            more = {"nextToken": token} if token else {}
            response, code = self.call(operation, **filters, **more)
            if code is not None:
                return items, code
            assert len(response[key]) <= filters.get("maxResults", 50)
            items += response[key]
            token = response.get("nextToken")
            if not token:
                return items, None

    # ---------------------------------------------------------- logging configurations

    def new_logging_configuration(self, name: str, destination: dict[str, Any]) -> str | None:
        response, code = self.call(
            "create_logging_configuration", name=name, destinationConfiguration=destination
        )
        if len(self.configs) >= LOGGING_QUOTA:
            assert code == "ServiceQuotaExceededException", (response, code)
            return None
        assert code is None, code
        config = ConfigModel(response["arn"], name, destination, self.now_ms, self.now_ms, {})
        assert response == config.describe()
        self.configs[config.arn] = config
        self.config_arns.append(config.arn)
        self.logs[config.arn] = []
        return config.arn

    @rule(name=st.sampled_from(NAMES), destination=st.sampled_from(DESTINATIONS))
    def create_logging_configuration(self, name: str, destination: dict[str, Any]) -> None:
        self.new_logging_configuration(name, destination)

    @rule(
        index=pick,
        name=st.none() | st.sampled_from(NAMES),
        destination=st.none() | st.sampled_from(DESTINATIONS),
    )
    def update_logging_configuration(
        self, index: int, name: str | None, destination: dict[str, Any] | None
    ) -> None:
        config = self.config_at(index)
        given = {"name": name, "destinationConfiguration": destination}
        params = {key: value for key, value in given.items() if value is not None}
        response, code = self.call("update_logging_configuration", identifier=config, **params)
        model = self.configs.get(config)
        if model is None:
            assert code == "ResourceNotFoundException", (response, code)
            return
        assert code is None, code
        model.name = name if name is not None else model.name
        model.destination = destination or model.destination
        model.update_ms = max(model.update_ms, self.now_ms)
        assert response == model.describe()

    @rule(index=pick)
    def delete_logging_configuration(self, index: int) -> None:
        config = self.config_at(index)
        response, code = self.call("delete_logging_configuration", identifier=config)
        if config not in self.configs:
            assert code == "ResourceNotFoundException", (response, code)
        elif any(config in room.logging for room in self.rooms.values()):
            assert code == "ConflictException", (response, code)
        else:
            assert code is None, code
            del self.configs[config]

    # ---------------------------------------------------------------------- tags

    def taggable(self, arn: str) -> RoomModel | ConfigModel | None:
        return self.rooms.get(arn) or self.configs.get(arn)

    @rule(index=pick, tags=small_tags)
    def tag_resource(self, index: int, tags: dict[str, str]) -> None:
        resource = self.resource_at(index)
        response, code = self.call("tag_resource", resourceArn=resource, tags=tags)
        model = self.taggable(resource)
        assert (response, code) == (({}, None) if model else ({}, "ResourceNotFoundException"))
        if model is not None:
            model.tags.update(tags)
        self.check_tags(resource)

    @rule(index=pick, keys=st.lists(st.sampled_from(TAG_KEYS), min_size=1))
    def untag_resource(self, index: int, keys: list[str]) -> None:
        resource = self.resource_at(index)
        response, code = self.call("untag_resource", resourceArn=resource, tagKeys=keys)
        model = self.taggable(resource)
        assert (response, code) == (({}, None) if model else ({}, "ResourceNotFoundException"))
        for key in keys if model is not None else ():
            model.tags.pop(key, None)  # type: ignore[union-attr]
        self.check_tags(resource)

    def check_tags(self, resource: str) -> None:
        response, code = self.call("list_tags_for_resource", resourceArn=resource)
        model = self.taggable(resource)
        assert (response, code) == (
            ({"tags": model.tags}, None) if model else ({}, "ResourceNotFoundException")
        )

    # ------------------------------------------------------- tokens and connections

    def new_token(
        self, room: str, user: str, capabilities: list[str], attrs: dict[str, str], minutes: int
    ) -> TokenModel | None:
        response, code = self.call(
            "create_chat_token",
            roomIdentifier=room,
            userId=user,
            capabilities=capabilities,
            attributes=attrs,
            sessionDurationInMinutes=minutes,
        )
        if room not in self.rooms:
            assert code == "ResourceNotFoundException", (response, code)
            return None
        assert code is None, code
        token = TokenModel(
            response["token"], room, user, tuple(capabilities), attrs, self.now_ns, minutes
        )
        assert response["tokenExpirationTime"] == at_ms((self.now_ns + TOKEN_LIFETIME_NS) // MS)
        assert response["sessionExpirationTime"] == at_ms(token.session_end_ns // MS)
        self.tokens.append(token)
        return token

    @rule(
        index=pick,
        user=st.sampled_from(USERS),
        capabilities=st.lists(st.sampled_from(CAPABILITIES), unique=True),
        attrs=attributes,
        minutes=st.sampled_from([1, 60]),
    )
    def create_chat_token(
        self, index: int, user: str, capabilities: list[str], attrs: dict[str, str], minutes: int
    ) -> None:
        self.new_token(self.room_at(index), user, capabilities, attrs, minutes)

    @rule(index=pick, unspent=st.sampled_from([True, False]))
    def connect(self, index: int, unspent: bool = False) -> None:
        """Connect with a token (preferring one not used yet, whose refusals are the subtle
        ones: expired, or its room deleted meanwhile)."""
        fresh = [token for token in self.tokens if not token.spent]
        tokens = fresh if unspent and fresh else self.tokens
        token = tokens[index % len(tokens)]
        refused = (
            401
            if token.spent or self.now_ns > token.issued_ns + TOKEN_LIFETIME_NS
            else 404
            if token.room not in self.rooms
            else None
        )
        try:
            conn = self.fake.connect(token.token)
        except ChatConnectionError as exc:
            assert exc.code == refused, (exc, refused)
            return
        assert refused is None, f"connected with a token that should be refused ({refused})"
        token.spent = True
        self.conns.append(ConnModel(conn, token))

    def conn_at(self, index: int) -> ConnModel:
        return self.conns[index % len(self.conns)]

    @rule(index=pick)
    def close(self, index: int) -> None:
        conn = self.conn_at(index)
        conn.conn.close()
        if conn.close_reason(self.now_ns) is None:
            conn.reason = "closed by client"

    # ------------------------------------------------------------- publishing

    def publish(
        self, conn: ConnModel, action: str, send: Callable[[], Mapping[str, Any]]
    ) -> Mapping[str, Any] | None:
        """The frame answering ``send()``; None when the connection is closed (and it raised)."""
        if conn.close_reason(self.now_ns) is not None:
            try:
                send()
            except ChatConnectionError:
                return None
            raise AssertionError("publishing on a closed connection did not raise")
        frame = send()
        if action not in conn.token.capabilities:
            self.expect_error(conn, frame, 403)
            return None
        return frame

    def expect_error(self, conn: ConnModel, frame: Mapping[str, Any], code: int) -> None:
        assert (frame["Type"], frame["ErrorCode"]) == ("ERROR", code), frame
        conn.expected.append(frame)

    @rule(
        index=pick,
        contents=st.lists(contents, min_size=1, max_size=3),
        attrs=attributes,
        request_id=request_ids,
    )
    def send_messages(
        self, index: int, contents: list[str], attrs: dict[str, str], request_id: str | None
    ) -> None:
        """One to three messages at one instant (so that a room's rate can be reached)."""
        conn = self.conn_at(index)
        for content in contents:
            frame = self.publish(
                conn,
                "SEND_MESSAGE",
                partial(conn.conn.send_message, content, attrs or None, request_id=request_id),
            )
            if frame is not None:
                assert frame["RequestId"] == (request_id or "")
                self.check_message(conn, frame, content, attrs)

    @rule(index=pick, content=contents)
    def everyone_says(self, index: int, content: str) -> None:
        """Every connection of a room sends one message, in the order they connected."""
        room = self.room_at(index)
        for conn in [model for model in self.conns if model.token.room == room]:
            self.send_messages(self.conns.index(conn), [content], {}, None)

    def check_message(
        self, conn: ConnModel, frame: Mapping[str, Any], content: str, attrs: dict[str, str]
    ) -> None:
        room = self.rooms[conn.token.room]
        if not content or len(content) > room.max_length:
            self.expect_error(conn, frame, 400)
        elif not self.take_send_slot(room):
            self.expect_error(conn, frame, 429)
        else:
            assert frame == {
                "Type": "MESSAGE",
                "Id": frame["Id"],
                "RequestId": frame["RequestId"],
                "Content": content,
                "Attributes": attrs,
                "Sender": {"UserId": conn.token.user, "Attributes": conn.token.attributes},
                "SendTime": send_time(self.now_ns),
            }
            self.deliver(room.arn, frame)

    def take_send_slot(self, room: RoomModel) -> bool:
        second = self.now_ns // NS
        window, count = self.send_windows.get(room.arn, (second, 0))
        count = count if window == second else 0
        if count >= room.max_rate:
            return False
        self.send_windows[room.arn] = (second, count + 1)
        return True

    @rule(
        index=pick,
        what=moderations,
        reason=reasons,
        request_id=request_ids,
    )
    def moderate_in_chat(
        self, index: int, what: tuple[str, str], reason: str | None, request_id: str | None
    ) -> None:
        """DELETE_MESSAGE (of a message id) or DISCONNECT_USER (of a user) on a connection."""
        action, subject = what
        conn = self.conn_at(index)
        send = conn.conn.delete_message if action == "DELETE_MESSAGE" else conn.conn.disconnect_user
        frame = self.publish(conn, action, partial(send, subject, reason, request_id=request_id))
        if frame is None:
            return
        attrs = moderation_attributes(action, subject, reason)
        assert frame == self.event_frame(frame["Id"], f"aws:{action}", attrs, request_id)
        self.deliver(conn.token.room, frame)
        if action == "DISCONNECT_USER":
            self.close_user(conn.token.room, subject, reason)

    # --------------------------------------------------- the control plane's chat actions

    @rule(
        index=pick,
        what=moderations,
        reason=reasons,
    )
    def moderate_by_api(self, index: int, what: tuple[str, str], reason: str | None) -> None:
        """DeleteMessage or DisconnectUser, as a back end calls them."""
        action, subject = what
        room = self.room_at(index)
        params = {"roomIdentifier": room, **({"reason": reason} if reason else {})}
        if action == "DELETE_MESSAGE":
            response, code = self.call("delete_message", id=subject, **params)
        else:
            response, code = self.call("disconnect_user", userId=subject, **params)
        if room not in self.rooms:
            assert code == "ResourceNotFoundException", (response, code)
            return
        assert code is None, code
        # DisconnectUser does not answer the id of the event it sends: read it back.
        event_id = response["id"] if response else self.fake.events(room)[-1].id
        attrs = moderation_attributes(action, subject, reason)
        self.deliver(room, self.event_frame(event_id, f"aws:{action}", attrs, None))
        if action == "DISCONNECT_USER":
            self.close_user(room, subject, reason)

    @rule(index=pick, name=st.sampled_from(["app:start", "poll"]), attrs=attributes)
    def send_event(self, index: int, name: str, attrs: dict[str, str]) -> None:
        room = self.room_at(index)
        response, code = self.call(
            "send_event", roomIdentifier=room, eventName=name, attributes=attrs
        )
        if room not in self.rooms:
            assert code == "ResourceNotFoundException", (response, code)
            return
        assert code is None, code
        self.deliver(room, self.event_frame(response["id"], name, attrs, None))

    # ---------------------------------------------------------------- invariants

    @invariant()
    def connections_received_what_the_model_says(self) -> None:
        for model in self.conns:
            assert model.conn.close_reason == model.close_reason(self.now_ns), model.token
            assert model.conn.received == model.expected, model.token

    @invariant()
    def listings_match_the_model(self) -> None:
        """Compared after every step that may have changed them (listing is the costly part)."""
        if not self.changed:
            return
        self.changed = False
        rooms = sorted(self.rooms.values(), key=RoomModel.order)
        listed = self.all_pages("list_rooms", "rooms")
        assert listed == ([room.summary() for room in rooms], None)
        configs = sorted(self.configs.values(), key=ConfigModel.order)
        listed = self.all_pages("list_logging_configurations", "loggingConfigurations")
        assert listed == ([config.describe() for config in configs], None)

    @invariant()
    def chat_logs_hold_what_was_delivered(self) -> None:
        for arn in self.configs:
            records = self.fake.log_records(arn)
            assert [record["payload"] for record in records] == self.logs[arn]
            assert [record["type"] for record in records] == [f["Type"] for f in self.logs[arn]]

    @invariant()
    def every_body_fits_the_model(self) -> None:
        if self.audit is not None:
            found = self.audit.problems[self.audited :]
            del self.audit.problems[self.audited :]
            assert not found, "\n".join(found)


# Typed here: older hypothesis releases leave run_state_machine_as_test unannotated.
run_machine: Callable[..., None] = run_state_machine_as_test


def test_the_fake_agrees_with_a_reference_model(output_audit: Any) -> None:
    ChatService.audit = output_audit
    try:
        run_machine(ChatService, settings=settings(max_examples=budget(30), stateful_step_count=20))
    finally:
        ChatService.audit = None
