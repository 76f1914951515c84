"""``python -m fake_ivschat demo``: a short scripted chat against an in-process fake, printed as a
person would read it. Seeded IDs and a scripted clock make every run print the same transcript."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol, TextIO
from unittest import mock

from ._service import clock
from ._service.connection import ChatConnection

REGION = "us-west-2"
START = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
Frame = Mapping[str, Any]


class Fake(Protocol):
    """What the demo uses of a FakeIvsChat (given by ``__main__``)."""

    account_id: str

    def client(self, region_name: str = ..., **kwargs: Any) -> Any: ...

    def connect(self, token: str) -> ChatConnection: ...

    def register_review_handler(
        self, lambda_arn: str, handler: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> None: ...

    def messages(self, room: str | None = None) -> list[Any]: ...

    def events(self, room: str | None = None) -> list[Any]: ...


def review(request: dict[str, Any]) -> dict[str, Any]:
    """The room's message review Lambda: no links."""
    if re.search(r"https?://", request["Content"]):
        return {"ReviewResult": "DENY", "Attributes": {"Reason": "links are not allowed"}}
    return {"ReviewResult": "ALLOW", "Content": request["Content"]}


class Transcript:
    """The frames a connection received, written as chat lines, with a clock the script moves."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.ns = int(START.timestamp()) * clock.NS_PER_SECOND
        self._seen = 0
        self._messages: dict[str, tuple[str, str]] = {}  # id -> (sender, content)

    def now(self) -> int:
        return self.ns

    def line(self, text: str, ns: int | None = None) -> None:
        stamp = clock.to_datetime(self.ns if ns is None else ns).strftime("%H:%M:%S")
        print(f"[{stamp}] {text}", file=self.out)

    def tick(self) -> None:
        self.ns += clock.NS_PER_SECOND

    def show(self, watcher: ChatConnection, actor: str, request: str, answer: Frame) -> None:
        """Write what ``watcher`` received since the last call, and ``answer`` if it is the ERROR
        frame ``actor``'s ``request`` got back (which only the actor sees)."""
        for frame in watcher.received[self._seen :]:
            self.line(self._describe(frame, actor), _ns(frame["SendTime"]))
        self._seen = len(watcher.received)
        if answer["Type"] == "ERROR":
            error = f"ERROR {answer['ErrorCode']} {answer['ErrorMessage']}"
            self.line(f"({actor}'s {request} refused, only {actor} sees: {error})")

    def _describe(self, frame: Frame, actor: str) -> str:
        attributes = frame["Attributes"]
        if frame["Type"] == "MESSAGE":
            self._messages[frame["Id"]] = (frame["Sender"]["UserId"], frame["Content"])
            return f"{frame['Sender']['UserId']}: {frame['Content']}"
        if frame["EventName"] == "aws:DELETE_MESSAGE":
            sender, content = self._messages.get(attributes["MessageId"], ("someone", "?"))
            return f'{actor} deleted {sender}\'s message "{content}": {attributes["Reason"]}'
        if frame["EventName"] == "aws:DISCONNECT_USER":
            return f"{actor} disconnected {attributes['UserId']}: {attributes['Reason']}"
        return f"(event {frame['EventName']} {dict(attributes)})"


def _ns(send_time: str) -> int:
    moment = datetime.strptime(send_time[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int(moment.timestamp()) * clock.NS_PER_SECOND


def run(fake: Fake, out: TextIO) -> None:
    """Play the scripted chat on ``fake`` (seeded, not started), writing its transcript."""
    transcript = Transcript(out)
    # Every time the fake reads goes through clock.now_ns: stopping it there does what freezegun
    # would in a test, without making freezegun a dependency.
    with mock.patch.object(clock, "now_ns", transcript.now):
        _play(fake, transcript)


def _play(fake: Fake, transcript: Transcript) -> None:
    out = transcript.out
    client = fake.client(REGION)
    review_arn = f"arn:aws:lambda:{REGION}:{fake.account_id}:function:no-links"
    fake.register_review_handler(review_arn, review)
    room = client.create_room(
        name="lobby", messageReviewHandler={"uri": review_arn, "fallbackResult": "DENY"}
    )["arn"]
    print(
        "A scripted chat on an in-process fake (seeded IDs, clock from 12:00:00 UTC).\n"
        f"Room lobby: {room}\nIts message review handler: {review_arn} (no links)",
        file=out,
    )

    def join(user: str, *capabilities: str) -> ChatConnection:
        token = client.create_chat_token(
            roomIdentifier=room, userId=user, capabilities=["SEND_MESSAGE", *capabilities]
        )["token"]
        return fake.connect(token)

    alice, bob = join("alice"), join("bob")
    mod = join("mod", "DELETE_MESSAGE", "DISCONNECT_USER")
    print(
        "alice and bob connect as viewers, mod as moderator; the room as alice sees it:", file=out
    )

    def step(actor: ChatConnection, request: str, act: Callable[[], Frame]) -> Frame:
        transcript.tick()
        answer = act()
        transcript.show(alice, actor.user_id, request, answer)
        return answer

    def say(user: ChatConnection, text: str) -> Frame:
        return step(user, f'message "{text}"', lambda: user.send_message(text))

    say(alice, "hello everyone")
    say(bob, "hi alice!")
    say(bob, "free followers at http://spam.example")
    ad = say(bob, "ok then: buy my course")
    step(mod, "deletion", lambda: mod.delete_message(ad["Id"], reason="advertising"))
    step(mod, "ban", lambda: mod.disconnect_user("bob", reason="spam"))
    transcript.line(f"(bob's connection closed: {bob.close_reason})")
    say(alice, "thanks, mod")
    print(
        f"Recorded: {len(fake.messages(room))} messages, {len(fake.events(room))} events"
        " (fake.messages(room), fake.events(room)).",
        file=out,
    )
