"""Lone surrogates: JSON can escape half of a UTF-16 pair on its own ("\\ud800"), which no text
encoding can store or forward. Anywhere in a request body (member, list item, map key or value)
it is a ValidationException naming the member, never an exception out of a client call."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from test_request_types import PLACES, locate, on_the_wire
from test_validation import REGION, Target, World, build_request, call, valid

from fake_ivschat import FakeIvsChat

UNPAIRED = "Member must be valid Unicode (no unpaired surrogates)"
LEADS = {
    "item": "Member must satisfy constraint",
    "key": "Map keys must satisfy constraint",
    "value": "Map value must satisfy constraint",
}


def string_places() -> list[Target]:
    """Every string in every body: members, list items, map values, and map keys."""
    found = [t for t in PLACES if t.shape.type_name == "string" and on_the_wire(t) is None]
    keys = [
        Target(t.operation, (*t.steps[:-1], type(t.steps[-1])("key")), t.shape)
        for t in PLACES
        if t.steps[-1].kind == "value" and on_the_wire(t) is None
    ]
    return found + keys


STRING_PLACES = string_places()


@pytest.fixture(scope="module")
def module_fake() -> FakeIvsChat:
    fake = FakeIvsChat(seed=16)
    fake.quotas.logging_configurations = 1_000_000
    fake.quotas.api_rates.clear()
    return fake


@pytest.fixture(scope="module")
def client(module_fake: FakeIvsChat) -> Any:
    return module_fake.client(REGION)


@pytest.mark.parametrize(
    "target", STRING_PLACES, ids=[t.operation + ":" + t.label for t in STRING_PLACES]
)
def test_a_lone_surrogate_anywhere_is_a_validation_exception(
    target: Target, client: Any, module_fake: FakeIvsChat
) -> None:
    world = World(client, module_fake.account_id)
    request = build_request(target, valid(target.shape, world), world)
    container, key, _ = locate(request, target.steps)
    if target.steps[-1].kind == "key":
        container[key[:1] + "\udc00" + key[1:]] = container.pop(key)
    else:
        container[key] = container[key][:1] + "\ud800" + container[key][1:]
    with pytest.raises(ClientError) as caught:
        call(client, target.operation, request)
    response = caught.value.response
    assert response["Error"]["Code"] == "ValidationException", response["Error"]
    assert response["reason"] == "FIELD_VALIDATION_FAILED"
    # Reported on the member (the service's nested form for an item, key or value in it).
    lead = f"{LEADS[target.nested[0].kind]}: [" if target.nested else ""
    messages = {entry["name"]: entry["message"] for entry in response["fieldList"]}
    texts = messages[target.reported].split("; ")
    assert any(text.startswith(lead) and UNPAIRED in text for text in texts), texts
    assert module_fake.calls[-1].error == "ValidationException"


def test_every_kind_of_place_is_covered() -> None:
    kinds = {step.kind for target in STRING_PLACES for step in target.steps}
    assert kinds == {"member", "item", "key", "value"}


def test_send_event_with_a_lone_surrogate_in_an_attribute(client: Any, module_fake: Any) -> None:
    arn = client.create_room()["arn"]
    with pytest.raises(ClientError) as caught:
        client.send_event(roomIdentifier=arn, eventName="e", attributes={"k": "\ud800"})
    response = caught.value.response
    assert response["Error"]["Message"] == (
        "1 validation error detected: Value '{k=\ud800}' at 'attributes' failed to satisfy "
        f"constraint: Map value must satisfy constraint: [{UNPAIRED}]"
    )
    assert response["fieldList"] == [
        {"name": "attributes", "message": f"Map value must satisfy constraint: [{UNPAIRED}]"}
    ]
    assert module_fake.events(arn) == []


def test_characters_outside_the_basic_plane_are_not_surrogates(client: Any) -> None:
    # On the JSON wire they travel as escaped surrogate *pairs*, which decode to one character.
    arn = client.create_room()["arn"]
    client.send_event(roomIdentifier=arn, eventName="e", attributes={"😀": "𝄞" * 200})
    token = client.create_chat_token(roomIdentifier=arn, userId="🦜", attributes={"k": "😀"})
    assert token["token"]


def test_the_one_kilobyte_limit_still_counts_a_map_holding_a_lone_surrogate(client: Any) -> None:
    arn = client.create_room()["arn"]
    with pytest.raises(ClientError) as caught:
        client.send_event(
            roomIdentifier=arn, eventName="e", attributes={"k": "\ud800" + "a" * 1100}
        )
    texts = caught.value.response["fieldList"][0]["message"].split("; ")
    assert texts == [
        "Member must have a total size of keys and values less than or equal to 1024 bytes",
        f"Map value must satisfy constraint: [{UNPAIRED}]",
    ]
