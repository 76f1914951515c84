"""Mistakes that used to match nothing, or to apply a fallback, without a word: each is now an
error at once that says what to pass instead."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from fake_ivschat import FakeIvsChat

LAMBDA = "arn:aws:lambda:us-west-2:123456789012:function:review-chat"
LAMBDA_EXAMPLE = "'arn:aws:lambda:us-west-2:123456789012:function:review'"


def deny(request: dict[str, Any]) -> dict[str, Any]:
    return {"ReviewResult": "DENY"}


# ------------------------------------------------------------------ review handlers

BAD_HANDLERS: dict[str, tuple[tuple[Any, Any], type[Exception], str]] = {
    "swapped": (
        (deny, LAMBDA),
        TypeError,
        "register_review_handler() got its arguments swapped: pass the Lambda ARN first, then"
        f" the function: register_review_handler({LAMBDA!r}, deny)",
    ),
    "no handler": (
        (LAMBDA, None),
        TypeError,
        "handler must be a function taking the review request (a dict) and returning the"
        " Lambda's answer (a dict), got None (NoneType)",
    ),
    "a string as handler": (
        (LAMBDA, "deny"),
        TypeError,
        "handler must be a function taking the review request (a dict) and returning the"
        " Lambda's answer (a dict), got 'deny' (str)",
    ),
    "a handler taking nothing": (
        (LAMBDA, lambda: {"ReviewResult": "DENY"}),
        TypeError,
        "handler must take one argument (the review request dict), but <lambda>() cannot be"
        " called with one: too many positional arguments",
    ),
    "no ARN": (
        (None, deny),
        TypeError,
        f"lambda_arn must be a Lambda function ARN (a str) such as {LAMBDA_EXAMPLE}, got None"
        " (NoneType)",
    ),
    "a function name": (
        ("review-chat", deny),
        ValueError,
        "lambda_arn must be a Lambda function ARN, as a room's messageReviewHandler.uri names"
        f" it, such as {LAMBDA_EXAMPLE}, got 'review-chat'",
    ),
    "empty": (
        ("", deny),
        ValueError,
        "lambda_arn must be a Lambda function ARN, as a room's messageReviewHandler.uri names"
        f" it, such as {LAMBDA_EXAMPLE}, got ''",
    ),
}


@pytest.mark.parametrize("case", BAD_HANDLERS.values(), ids=BAD_HANDLERS.keys())
def test_a_bad_review_handler_registration_is_refused(
    fake: FakeIvsChat, client: Any, case: tuple[tuple[Any, Any], type[Exception], str]
) -> None:
    arguments, error, message = case
    with pytest.raises(error) as info:
        fake.register_review_handler(*arguments)
    assert str(info.value) == message
    # Nothing was registered: the room's fallback applies, as the test would otherwise have
    # silently seen.
    handler = {"uri": LAMBDA, "fallbackResult": "ALLOW"}
    arn = client.create_room(messageReviewHandler=handler)["arn"]
    token = client.create_chat_token(roomIdentifier=arn, userId="a", capabilities=["SEND_MESSAGE"])
    assert fake.connect(token["token"]).send_message("hi")["Type"] == "MESSAGE"


@pytest.mark.parametrize(
    "handler",
    [
        deny,
        lambda request: deny(request),
        type("Callable", (), {"__call__": lambda s, r: deny(r)})(),
    ],
    ids=["function", "lambda", "callable object"],
)
@pytest.mark.parametrize("arn", [LAMBDA, LAMBDA + ":live", LAMBDA + ":7"])
def test_a_good_registration_applies(
    fake: FakeIvsChat, client: Any, handler: Callable[[Any], Any], arn: str
) -> None:
    fake.register_review_handler(arn, handler)
    room = client.create_room(messageReviewHandler={"uri": arn, "fallbackResult": "ALLOW"})
    token = client.create_chat_token(
        roomIdentifier=room["arn"], userId="a", capabilities=["SEND_MESSAGE"]
    )
    assert fake.connect(token["token"]).send_message("hi")["Type"] == "ERROR"
