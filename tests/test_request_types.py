"""Requests the service cannot deserialize, and the fake's own failures: every one is answered
and recorded, never raised out of a client call.

A JSON value of the wrong type for its member (anywhere in the input, found by walking the model),
a body that is not a JSON object: SerializationException (400), as rest-json services answer a
request they cannot read, before any constraint is checked. They reach the fake from clients with
``parameter_validation=False`` or from other tools (here: a body rewritten before it is sent).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from helpers import NO_RETRY
from response_audit import ResponseAudit
from test_validation import MODEL, OPERATIONS, Step, Target, World, build_request, call, valid

from fake_ivschat import FakeIvsChat
from fake_ivschat._service.backend import RegionState

REGION = "us-west-2"

# Values of the wrong JSON type for each type of shape in the model, and how messages name types.
WRONG: dict[str, list[Any]] = {
    "string": [5, True, {"a": "b"}],
    "integer": ["10", True, 5.5],
    "list": ["abc", {"a": "b"}],
    "map": [["a"], "abc"],
    "structure": ["abc", [1]],
}
EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "list": "an array",
    "map": "an object",
    "structure": "an object",
}


def named(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a number with a fraction"
    return {str: "a string", int: "an integer", list: "an array", dict: "an object"}[type(value)]


def places() -> Iterator[Target]:
    """Every member of every operation's input at every depth: members, list items and map
    values (JSON keys are always strings)."""
    for operation in OPERATIONS:
        shape = MODEL.operation_model(operation).input_shape
        if shape is not None:
            yield from _below(operation, shape, ())


def _below(operation: str, shape: Any, steps: tuple[Step, ...]) -> Iterator[Target]:
    if steps:
        yield Target(operation, steps, shape)
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            yield from _below(operation, member, (*steps, Step("member", name)))
    elif shape.type_name == "list":
        yield from _below(operation, shape.member, (*steps, Step("item")))
    elif shape.type_name == "map":
        yield from _below(operation, shape.value, (*steps, Step("value")))


def on_the_wire(target: Target) -> str | None:
    """Where a top-level member travels outside the body (URI label, query string)."""
    top = MODEL.operation_model(target.operation).input_shape.members[target.steps[0].name]
    location: str | None = top.serialization.get("location")
    return location


PLACES = list(places())
BODY_CASES = [
    (target, value)
    for target in PLACES
    if on_the_wire(target) is None
    for value in WRONG[target.shape.type_name]
]


def locate(request: dict[str, Any], steps: tuple[Step, ...]) -> tuple[Any, Any, str]:
    """The container holding the value at ``steps`` in ``request``, its key there, and the path
    the service names it by."""
    container: Any = None
    key: Any = None
    value: Any = request
    path = ""
    for step in steps:
        container = value
        if step.kind == "member":
            key, path = step.name, f"{path}.{step.name}" if path else step.name
        elif step.kind == "item":
            key, path = 0, f"{path}[0]"
        else:
            key = next(iter(value))
            path = f"{path}.{key}"
        value = container[key]
    return container, key, path


class BodyRewrite:
    """Replaces the JSON body a client is about to send, as another tool might send it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.change: Callable[[bytes], bytes] = lambda body: body
        client.meta.events.register_first("request-created.ivschat", self, unique_id="rewrite")

    def __call__(self, request: Any, **_: Any) -> None:
        request.data = self.change(request.data or b"")


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def module_fake() -> FakeIvsChat:
    fake = FakeIvsChat(seed=8)
    fake.quotas.logging_configurations = 1_000_000
    fake.quotas.api_rates.clear()
    return fake


@pytest.fixture(scope="module")
def checked(module_fake: FakeIvsChat) -> Any:
    return module_fake.client(REGION)


@pytest.fixture(scope="module")
def unchecked(module_fake: FakeIvsChat) -> Any:
    return module_fake.client(REGION, config=NO_RETRY.merge(Config(parameter_validation=False)))


