"""The AWS CLI (``aws ivschat ... --endpoint-url``, run as a subprocess) against
``fake.serve()``: its 12-digit access key id picks the account, ``--region`` the region, and no
AWS setting of the developer's is read. The CLI is ``$FAKE_IVSCHAT_AWS_CLI`` (a virtual environment
of its own made by .ci/run: awscli v1 pins botocore exactly) or ``aws`` on PATH."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from real_clients import aws_cli_path, hermetic_env

from fake_ivschat import FakeIvsChat

ACCOUNT = "111122223333"
REGION = "us-west-2"
# v1 exits with 255 when the service answers an error, v2 with 254.
SERVICE_ERROR_STATUSES = (254, 255)


class Cli:
    """``aws ivschat <args> --endpoint-url <server> --region us-west-2 --output json``."""

    def __init__(self, path: str, endpoint_url: str, env: dict[str, str]) -> None:
        self._command = [path, "ivschat"]
        self._options = ["--endpoint-url", endpoint_url, "--region", REGION, "--output", "json"]
        self._env = env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._command, *args, *self._options],
            env=self._env,
            capture_output=True,
            text=True,
            timeout=30,
        )

    def __call__(self, *args: str) -> Any:
        """The JSON the CLI printed for a command that must succeed (None for no output)."""
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture
def aws(fake_ivschat_server: Any, tmp_path: Path) -> Cli:
    env = hermetic_env(tmp_path, AWS_ACCESS_KEY_ID=ACCOUNT, AWS_SECRET_ACCESS_KEY="secret")
    return Cli(aws_cli_path(), fake_ivschat_server.endpoint_url, env)


def test_create_get_delete_and_the_error_after(aws: Cli, fake_ivschat: FakeIvsChat) -> None:
    created = aws("create-room", "--name", "lobby", "--tags", "team=a")
    assert created["arn"].startswith(f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/")
    assert (created["name"], created["tags"]) == ("lobby", {"team": "a"})
    assert aws("get-room", "--identifier", created["arn"]) == created

    assert aws("delete-room", "--identifier", created["arn"]) is None
    fake_ivschat.assert_called("DeleteRoom", identifier=created["arn"])
    failed = aws.run("get-room", "--identifier", created["arn"])
    assert failed.returncode in SERVICE_ERROR_STATUSES
    assert failed.stdout == ""
    assert (
        "An error occurred (ResourceNotFoundException) when calling the GetRoom operation:"
        f" Room not found: {created['arn']}" in failed.stderr
    )


def test_list_rooms_page_by_page(aws: Cli, fake_ivschat: FakeIvsChat) -> None:
    in_process = fake_ivschat.client(REGION, account_id=ACCOUNT)
    names = sorted(in_process.create_room(name=f"room-{n}")["name"] for n in range(3))

    # ivschat has no paginator in botocore: --no-paginate changes nothing, paging is by hand.
    first = aws("list-rooms", "--max-results", "2", "--no-paginate")
    second = aws("list-rooms", "--max-results", "2", "--next-token", first["nextToken"])
    assert (len(first["rooms"]), len(second["rooms"])) == (2, 1)
    assert "nextToken" not in second
    assert sorted(room["name"] for room in first["rooms"] + second["rooms"]) == names


def test_tags_are_added_and_listed(aws: Cli, fake_ivschat: FakeIvsChat) -> None:
    arn = fake_ivschat.client(REGION, account_id=ACCOUNT).create_room(tags={"a": "1"})["arn"]
    assert aws("tag-resource", "--resource-arn", arn, "--tags", "b=2,c=3") is None
    assert aws("list-tags-for-resource", "--resource-arn", arn) == {
        "tags": {"a": "1", "b": "2", "c": "3"}
    }


def test_the_service_endpoint_variable_replaces_endpoint_url(
    fake_ivschat_server: Any, fake_ivschat: FakeIvsChat, tmp_path: Path
) -> None:
    # What the docs offer instead of repeating --endpoint-url: IVSCHAT_ENDPOINT_URL (printed by
    # `python -m fake_ivschat serve`) given to the CLI as AWS_ENDPOINT_URL_IVSCHAT.
    env = hermetic_env(
        tmp_path,
        AWS_ACCESS_KEY_ID=ACCOUNT,
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_ENDPOINT_URL_IVSCHAT=fake_ivschat_server.endpoint_url,
        # Were the variable ignored, the CLI's call to AWS would end at a closed loopback port.
        HTTPS_PROXY="http://127.0.0.1:9",
    )
    done = subprocess.run(
        [aws_cli_path(), "ivschat", "create-room", "--name", "env", "--region", REGION],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    fake_ivschat.assert_called("CreateRoom", name="env")
