"""The first user story: a room, an event, and what the fake recorded."""

from __future__ import annotations

from typing import Any

from fake_ivschat import FakeIvsChat


def test_readme_example_runs_against_a_real_client(fake: FakeIvsChat, client: Any) -> None:
    room = client.create_room(name="lobby")
    client.send_event(roomIdentifier=room["arn"], eventName="app:start")
    assert [e.event_name for e in fake.events(room["arn"])] == ["app:start"]
    assert [call.operation for call in fake.calls] == ["CreateRoom", "SendEvent"]
