"""viewer.js, run by Node.js with the official chat SDK, against ``fake.serve()``: the backend
mints the token and moderates, the viewer chats over a real WebSocket."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from chat_backend import moderation, rooms, tokens

from fake_ivschat import FakeIvsChat

HERE = Path(__file__).resolve().parent
# The npm packages the repository's own JavaScript tests use: `npm ci --prefix tests/js`.
NODE_MODULES = HERE.parent / "tests" / "js" / "node_modules"


def node() -> str:
    found = shutil.which("node")
    if found is None or not (NODE_MODULES / "amazon-ivs-chat-messaging").is_dir():
        reason = "needs Node.js and `npm ci --prefix tests/js`"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_a_viewer_chats_until_a_moderator_bans_them(
    fake_ivschat: FakeIvsChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    room = rooms.open_stream_room("s1")
    host = fake_ivschat.connect(tokens.moderator_token(room, "host", "Host")["token"])

    with fake_ivschat.serve() as server:
        viewer = subprocess.Popen(
            [node(), str(HERE / "viewer.js"), "hello from node"],
            env={
                "PATH": os.environ["PATH"],
                "NODE_PATH": str(NODE_MODULES),
                "IVSCHAT_CHAT_URL": server.chat_url,
                "CHAT_TOKEN": json.dumps(tokens.viewer_token(room, "v1", "Vic")),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            said = fake_ivschat.wait_for_message("hello from node", room=room, timeout=10)
            host.send_message("welcome Vic")
            moderation.remove_message(room, said.id, reason="off-topic")
            moderation.ban(room, "v1", reason="spam")
            out, err = viewer.communicate(timeout=10)
        finally:
            viewer.kill()

    assert viewer.returncode == 0, err
    assert out.splitlines() == [
        "connected",
        "Vic: hello from node",
        "Host: welcome Vic",
        "(a message was removed: off-topic)",
        "(v1 was disconnected: spam)",
        "disconnected (serverDisconnect)",
    ]
    assert said.sender_attributes == {"displayName": "Vic", "role": "viewer"}