@pytest.fixture(scope="module")
def rewritten(module_fake: FakeIvsChat) -> BodyRewrite:
    client = module_fake.client(REGION, config=NO_RETRY)
    return BodyRewrite(client)


@pytest.fixture
def world(module_fake: FakeIvsChat, checked: Any) -> World:
    return World(checked, module_fake.account_id)


def serialization_error(error: ClientError) -> str:
    response = error.response
    assert response["Error"]["Code"] == "SerializationException", response["Error"]
    meta = response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 400
    assert meta["HTTPHeaders"]["x-amzn-errortype"] == "SerializationException"
    message: str = response["Error"]["Message"]
    return message


# ------------------------------------------------------------------ the generated tests


@pytest.mark.parametrize(
    ("target", "wrong"),
    BODY_CASES,
    ids=[f"{t.operation}:{t.label}={json.dumps(v)}" for t, v in BODY_CASES],
)
def test_a_wrong_json_type_anywhere_is_a_serialization_exception(
    target: Target, wrong: Any, rewritten: BodyRewrite, module_fake: FakeIvsChat, world: World
) -> None:
    request = build_request(target, valid(target.shape, world), world)
    sent = json.loads(json.dumps(request))
    container, key, path = locate(sent, target.steps)
    container[key] = wrong
    rewritten.change = lambda body: json.dumps(sent).encode()
    with pytest.raises(ClientError) as caught:
        call(rewritten.client, target.operation, request)
    expected = EXPECTED[target.shape.type_name]
    assert serialization_error(caught.value) == (
        f"Cannot deserialize the request: '{path}' must be {expected}, not {named(wrong)}."
    )
    recorded = module_fake.calls[-1]
    assert (recorded.operation, recorded.error) == (target.operation, "SerializationException")
    assert recorded.params == sent


def test_every_member_of_every_operation_is_covered() -> None:
    assert {target.operation for target in PLACES} == set(OPERATIONS)
    assert {target.shape.type_name for target in PLACES} == set(WRONG)
    # The members outside the body are those of the tag operations, exercised below.
    assert {(t.operation, t.label) for t in PLACES if on_the_wire(t)} == {
        ("ListTagsForResource", "resourceArn"),
        ("TagResource", "resourceArn"),
        ("UntagResource", "resourceArn"),
        ("UntagResource", "tagKeys"),
        ("UntagResource", "tagKeys[]"),
    }


@pytest.mark.parametrize(
    ("operation", "params", "code"),
    [
        ("ListTagsForResource", {"resourceArn": 5}, "ValidationException"),
        ("TagResource", {"resourceArn": True, "tags": {"a": "b"}}, "ValidationException"),
        ("UntagResource", {"resourceArn": 5.5, "tagKeys": ["a"]}, "ValidationException"),
        ("UntagResource", {"tagKeys": [5, True]}, None),
        ("UntagResource", {"tagKeys": "ab"}, None),
    ],
)
def test_uri_and_query_members_travel_as_text(
    operation: str,
    params: dict[str, Any],
    code: str | None,
    unchecked: Any,
    module_fake: FakeIvsChat,
    world: World,
) -> None:
    # The URI and the query string carry text only: a wrong type becomes its text on the way,
    # and the service judges that text like any other.
    request = {"resourceArn": world.room, **params}
    try:
        call(unchecked, operation, request)
        outcome = None
    except ClientError as error:
        outcome = error.response["Error"]["Code"]
    assert outcome == code
    assert (module_fake.calls[-1].operation, module_fake.calls[-1].error) == (operation, code)


