"""Model-driven fuzzing: every operation, fed requests generated from botocore's input shapes.

For each of the 17 operations and each mode of ``model_strategies`` (valid values, one broken
constraint, one wrong JSON type with ``parameter_validation=False``, one string of unicode edge
cases), a fresh fake with a few real resources answers one call. Whatever was sent, the call ends
in one of:

- success, with a body that fits the output shape (the suite's ``output_audit`` reads it);
- a modelled error of that operation (never InternalServerException), or an AWS common error,
  with the status the model gives it;
- SerializationException (400), exactly when a value of the wrong JSON type reached the fake;
- botocore's ParamValidationError, only with parameter validation on, the fake never reached.

Every call that reaches the fake is recorded once, with the parameters botocore sent. With
parameter validation off, botocore's own serializer raises for some wrong types (a string where it
iterates a map, a missing URI label) before any request exists: such an exception is botocore's,
not the fake's, and is excluded. It is recognised by its traceback: raised inside botocore, with
no frame of the ``fake_ivschat`` package, and no call recorded.
"""

from __future__ import annotations

import functools
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore
import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from model_strategies import (
    MODEL,
    MODES,
    OPERATIONS,
    World,
    budget,
    on_the_wire,
    requests,
    type_problems,
)

import fake_ivschat
from fake_ivschat import FakeIvsChat, RecordedCall

REGION = "us-west-2"
# One attempt: a retried call would be recorded once per attempt.
NO_RETRY = {"total_max_attempts": 1, "mode": "standard"}
SERIALIZATION = "SerializationException"
# The API reference's "Common Errors" a client can cause (the 5xx ones mean the fake broke).
COMMON_ERRORS = {
    "AccessDeniedException": 400,
    "IncompleteSignature": 400,
    "InvalidAction": 400,
    "InvalidClientTokenId": 403,
    "NotAuthorized": 400,
    "OptInRequired": 403,
    "RequestExpired": 400,
    "ThrottlingException": 400,
    "ValidationError": 400,
}
FAKE_DIR = Path(fake_ivschat.__file__).resolve().parent
BOTOCORE_DIR = Path(botocore.__file__).resolve().parent


def modelled_status(operation: str, code: str) -> int | None:
    """The HTTP status of ``code`` if ``operation`` may answer with it, else None."""
    for shape in MODEL.operation_model(operation).error_shapes:
        if shape.name == code and code != "InternalServerException":
            status: int = shape.metadata["error"]["httpStatusCode"]
            return status
    return None


def allowed_status(operation: str, code: str) -> int | None:
    """The status ``operation`` answers ``code`` with, or None if it must never answer it."""
    if code == SERIALIZATION:
        return 400
    status = modelled_status(operation, code)
    return status if status is not None else COMMON_ERRORS.get(code)


@dataclass
class Outcome:
    """How one call ended: ``ok``, ``error`` (a ClientError), ``param-validation`` (botocore
    refused it) or ``botocore`` (botocore's serializer raised before any request existed)."""

    kind: str
    records: list[RecordedCall]
    error: dict[str, Any] | None = None

    @property
    def code(self) -> str | None:
        return self.error["Error"]["Code"] if self.error else None


def raised_by_botocore_before_sending(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    files = [Path(frame.filename).resolve() for frame in frames]
    return (
        bool(files)
        and not any(FAKE_DIR in path.parents for path in files)
        and BOTOCORE_DIR in files[-1].parents
    )


def attempt(fake: FakeIvsChat, client: Any, operation: str, params: dict[str, Any]) -> Outcome:
    before = len(fake.calls)
    method = getattr(client, xform_name(operation))
    try:
        method(**params)
        kind, error = "ok", None
    except ParamValidationError:
        kind, error = "param-validation", None
    except ClientError as exc:
        kind, error = "error", exc.response
    except Exception as exc:
        if not raised_by_botocore_before_sending(exc):
            raise
        note(f"botocore raised before sending: {exc!r}")
        kind, error = "botocore", None
    return Outcome(kind, fake.calls[before:], error)


def check_unreached(outcome: Outcome, checked: bool) -> None:
    assert not outcome.records, f"the fake recorded a call botocore never sent: {outcome}"
    if outcome.kind == "param-validation":
        assert checked, "ParamValidationError from a client without parameter validation"


def check_error(operation: str, error: dict[str, Any]) -> None:
    code, status = error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]
    expected = allowed_status(operation, code)
    assert expected is not None, f"{operation} must never answer {code} ({status}): {error}"
    assert status == expected, f"{code} came with HTTP {status}, the model says {expected}"
    message = error["Error"].get("Message")
    assert isinstance(message, str) and message, f"{code} without a message: {error}"


