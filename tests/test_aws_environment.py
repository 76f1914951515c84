"""The user's AWS setup (a profile that does not exist, a malformed config file, odd AWS_*
variables) never breaks pytest, ``fake.client()`` or chat-log delivery; for the user's own
clients it stays botocore's error, raised where such a client is made."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import boto3
import pytest
from aws_env import without_aws
from botocore.exceptions import ConfigParseError, ProfileNotFound
from helpers import import_this_checkout
from moto import mock_aws

from fake_ivschat import FakeIvsChat, mock_ivschat

# Each breaks every botocore session that reads the user's AWS setup, with this error.
BROKEN_SETUPS = {
    "missing profile": ({"AWS_PROFILE": "does-not-exist"}, ProfileNotFound),
    "malformed config": ({"AWS_CONFIG_FILE": "{tmp}/bad.ini"}, ConfigParseError),
    "malformed credentials": ({"AWS_SHARED_CREDENTIALS_FILE": "{tmp}/bad.ini"}, ConfigParseError),
}
Setup = tuple[dict[str, str], type[Exception]]
IN_THE_ISSUE = ["missing profile", "malformed config"]


def break_aws_setup(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variables: dict[str, str]
) -> None:
    (tmp_path / "bad.ini").write_text("[default\naws_access_key_id = oops\n")
    for name, value in variables.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))


USER_TESTS = """
import boto3
import pytest
from botocore.exceptions import {error}

def test_x():
    assert 1 + 1 == 2

def test_the_fixture_and_fake_client(fake_ivschat):
    arn = fake_ivschat.client("us-west-2").create_room(name="lobby")["arn"]
    assert fake_ivschat.assert_called("CreateRoom", name="lobby").response["arn"] == arn

def test_the_users_own_client_still_gets_botocores_error(fake_ivschat):
    with pytest.raises({error}):
        boto3.client("ivschat", region_name="us-west-2")
"""


@pytest.mark.parametrize("name", IN_THE_ISSUE)
def test_a_broken_aws_setup_does_not_break_a_pytest_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    variables, error = BROKEN_SETUPS[name]
    without_aws(monkeypatch, tmp_path)
    break_aws_setup(monkeypatch, tmp_path, variables)
    import_this_checkout(monkeypatch)
    pytester.makepyfile(USER_TESTS.format(error=error.__name__))
    # A new interpreter: the plugin is imported (and the model loaded) under this environment.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=3)


@pytest.mark.parametrize("setup", BROKEN_SETUPS.values(), ids=BROKEN_SETUPS.keys())
def test_fake_clients_ignore_the_users_aws_setup(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setup: Setup
) -> None:
    variables, error = setup
    without_aws(monkeypatch, tmp_path)
    break_aws_setup(monkeypatch, tmp_path, variables)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "not a number")
    monkeypatch.setenv("AWS_RETRY_MODE", "no-such-mode")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "not a url")
    client = FakeIvsChat().client("eu-central-1")
    assert client.create_room(name="lobby")["arn"].startswith("arn:aws:ivschat:eu-central-1:")
    assert client.meta.endpoint_url == "https://ivschat.eu-central-1.amazonaws.com"
    with mock_ivschat(), pytest.raises(error):
        boto3.Session().client("ivschat", region_name="eu-central-1")


@pytest.mark.parametrize("setup", BROKEN_SETUPS.values(), ids=BROKEN_SETUPS.keys())
def test_chat_log_delivery_ignores_the_users_aws_setup(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setup: Setup
) -> None:
    variables, error = setup
    # An account and region of each case's own: delivery makes a fresh client for them.
    account = f"21098765432{list(BROKEN_SETUPS.values()).index(setup)}"
    region, bucket = "ap-southeast-2", "chat-archive"
    with mock_aws():
        s3 = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        ).client("s3")
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        fake = FakeIvsChat(account)
        client = fake.client(region)
        config = client.create_logging_configuration(
            destinationConfiguration={"s3": {"bucketName": bucket}}
        )
        arn = client.create_room(loggingConfigurationIdentifiers=[config["arn"]])["arn"]
        client.send_event(roomIdentifier=arn, eventName="app:logged")
        with monkeypatch.context() as broken:
            break_aws_setup(broken, tmp_path, variables)
            with pytest.raises(error):  # the setup is broken indeed
                boto3.Session().client("s3", region_name=region)
            assert fake.flush_logs() == []
        (key,) = [entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket)["Contents"]]
        body = gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        assert json.loads(body)["payload"]["EventName"] == "app:logged"
