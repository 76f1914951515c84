"""``python -m fake_ivschat demo``: a scripted chat printed as a transcript, alike on every run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fake_ivschat import FakeIvsChat
from fake_ivschat.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess[str]:
    """This checkout's ``python -m fake_ivschat demo``, run in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "fake_ivschat", "demo"],
        cwd=ROOT,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_demo_prints_the_chat_in_order(demo: subprocess.CompletedProcess[str]) -> None:
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


def test_the_demo_is_the_same_on_every_run(
    demo: subprocess.CompletedProcess[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    assert capsys.readouterr().out == demo.stdout
    # The scripted clock is the demo's only: a fake made afterwards reads the real time.
    room = FakeIvsChat().client().create_room()
    assert room["createTime"] > datetime(2024, 5, 2, tzinfo=timezone.utc)


def test_help_lists_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    commands = capsys.readouterr().out.split("positional arguments:")[1]
    assert re.search(r"^ +serve +serve a fake", commands, re.MULTILINE)
    assert re.search(r"^ +demo +print a scripted chat", commands, re.MULTILINE)


@pytest.mark.parametrize("page", ["README.md", "docs/tutorial.md"])
def test_the_readme_and_the_tutorial_show_what_the_demo_prints(
    page: str, demo: subprocess.CompletedProcess[str]
) -> None:
    text = (ROOT / page).read_text()
    after = text.split("python -m fake_ivschat demo\n```", 1)[1]
    shown = re.search(r"```\n(\[.*?)```", after, flags=re.DOTALL)
    assert shown is not None, f"{page} shows no transcript after the demo command"
    printed = [line for line in demo.stdout.splitlines() if line.startswith("[")]
    assert shown.group(1).splitlines() == printed


def demo_into(stdout: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "fake_ivschat", "demo"],
        cwd=ROOT,
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true"},
        stdout=stdout,
        stderr=subprocess.PIPE,
    )


def test_piped_into_head_it_ends_quietly() -> None:
    demo = demo_into(subprocess.PIPE)
    head = subprocess.Popen(["head", "-1"], stdin=demo.stdout, stdout=subprocess.PIPE)
    assert demo.stdout is not None
    demo.stdout.close()  # head alone reads it: when head ends, the demo's writes fail
    try:
        first, _ = head.communicate(timeout=60)
        _, errors = demo.communicate(timeout=60)
    finally:
        for child in (head, demo):
            child.kill()
            child.wait()
    assert first.decode().startswith("A scripted chat on an in-process fake")
    assert errors == b""  # no BrokenPipeError traceback
    assert demo.returncode in (0, 1)  # 0 if it wrote everything before head ended


def test_a_reader_gone_before_the_first_line_ends_it_quietly_with_status_1() -> None:
    read, write = os.pipe()
    os.close(read)  # as after `| head -1` ended: every write fails with EPIPE
    try:
        demo = demo_into(write)
    finally:
        os.close(write)
    try:
        _, errors = demo.communicate(timeout=60)
    finally:
        demo.kill()
        demo.wait()
    assert (demo.returncode, errors) == (1, b"")
