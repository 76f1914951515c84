"""Regions: one rule for what a region name can be, kept by every path to the fake (its own
clients, routed clients, served requests, arranged resources), so that the fake never makes a
resource whose ARN it would itself reject."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from aws_env import without_aws
from botocore.exceptions import ClientError
from helpers import NO_RETRY, remote

from fake_ivschat import FakeIvsChat, mock_ivschat
from fake_ivschat._transport.server import Server

RULE = (
    "1 to 63 lowercase letters, digits and '-', neither first nor last a '-', such as 'us-west-2'"
)
# Names no region can have: botocore accepts the first (its check ignores case), the served
# endpoint took all of them from the SigV4 credential scope.
NOT_REGIONS = ["US-WEST-2", "us-west-2 ", "a:b", "x" * 300, "é", "-us-west-2", "a" * 64, "a_b"]


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_aws(monkeypatch, tmp_path)


def refusal(region: str) -> str:
    return f"{region!r} is not a region name ({RULE})"


def test_the_fakes_own_clients_refuse_a_region_it_could_not_have() -> None:
    fake = FakeIvsChat()
    with pytest.raises(ValueError) as info:
        fake.client("US-WEST-2")
    assert str(info.value) == refusal("US-WEST-2")
    with pytest.raises(ValueError) as info:
        fake.aio_client("US-WEST-2")  # refused before aiobotocore is needed
    assert str(info.value) == refusal("US-WEST-2")
    made = boto3.client(
        "ivschat", region_name="US-WEST-2", aws_access_key_id="k", aws_secret_access_key="s"
    )
    with pytest.raises(ValueError) as info:
        fake.attach(made)
    assert str(info.value) == refusal("US-WEST-2")
    assert repr(fake).endswith("no rooms; 0 calls, 0 open connections>")


def test_routed_clients_of_such_a_region_get_the_services_error_and_make_nothing() -> None:
    made_before = boto3.client("ivschat", region_name="US-WEST-2", config=NO_RETRY)
    with mock_ivschat() as fake:
        made_while = boto3.client("ivschat", region_name="US-WEST-2", config=NO_RETRY)
        for client in (made_before, made_while):
            with pytest.raises(ClientError) as info:
                client.create_room(name="lobby")
            error = info.value.response
            assert error["Error"]["Code"] == "InvalidSignatureException"
            assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
            assert error["Error"]["Message"] == (
                "Credential should be scoped to a valid region, not 'US-WEST-2'; a region name is"
                f" {RULE}."
            )
        assert "no rooms" in repr(fake)
        refused = fake.get_calls("CreateRoom")
        assert [(call.region, call.error) for call in refused] == [
            ("US-WEST-2", "InvalidSignatureException")
        ] * 2


@pytest.fixture
def served() -> Iterator[tuple[FakeIvsChat, Server]]:
    fake = FakeIvsChat()
    with fake.serve() as server:
        yield fake, server


def signed_by(region: str) -> dict[str, str]:
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=111122223333/20240501/{region}/ivschat/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd",
        "Content-Type": "application/json",
    }


@pytest.mark.parametrize("region", [*NOT_REGIONS, ""])
def test_served_requests_scoped_to_such_a_region_are_refused(
    served: tuple[FakeIvsChat, Server], region: str
) -> None:
    fake, server = served
    url = urlsplit(server.endpoint_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    try:
        connection.request("POST", "/CreateRoom", body=b"{}", headers=signed_by(region))
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert (response.status, response.getheader("x-amzn-ErrorType")) == (
        403,
        "InvalidSignatureException",
    )
    assert body["message"].startswith(
        f"Credential should be scoped to a valid region, not '{region}'; a region name is"
    )
    assert "no rooms" in repr(fake)


def test_a_boto3_client_of_the_served_endpoint_gets_the_error_too(
    served: tuple[FakeIvsChat, Server],
) -> None:
    fake, server = served
    client = remote(server.endpoint_url, region="US-WEST-2")
    with pytest.raises(ClientError) as info:
        client.list_rooms()
    assert info.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert "no rooms" in repr(fake)


@pytest.mark.parametrize("region", ["us-west-2", "local", "a", "a" * 63, "eu-central-1", "0-9"])
def test_any_name_a_region_can_have_works_end_to_end(region: str) -> None:
    fake = FakeIvsChat()
    client = fake.client(region)
    room = client.create_room(name="lobby")
    assert room["arn"].startswith(f"arn:aws:ivschat:{region}:123456789012:room/")
    assert client.get_room(identifier=room["arn"])["name"] == "lobby"
    config = client.create_logging_configuration(
        destinationConfiguration={"s3": {"bucketName": "logs"}}
    )
    client.update_room(identifier=room["arn"], loggingConfigurationIdentifiers=[config["arn"]])
    client.tag_resource(resourceArn=config["arn"], tags={"a": "b"})
    assert fake.arrange_room(region_name=region)["arn"].startswith(f"arn:aws:ivschat:{region}:")


@pytest.mark.parametrize("region", NOT_REGIONS)
def test_arranging_keeps_the_same_rule(region: str) -> None:
    fake = FakeIvsChat()
    with pytest.raises(ValueError) as info:
        fake.arrange_room(region_name=region)
    assert str(info.value) == refusal(region)
    with pytest.raises(ValueError) as info:
        fake.arrange_logging_configuration(
            "abcdEFGH1234",
            region_name=region,
            destinationConfiguration={"s3": {"bucketName": "logs"}},
        )
    assert str(info.value) == refusal(region)


def test_the_routed_answer_is_what_the_server_answers(served: tuple[FakeIvsChat, Server]) -> None:
    _, server = served
    with pytest.raises(ClientError) as over_http:
        remote(server.endpoint_url, region="US-WEST-2").get_room(
            identifier="arn:aws:ivschat:us-west-2:123456789012:room/abcdEFGH1234"
        )
    with mock_ivschat():
        routed = boto3.client("ivschat", region_name="US-WEST-2", config=NO_RETRY)
        with pytest.raises(ClientError) as in_process:
            routed.get_room(identifier="arn:aws:ivschat:us-west-2:123456789012:room/abcdEFGH1234")
    assert over_http.value.response["Error"] == in_process.value.response["Error"]
