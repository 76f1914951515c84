"""The AWS SDK for JavaScript v3 (``@aws-sdk/client-ivschat``, under Node.js) against
``fake.serve()``'s control plane: ``endpoint`` set to ``server.endpoint_url``, static credentials
whose 12-digit access key id picks the account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from real_clients import NodeDriver, hermetic_env, node_path

from fake_ivschat import FakeIvsChat

ACCOUNT = "111122223333"
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeDriver]:
    driver = NodeDriver(node_path(), hermetic_env(tmp_path_factory.mktemp("node")))
    yield driver
    driver.close()


class JsClient:
    """One ``IvschatClient`` of the JavaScript SDK, pointed at the fake's server."""

    def __init__(self, node: NodeDriver, endpoint_url: str) -> None:
        self._node = node
        self._where = {"endpoint": endpoint_url, "region": REGION, "accessKeyId": ACCOUNT}

    def answer(self, command: str, **params: Any) -> dict[str, Any]:
        """``{"output": ...}`` or ``{"error": ...}`` of ``client.send(new XCommand(params))``."""
        return self._node.command("call", command=command, input=params, **self._where)

    def __call__(self, command: str, **params: Any) -> Any:
        """The output of a command that must succeed."""
        answer = self.answer(command, **params)
        assert "output" in answer, answer
        return answer["output"]

    def error(self, command: str, **params: Any) -> Any:
        """The error of a command that must fail."""
        answer = self.answer(command, **params)
        assert "error" in answer, answer
        return answer["error"]


@pytest.fixture
def js(node: NodeDriver, fake_ivschat_server: Any) -> JsClient:
    return JsClient(node, fake_ivschat_server.endpoint_url)


def test_create_get_and_delete_a_room_with_its_204(js: JsClient, fake_ivschat: FakeIvsChat) -> None:
    created = js("CreateRoom", name="lobby", maximumMessageLength=100, tags={"team": "a"})
    assert created["$metadata"]["httpStatusCode"] == 200
    assert created["arn"].startswith(f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/")
    assert (created["name"], created["maximumMessageLength"]) == ("lobby", 100)
    assert created["tags"] == {"team": "a"}

    got = js("GetRoom", identifier=created["arn"])
    assert {k: v for k, v in got.items() if k != "$metadata"} == {
        k: v for k, v in created.items() if k != "$metadata"
    }
    # The same state as the fake's in-process clients of that account and region.
    in_process = fake_ivschat.client(REGION, account_id=ACCOUNT)
    assert in_process.get_room(identifier=created["arn"])["name"] == "lobby"

    deleted = js("DeleteRoom", identifier=created["arn"])
    assert deleted == {"$metadata": {**deleted["$metadata"], "httpStatusCode": 204}}
    assert js.error("GetRoom", identifier=created["arn"])["name"] == "ResourceNotFoundException"
    fake_ivschat.assert_called("DeleteRoom", identifier=created["arn"])


def test_list_rooms_page_by_page(js: JsClient) -> None:
    names = [f"room-{n}" for n in range(5)]
    for name in names:
        js("CreateRoom", name=name)

    pages: list[list[str]] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"maxResults": 2}
        if token is not None:
            params["nextToken"] = token
        page = js("ListRooms", **params)
        pages.append([room["name"] for room in page["rooms"]])
        token = page.get("nextToken")
        if token is None:
            break
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(name for page in pages for name in page) == names


def test_tags_are_added_listed_and_removed(js: JsClient) -> None:
    arn = js("CreateRoom", tags={"a": "1"})["arn"]
    js("TagResource", resourceArn=arn, tags={"b": "2", "c": "3"})
    js("UntagResource", resourceArn=arn, tagKeys=["a", "c"])
    assert js("ListTagsForResource", resourceArn=arn)["tags"] == {"b": "2"}


def test_modelled_errors_carry_their_members(js: JsClient, fake_ivschat: FakeIvsChat) -> None:
    missing = js.error(
        "GetRoom", identifier=f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/abcdABCD1234"
    )
    assert missing["name"] == "ResourceNotFoundException"
    assert missing["$fault"] == "client"
    assert missing["$metadata"]["httpStatusCode"] == 404
    assert (missing["resourceId"], missing["resourceType"]) == ("abcdABCD1234", "ROOM")
    assert missing["message"]

    invalid = js.error("CreateRoom", maximumMessageLength=501)
    assert (invalid["name"], invalid["$metadata"]["httpStatusCode"]) == ("ValidationException", 400)
    assert invalid["reason"] == "FIELD_VALIDATION_FAILED"
    assert [field["name"] for field in invalid["fieldList"]] == ["maximumMessageLength"]

    fake_ivschat.inject_error(
        "CreateRoom", "ServiceQuotaExceededException", resourceId="x", resourceType="ROOM", limit=3
    )
    quota = js.error("CreateRoom")
    assert quota["name"] == "ServiceQuotaExceededException"
    assert (quota["resourceId"], quota["resourceType"], quota["limit"]) == ("x", "ROOM", 3)
