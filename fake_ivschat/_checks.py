"""Checks of what a test passes to the fake, failing at once with what to pass instead: a mistake
that would otherwise match nothing (or apply a fallback) is a clear error, not a passing test."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any

from botocore.client import BaseClient

from ._hints import describe, one_of, suggest
from ._service import constraints, model, regions

# ----------------------------------------------------------------------- operations


def _operations() -> list[str]:
    return model.operation_names()


def operation(name: object) -> str:
    """``name`` if it is an ivschat operation, spelled as the API reference does (e.g.
    ``"CreateRoom"``); else an error suggesting the right spelling."""
    return one_of(name, _operations(), "an ivschat operation")


@functools.cache
def _params_of(operation_name: str | None) -> frozenset[str]:
    if operation_name is not None:
        return model.input_members(operation_name)
    return frozenset(member for op in _operations() for member in model.input_members(op))


def call_filter(operation_name: str | None, params: Mapping[str, Any]) -> None:
    """ValueError for an operation name that is not one (``"create_room"``), or a param name that
    no call of ``operation_name`` (any if None) can send."""
    if operation_name is not None:
        operation(operation_name)
    names = _params_of(operation_name)
    for key in params:
        if key not in names:
            where = f"{operation_name} has no" if operation_name else "No ivschat operation has a"
            hint = suggest(key, names) or f"; the parameters are {', '.join(sorted(names))}"
            raise ValueError(f"{where} parameter {key!r}{hint}")


# ------------------------------------------------------------ rooms, tokens, clients

_ROOM_EXAMPLE = "'arn:aws:ivschat:us-west-2:123456789012:room/abcdEFGH1234'"


def room_arn(room: object) -> None:
    """TypeError or ValueError unless ``room`` is None or a room ARN."""
    if room is None:
        return
    if isinstance(room, Mapping):
        raise TypeError(
            "room must be a room ARN (a str), got a dict; pass room['arn'] (the 'arn' of"
            " create_room's or get_room's response)"
        )
    if not isinstance(room, str):
        raise TypeError(
            f"room must be a room ARN (a str) such as {_ROOM_EXAMPLE}, got {describe(room)}"
        )
    shape = model.service_model().shape_for("RoomArn")
    pattern = constraints.enforced_pattern(shape.name, shape.metadata.get("pattern")) or ".*"
    if not re.fullmatch(pattern, room):
        raise ValueError(
            f"room must be a room ARN such as {_ROOM_EXAMPLE}, got {room!r}; rooms are matched"
            " by ARN, not by name or id: pass the 'arn' of create_room's response"
        )


def chat_token(token: object, method: str) -> None:
    """TypeError unless ``token`` is a chat token string."""
    if isinstance(token, str):
        return
    if isinstance(token, Mapping) and "token" in token:
        raise TypeError(
            f"{method}() takes the chat token string, not create_chat_token's whole response:"
            " pass response['token']"
        )
    raise TypeError(
        f"{method}() takes a chat token: the str in create_chat_token's response['token'], got"
        f" {describe(token)}"
    )


def ivschat_client(client: object, method: str) -> None:
    """TypeError unless ``client`` is a botocore (or aiobotocore) ivschat client."""
    if not isinstance(client, BaseClient) and hasattr(client, "__aenter__"):
        raise TypeError(
            f"{method}() takes the aiobotocore client itself, not what create_client() returns"
            f" ({type(client).__name__}): `async with session.create_client('ivschat') as"
            f" client:`, then {method}(client)"
        )
    if not isinstance(client, BaseClient):
        raise TypeError(
            f"{method}() takes a botocore ivschat client, such as boto3.client('ivschat'), got"
            f" {describe(client)}"
        )
    service = client.meta.service_model.service_name
    if service != model.SERVICE_NAME:
        raise TypeError(
            f"{method}() takes an ivschat client, got a {service!r} client: the fake answers"
            " ivschat only, and leaves every other service's calls to botocore (or moto)"
        )


def region_name(region: object) -> None:
    """ValueError unless ``region`` is a region name the service could have (None is left to
    botocore, which names its own error); a client in another region would make resources whose
    ARNs every later call rejects."""
    if region is not None:
        regions.check_region(region)


# ----------------------------------------------------------------------- review handlers

_LAMBDA_EXAMPLE = "'arn:aws:lambda:us-west-2:123456789012:function:review'"


def review_handler(lambda_arn: object, handler: object) -> None:
    """TypeError or ValueError unless ``lambda_arn`` is a Lambda function ARN (what a room's
    ``messageReviewHandler.uri`` may name) and ``handler`` a callable taking the request, or a
    Lambda handler taking (event, context)."""
    if callable(lambda_arn) and isinstance(handler, str):
        raise TypeError(
            "register_review_handler() got its arguments swapped: pass the Lambda ARN first,"
            f" then the function: register_review_handler({handler!r}, {_name(lambda_arn)})"
        )
    if not isinstance(lambda_arn, str):
        raise TypeError(
            "lambda_arn must be a Lambda function ARN (a str) such as"
            f" {_LAMBDA_EXAMPLE}, got {describe(lambda_arn)}"
        )
    shape = model.service_model().shape_for("LambdaArn")
    pattern = constraints.enforced_pattern(shape.name, shape.metadata.get("pattern")) or ".*"
    too_long = len(lambda_arn) > shape.metadata.get("max", len(lambda_arn))
    if not lambda_arn or too_long or not re.fullmatch(pattern, lambda_arn):
        raise ValueError(
            "lambda_arn must be a Lambda function ARN, as a room's messageReviewHandler.uri"
            f" names it, such as {_LAMBDA_EXAMPLE}, got {lambda_arn!r}"
        )
    if not callable(handler):
        raise TypeError(
            "handler must be a function taking the review request (a dict) and returning the"
            f" Lambda's answer (a dict), got {describe(handler)}"
        )
    review_handler_arguments(handler)


def review_handler_arguments(handler: Callable[..., Any]) -> int:
    """1 for ``handler(request)``, 2 for a Lambda's ``handler(event, context)``; TypeError for a
    function that takes neither."""
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):  # some builtins have none: nothing to check
        return 1
    for count in (1, 2):
        try:
            signature.bind(*[{}] * count)
        except TypeError:
            continue
        return count
    raise TypeError(
        "handler must take the review request (a dict), or be a Lambda handler taking"
        f" (event, context), but {_name(handler)}{signature} can be called with neither"
    ) from None


def _name(function: object) -> str:
    return getattr(function, "__qualname__", None) or repr(function)