# --------------------------------------------------- what botocore sends, unchecked


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"maximumMessageRatePerSecond": "10"}, "'maximumMessageRatePerSecond' must be an integer"),
        ({"name": 5}, "'name' must be a string, not an integer"),
        ({"maximumMessageLength": 5.5}, "'maximumMessageLength' must be an integer"),
        ({"maximumMessageLength": True}, "'maximumMessageLength' must be an integer"),
        ({"tags": {"team": 7}}, "'tags.team' must be a string, not an integer"),
        ({"messageReviewHandler": {"uri": "", "fallbackResult": False}}, "fallbackResult'"),
        ({"loggingConfigurationIdentifiers": [None]}, "'loggingConfigurationIdentifiers[0]'"),
    ],
)
def test_wrong_types_sent_without_botocores_validation_are_refused_and_recorded(
    params: dict[str, Any], message: str, unchecked: Any, module_fake: FakeIvsChat
) -> None:
    with pytest.raises(ClientError) as caught:
        unchecked.create_room(**params)
    assert message in serialization_error(caught.value)
    assert module_fake.calls[-1].error == "SerializationException"
    assert module_fake.calls[-1].params == json.loads(json.dumps(params))


def test_a_wrong_type_wins_over_broken_constraints(unchecked: Any) -> None:
    with pytest.raises(ClientError) as caught:
        unchecked.create_room(name="no spaces allowed", maximumMessageLength=-1, tags={"k": 1})
    assert serialization_error(caught.value) == (
        "Cannot deserialize the request: 'tags.k' must be a string, not an integer."
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "The request body is not valid JSON: "),
        (b'{"name": "\xff"}', "The request body is not valid JSON: "),
        (b"[1, 2]", "The request body must be a JSON object, not an array."),
        (b'"lobby"', "The request body must be a JSON object, not a string."),
        (b"null", "The request body must be a JSON object, not null."),
    ],
    ids=["not-json", "not-utf8", "array", "string", "null"],
)
def test_a_body_that_is_not_a_json_object(
    body: bytes, message: str, rewritten: BodyRewrite, module_fake: FakeIvsChat
) -> None:
    rewritten.change = lambda _: body
    with pytest.raises(ClientError) as caught:
        rewritten.client.create_room(name="lobby")
    assert serialization_error(caught.value).startswith(message)
    recorded = module_fake.calls[-1]
    assert (recorded.operation, recorded.params, recorded.error) == (
        "CreateRoom",
        {},
        "SerializationException",
    )


# ------------------------------------------------------------- the fake's own failures


def test_a_failure_inside_the_fake_is_an_internal_server_exception_recorded_and_logged(
    fake: FakeIvsChat,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    output_audit: ResponseAudit,
) -> None:
    def broken(self: RegionState, params: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("oops")

    client = fake.client(REGION, config=NO_RETRY)
    monkeypatch.setattr(RegionState, "list_rooms", broken)
    with (
        caplog.at_level(logging.ERROR, logger="fake_ivschat"),
        pytest.raises(ClientError) as caught,
    ):
        client.list_rooms()
    response = caught.value.response
    assert response["Error"] == {
        "Code": "InternalServerException",
        "Message": "fake_ivschat failed while answering ListRooms: KeyError: 'oops'.",
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert [(call.operation, call.error) for call in fake.calls] == [
        ("ListRooms", "InternalServerException")
    ]
    [record] = [r for r in caplog.records if r.name == "fake_ivschat"]
    assert record.getMessage() == "fake_ivschat failed while answering ListRooms"
    assert record.exc_info is not None and record.exc_info[0] is KeyError
    # ListRooms does not model InternalServerException: a bug of the fake is no modelled answer.
    assert output_audit.problems
    output_audit.problems.clear()


def test_botocore_retries_an_internal_failure_of_the_fake_like_any_500(
    fake: FakeIvsChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = RegionState.tag_resource
    failures = iter([RuntimeError("first"), RuntimeError("second")])

    def flaky(self: RegionState, params: dict[str, Any]) -> dict[str, Any]:
        for failure in failures:
            raise failure
        return original(self, params)

    client = fake.client(REGION, config=Config(retries={"mode": "standard"}))
    arn = client.create_room()["arn"]
    monkeypatch.setattr(RegionState, "tag_resource", flaky)
    response = client.tag_resource(resourceArn=arn, tags={"a": "b"})
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert [call.error for call in fake.get_calls("TagResource")] == [
        "InternalServerException",
        "InternalServerException",
        None,
    ]
