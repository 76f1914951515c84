"""Real clients in other processes, for the tests of ``fake.serve()``: the JavaScript driver
(``tests/js/driver.js``, run by Node.js) and the AWS CLI, each in an environment that holds no AWS
credential, profile, proxy or endpoint of the developer's, so that they reach 127.0.0.1 only.

Where Node.js or the AWS CLI is absent the tests that need it are skipped, except under CI (the
``CI`` variable set), where the absence is a failure: CI installs both (``.ci/run``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"
# Set by .ci/run to the CLI it installed in a virtual environment of its own (awscli v1 pins
# botocore exactly, so it cannot share the project's environment).
AWS_CLI_VARIABLE = "FAKE_IVSCHAT_AWS_CLI"
TIMEOUT = 5.0  # seconds for one answer from another process; the tests need milliseconds

Event = dict[str, Any]


def missing(what: str) -> NoReturn:
    """Skip the test for lack of ``what`` (a failure under CI, which must run every test)."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI installs it: see .ci/run)", pytrace=False)
    pytest.skip(what)


def node_path() -> str:
    """The ``node`` executable with the npm packages of ``tests/js`` installed."""
    node = shutil.which("node")
    if node is None:
        missing("Node.js (`node`) is not on PATH: the real JavaScript clients cannot run")
    if not (JS_DIR / "node_modules").is_dir():
        missing("the npm packages of tests/js are not installed: run `npm ci --prefix tests/js`")
    return node


def aws_cli_path() -> str:
    """The AWS CLI: ``$FAKE_IVSCHAT_AWS_CLI``, else ``aws`` on PATH."""
    cli = os.environ.get(AWS_CLI_VARIABLE) or shutil.which("aws")
    if cli is None:
        missing(f"the AWS CLI is not installed (set {AWS_CLI_VARIABLE} or put `aws` on PATH)")
    return cli


def hermetic_env(directory: Path, **variables: str) -> dict[str, str]:
    """This process's environment without any AWS, proxy or endpoint setting, with empty AWS
    config and credentials files (made in ``directory``), plus ``variables``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(("AWS_", "BOTO_")) and "PROXY" not in name.upper()
    }
    for variable, file_name in (
        ("AWS_CONFIG_FILE", "config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ):
        path = directory / file_name
        path.write_text("")
        env[variable] = str(path)
    env.update(AWS_EC2_METADATA_DISABLED="true", NO_PROXY="127.0.0.1", AWS_PAGER="")
    env.update(variables)
    return env


class NodeDriver:
    """``tests/js/driver.js`` in a Node.js process: commands go in as JSON lines, replies and
    what the JavaScript clients saw (events) come back as JSON lines. See driver.js for the ops."""

    def __init__(self, node: str, env: dict[str, str]) -> None:
        self._process = subprocess.Popen(
            [node, "driver.js"],
            cwd=JS_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._changed = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self._events: list[Event] = []
        self._log: deque[str] = deque(maxlen=60)  # the SDK's debug log, for failure messages
        self._next_id = 0
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            try:
                answer = json.loads(line)
            except ValueError:  # not the driver's: something printed to stdout
                self._log.append(line.rstrip("\n"))
                continue
            with self._changed:
                if "id" in answer:
                    self._replies[answer["id"]] = answer
                else:
                    self._events.append(answer)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _read_stderr(self) -> None:
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self._log.append(line.rstrip("\n"))

    # ----------------------------------------------------------------------- commands

    def submit(self, op: str, **fields: Any) -> int:
        """Send one command without waiting; its reply comes to :meth:`reply`."""
        assert self._process.stdin is not None
        with self._changed:
            self._next_id += 1
            number = self._next_id
        self._process.stdin.write(json.dumps({"id": number, "op": op, **fields}) + "\n")
        self._process.stdin.flush()
        return number

    def reply(self, number: int, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The reply to command ``number`` (an AssertionError if none comes within ``timeout``;
        a command the driver could not run is one too)."""
        answer: dict[str, Any] = self._await(
            lambda: self._replies.get(number), timeout, f"no reply to #{number}"
        )
        if "failed" in answer:
            raise AssertionError(f"driver.js could not run command #{number}: {answer['failed']}")
        return answer

    def command(self, op: str, **fields: Any) -> dict[str, Any]:
        """Run one command and return its reply."""
        return self.reply(self.submit(op, **fields))

    # ------------------------------------------------------------------------- events

    def events(self, room: str, name: str) -> list[Any]:
        """The data of every ``name`` event of ``room`` so far, in order."""
        with self._changed:
            return [e.get("data") for e in self._events if _is(e, room, name)]

    def wait_for(
        self,
        room: str,
        name: str,
        predicate: Callable[[Any], bool] = lambda data: True,
        timeout: float = TIMEOUT,
    ) -> Any:
        """The data of the first ``name`` event of ``room`` that ``predicate`` accepts, waiting
        for it if need be."""

        def found() -> Any:
            for event in self._events:
                if _is(event, room, name) and predicate(event.get("data")):
                    return event
            return None

        return self._await(found, timeout, f"no {name!r} event of room {room!r}").get("data")

    def wait_for_count(
        self, room: str, name: str, count: int, timeout: float = TIMEOUT
    ) -> list[Any]:
        """The data of the first ``count`` ``name`` events of ``room``, waiting for them."""

        def enough() -> list[Any] | None:
            seen = [e.get("data") for e in self._events if _is(e, room, name)]
            return seen[:count] if len(seen) >= count else None

        seen: list[Any] = self._await(enough, timeout, f"fewer than {count} {name!r} of {room!r}")
        return seen

    def _await(self, find: Callable[[], Any], timeout: float, failure: str) -> Any:
        with self._changed:
            if self._changed.wait_for(lambda: find() is not None or not self.alive, timeout):
                found = find()
                if found is not None:
                    return found
            raise AssertionError(self._explain(failure))

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def _explain(self, failure: str) -> str:
        status = "running" if self.alive else f"exited with status {self._process.returncode}"
        events = "\n".join(json.dumps(event)[:300] for event in self._events[-30:])
        log = "\n".join(line[:300] for line in self._log)
        return (
            f"{failure} (driver.js {status}).\nLast events:\n{events}\nLast lines of its"
            f" log:\n{log}"
        )

    def forget(self) -> None:
        """Disconnect and forget every chat room; drop the events seen so far."""
        self.command("reset")
        with self._changed:
            self._events.clear()

    def close(self) -> None:
        """End the Node.js process (its rooms disconnect first)."""
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def _is(event: Event, room: str, name: str) -> bool:
    return event.get("room") == room and event.get("event") == name