def nulls(value: Any, path: str = "$") -> list[str]:
    """Where a response body holds JSON null (AWS leaves absent members out)."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in nulls(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in nulls(item, f"{path}[{i}]")]
    return []


def check_reached(operation: str, params: dict[str, Any], mode: str, outcome: Outcome) -> None:
    assert len(outcome.records) == 1, f"one call, recorded {len(outcome.records)} times"
    record = outcome.records[0]
    assert (record.operation, record.error) == (operation, outcome.code), record
    wrong = type_problems(MODEL.operation_model(operation).input_shape, record.params)
    if wrong:
        assert outcome.code == SERIALIZATION, f"wrong JSON types {wrong} -> {outcome.code}"
    if outcome.code == SERIALIZATION:
        assert mode == "wrong_type", "SerializationException for a request of the right types"
    if mode != "wrong_type":
        assert record.params == on_the_wire(operation, params), "params recorded != sent"
    if outcome.error is not None:
        check_error(operation, outcome.error)
        if mode == "broken":
            assert outcome.code == "ValidationException", outcome.error
    else:
        assert mode != "broken", "a request breaking a constraint of the model succeeded"
        assert not nulls(record.response or {}), f"null members in the answer {record.response}"


def new_problems(audit: Any, start: int) -> list[str]:
    """What the output audit found since ``start``, taken out of it so that a failing example
    is reported here, once (and not again at teardown)."""
    found: list[str] = audit.problems[start:]
    del audit.problems[start:]
    return found


@functools.cache
def reused_client(parameter_validation: bool) -> Any:
    """One client per configuration for the whole run, attached to each example's fresh fake
    (making a botocore client costs more than the rest of an example)."""
    config = Config(parameter_validation=parameter_validation, retries=NO_RETRY)
    return FakeIvsChat().client(region_name=REGION, config=config)


# The suite's output audit (a function-scoped, autouse fixture) serves every example of a test:
# each example reads and takes out only what its own call added.
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operation", OPERATIONS)
@settings(max_examples=budget(4), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_call_ends_in_an_answer_the_model_allows(
    operation: str, mode: str, data: st.DataObject, request: pytest.FixtureRequest
) -> None:
    output_audit: Any = request.getfixturevalue("output_audit")
    start = len(output_audit.problems)
    fake = FakeIvsChat(seed=8)
    for client in (reused_client(True), reused_client(False)):
        fake.attach(client)
    world = World(fake, reused_client(True))
    checked = mode != "wrong_type" and data.draw(st.booleans(), label="parameter_validation")
    client = reused_client(checked)
    params = world.resolve(data.draw(requests(operation, mode), label="request"))
    note(f"{operation}({params!r})")

    outcome = attempt(fake, client, operation, params)
    event(f"{mode}: {outcome.code or outcome.kind}")
    if outcome.kind in ("param-validation", "botocore"):
        check_unreached(outcome, checked)
    else:
        check_reached(operation, params, mode, outcome)
    problems = new_problems(output_audit, start)
    assert not problems, "\n".join(problems)


LAMBDA = f"arn:aws:lambda:{REGION}:123456789012:function:review"


@pytest.mark.parametrize(
    "handler", [{"uri": None}, {"uri": LAMBDA, "fallbackResult": None}], ids=["uri", "fallback"]
)
def test_a_null_member_inside_a_structure_counts_as_absent(handler: dict[str, Any]) -> None:
    """Found by the fuzzing (dev profile): JSON null is absent at the top level, but a nested one
    was stored, echoed as null and taken for a fallbackResult."""
    fake = FakeIvsChat()
    client: Any = fake.client(region_name=REGION, config=Config(parameter_validation=False))
    arn = client.create_room(messageReviewHandler=handler)["arn"]
    client.get_room(identifier=arn)
    for call in fake.calls:
        assert not nulls(call.response or {}), f"{call.operation} answered {call.response}"
