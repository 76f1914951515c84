"""``python -m fake_ivschat demo``: a scripted chat printed as a transcript, alike on every run."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fake_ivschat import FakeIvsChat
from fake_ivschat.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """This checkout's ``python -m fake_ivschat`` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "fake_ivschat", *args],
        cwd=ROOT,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_demo_prints_the_chat_in_order() -> None:
    demo = run("demo")
    assert (demo.returncode, demo.stderr) == (0, "")
    lines = demo.stdout.splitlines()
    expected = [
        "[12:00:01] alice: hello everyone",
        "[12:00:02] bob: hi alice!",
        '[12:00:03] (bob\'s message "free followers at http://spam.example" refused, only bob'
        " sees: ERROR 406 Message denied by the room's message review handler: links are not"
        " allowed)",
        "[12:00:04] bob: ok then: buy my course",
        '[12:00:05] mod deleted bob\'s message "ok then: buy my course": advertising',
        "[12:00:06] mod disconnected bob: spam",
        "[12:00:06] (bob's connection closed: DisconnectUser: spam)",
        "[12:00:07] alice: thanks, mod",
    ]
    assert [line for line in lines if line.startswith("[")] == expected
    assert lines[-1].startswith("Recorded: 4 messages, 2 events")


def test_the_demo_is_the_same_on_every_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    assert capsys.readouterr().out == run("demo").stdout
    # The scripted clock is the demo's only: a fake made afterwards reads the real time.
    room = FakeIvsChat().client().create_room()
    assert room["createTime"] > datetime(2024, 5, 2, tzinfo=timezone.utc)


def test_help_lists_both_commands() -> None:
    usage = run("--help")
    assert usage.returncode == 0
    assert "demo" in usage.stdout and "serve" in usage.stdout
