"""The public API as a typed user sees it: ``fake.client()`` is the mypy-boto3-ivschat stubs'
``IvschatClient`` (this module is checked by ``mypy --strict`` with the rest of the suite), and
delivered frames and records are read-only in their types: mypy, run on a snippet, rejects
changing them, as the objects refuse it at run time."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from fake_ivschat import FakeIvsChat, RecordedCall, RecordedEvent, RecordedMessage

if TYPE_CHECKING:
    from mypy_boto3_ivschat import IvschatClient
    from mypy_boto3_ivschat.type_defs import CreateRoomResponseTypeDef

REGION = "us-west-2"
ROOT = Path(__file__).resolve().parent.parent


def test_a_typed_user_gets_the_stubs_client_and_read_only_records() -> None:
    fake = FakeIvsChat()
    client: IvschatClient = fake.client(region_name=REGION)
    room: CreateRoomResponseTypeDef = client.create_room(name="lobby", tags={"team": "a"})
    token = client.create_chat_token(
        roomIdentifier=room["arn"], userId="alice", capabilities=["SEND_MESSAGE"]
    )["token"]
    frame: Mapping[str, Any] = fake.connect(token).send_message("hi", attributes={"k": "v"})
    call: RecordedCall = fake.assert_called("CreateRoom", name="lobby")
    message: RecordedMessage = fake.assert_message("hi", room=room["arn"])
    events: list[RecordedEvent] = fake.events(room["arn"])
    assert call.response is not None and call.response["arn"] == room["arn"]
    assert call.params["tags"] == {"team": "a"}
    assert message.payload == frame and message.attributes == {"k": "v"}
    assert events == []


# Each line ending in ``# E: text`` must be reported by mypy with ``text`` in its error; every
# other line must pass, so the snippet also proves that correct use type-checks.
SNIPPET = """\
from fake_ivschat import FakeIvsChat
from mypy_boto3_ivschat import IvschatClient

fake = FakeIvsChat()
client: IvschatClient = fake.client(region_name="us-west-2")
arn = client.create_room(name="lobby")["arn"]
token = client.create_chat_token(roomIdentifier=arn, userId="alice")["token"]
conn = fake.connect(token)
frame = conn.send_message("hi")
copy = dict(frame)
copy.pop("Id")
frame.pop("Id")  # E: "Mapping[str, Any]" has no attribute "pop"
conn.received[0]["Content"] = "x"  # E: Unsupported target for indexed assignment
fake.messages()[0].attributes.clear()  # E: "Mapping[str, str]" has no attribute "clear"
fake.events()[0].payload["Id"] = "x"  # E: Unsupported target for indexed assignment
fake.calls[0].params["name"] = "x"  # E: Unsupported target for indexed assignment
fake.calls[0].result  # E: "RecordedCall" has no attribute "result"
fake.log_records(arn)[0].update({})  # E: "Mapping[str, Any]" has no attribute "update"
client.create_room(nam="lobby")  # E: Unexpected keyword argument "nam"
"""


def _expected(snippet: str) -> dict[int, str]:
    found = (re.search(r"# E: (.*)$", line) for line in snippet.splitlines())
    return {number: hit.group(1) for number, hit in enumerate(found, 1) if hit}


def test_mypy_rejects_changing_what_the_fake_delivered_and_misspelt_api_calls(
    tmp_path: Path,
) -> None:
    pytest.importorskip("mypy_boto3_ivschat")
    from mypy import api

    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    # The project's mypy cache: warm after any `mypy --strict` of the checkout (cold: ~5 s).
    args = ["--strict", "--config-file", str(ROOT / "pyproject.toml")]
    args += ["--cache-dir", str(ROOT / ".mypy_cache"), "--no-error-summary", str(snippet)]
    report, errors, _ = api.run(args)
    assert errors == ""
    reported: dict[int, list[str]] = {}
    for line in report.splitlines():
        if ": note: " in line:
            continue
        # By file name: mypy replays a cached module's errors with the path it had when cached.
        hit = re.match(r"(?:.*/)?snippet\.py:(\d+): error: (.*)", line)
        assert hit, f"an error outside the snippet: {line}"
        reported.setdefault(int(hit.group(1)), []).append(hit.group(2))
    expected = _expected(SNIPPET)
    assert sorted(reported) == sorted(expected), report
    for number, text in expected.items():
        assert any(text in error for error in reported[number]), (number, reported[number])
