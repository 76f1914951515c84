"""Message review handlers: the Lambda a room calls for each message, and its fallback."""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from fake_ivschat import ChatConnection, FakeIvsChat

LAMBDA = "arn:aws:lambda:us-west-2:123456789012:function:review-chat"
DENIED = "Message denied by the room's message review handler"


def make_room(client: Any, fallback: str = "ALLOW", **kwargs: Any) -> str:
    handler = {"uri": LAMBDA, "fallbackResult": fallback}
    return str(client.create_room(messageReviewHandler=handler, **kwargs)["arn"])


def join(fake: FakeIvsChat, client: Any, arn: str, user: str) -> ChatConnection:
    token = client.create_chat_token(
        roomIdentifier=arn,
        userId=user,
        capabilities=["SEND_MESSAGE", "DELETE_MESSAGE"],
        attributes={"role": user},
    )["token"]
    return fake.connect(token)


@pytest.fixture
def seen(fake: FakeIvsChat) -> list[dict[str, Any]]:
    """The requests a test's review handler received, in order."""
    return []


def test_allow_delivers_the_edited_content_and_attributes(
    fake: FakeIvsChat, client: Any, seen: list[dict[str, Any]]
) -> None:
    def censor(request: dict[str, Any]) -> dict[str, Any]:
        seen.append(request)
        return {
            "ReviewResult": "ALLOW",
            "Content": request["Content"].replace("darn", "****"),
            "Attributes": {"reviewed": "yes"},
        }

    fake.register_review_handler(LAMBDA, censor)
    arn = make_room(client)
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    frame = alice.send_message("darn it", {"lang": "en"}, request_id="r")
    assert seen == [
        {
            "Content": "darn it",
            "MessageId": frame["Id"],
            "RoomArn": arn,
            "Attributes": {"lang": "en"},
            "Sender": {"Attributes": {"role": "alice"}, "UserId": "alice", "Ip": "127.0.0.1"},
        }
    ]
    assert (frame["Type"], frame["Content"], frame["Attributes"]) == (
        "MESSAGE",
        "**** it",
        {"reviewed": "yes"},
    )
    assert frame["RequestId"] == "r"
    assert bob.received == [frame]
    assert [m.content for m in fake.messages(arn)] == ["**** it"]


def test_allow_without_attributes_keeps_the_senders_attributes(
    fake: FakeIvsChat, client: Any
) -> None:
    fake.register_review_handler(LAMBDA, lambda r: {"ReviewResult": "ALLOW", "Content": "ok"})
    alice = join(fake, client, make_room(client), "alice")
    frame = alice.send_message("original", {"lang": "en"})
    assert (frame["Content"], frame["Attributes"]) == ("ok", {"lang": "en"})


@pytest.mark.parametrize(
    "answer",
    [
        # What a Go Lambda sends for an empty map: null, which is "no Attributes".
        {"ReviewResult": "ALLOW", "Content": "flagged", "Attributes": None},
        {"reviewResult": "ALLOW", "content": "flagged"},
        {"REVIEWRESULT": "ALLOW", "CONTENT": "flagged", "attributes": None},
        {"ReviewResult": "DENY", "reviewresult": "ALLOW", "Content": "flagged"},
    ],
    ids=["attributes-null", "lower-case", "upper-case", "later-key-wins"],
)
def test_an_answer_is_read_as_the_services_go_decoder_reads_it(
    fake: FakeIvsChat, client: Any, answer: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    fake.register_review_handler(LAMBDA, lambda request: answer)
    alice = join(fake, client, make_room(client, "DENY"), "alice")
    with caplog.at_level(logging.WARNING, logger="fake_ivschat"):
        frame = alice.send_message("original", {"lang": "en"})
    assert (frame["Type"], frame["Content"], frame["Attributes"]) == (
        "MESSAGE",
        "flagged",
        {"lang": "en"},
    )
    assert caplog.messages == []


def test_an_answer_with_attributes_in_any_case_replaces_the_messages(
    fake: FakeIvsChat, client: Any
) -> None:
    answer = {"reviewResult": "ALLOW", "content": "ok", "ATTRIBUTES": {"Reviewed": "yes"}}
    fake.register_review_handler(LAMBDA, lambda request: answer)
    alice = join(fake, client, make_room(client, "DENY"), "alice")
    frame = alice.send_message("original", {"lang": "en"})
    assert (frame["Content"], frame["Attributes"]) == ("ok", {"Reviewed": "yes"})


def test_deny_with_null_attributes_is_a_deny_without_a_reason(
    fake: FakeIvsChat, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    answer = {"reviewresult": "DENY", "Content": None, "Attributes": None}
    fake.register_review_handler(LAMBDA, lambda request: answer)
    alice = join(fake, client, make_room(client, "ALLOW"), "alice")
    with caplog.at_level(logging.WARNING, logger="fake_ivschat"):
        frame = alice.send_message("original")
    assert (frame["ErrorCode"], frame["ErrorMessage"]) == (406, f"{DENIED}.")
    assert caplog.messages == []


def test_deny_with_a_reason_sends_406_to_the_sender_only(
    fake: FakeIvsChat, client: Any, seen: list[dict[str, Any]]
) -> None:
    def deny(request: dict[str, Any]) -> dict[str, Any]:
        seen.append(request)
        return {"ReviewResult": "DENY", "Attributes": {"Reason": "profanity"}}

    fake.register_review_handler(LAMBDA, deny)
    arn = make_room(client)
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    frame = alice.send_message("rude words", request_id="r-406")
    assert frame == {
        "Type": "ERROR",
        "Id": seen[0]["MessageId"],  # the id of the operation that failed
        "RequestId": "r-406",
        "ErrorCode": 406,
        "ErrorMessage": f"{DENIED}: profanity",
    }
    assert alice.received == [frame]
    assert bob.received == []
    assert fake.messages() == []


def test_deny_without_a_reason_still_answers_406(fake: FakeIvsChat, client: Any) -> None:
    fake.register_review_handler(LAMBDA, lambda r: {"ReviewResult": "DENY"})
    alice = join(fake, client, make_room(client), "alice")
    frame = alice.send_message("hmm")
    assert (frame["ErrorCode"], frame["ErrorMessage"]) == (406, f"{DENIED}.")


def _raises(request: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("lambda crashed")


def _sleeps(request: dict[str, Any]) -> dict[str, Any]:
    time.sleep(0.03)
    return {"ReviewResult": "ALLOW", "Content": "too late"}


class _Unreadable(dict[str, Any]):
    """An answer that looks like a dict and raises when read."""

    def items(self) -> Any:
        raise RuntimeError("cannot read me")

    def __getitem__(self, key: Any) -> Any:
        raise RuntimeError("cannot read me")


class _Incomparable:
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("cannot compare me")

    __hash__ = object.__hash__


def _cyclic() -> dict[str, Any]:
    answer: dict[str, Any] = {"ReviewResult": "DENY"}
    answer["again"] = answer
    return answer


def answer(value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda request: value


ALLOW_X = {"ReviewResult": "ALLOW", "Content": "x"}
NOT_STRINGS = "Attributes must be an object of string keys and string values"
# Each malformed answer, and the reason the logged warning gives.
MALFORMED: dict[str, tuple[Any, str]] = {
    "returns-none": (None, "not an object"),
    "a-string": ("ALLOW", "not an object"),
    "a-list": ([ALLOW_X], "not an object"),
    "unknown-result": ({"ReviewResult": "MAYBE", "Content": "x"}, "ReviewResult must be"),
    "lowercase-result": ({"ReviewResult": "allow", "Content": "x"}, "ReviewResult must be"),
    "missing-result": ({"Content": "x"}, "ReviewResult must be"),
    "result-a-list": ({"ReviewResult": ["DENY"]}, "ReviewResult must be"),
    "allow-without-content": ({"ReviewResult": "ALLOW"}, "Content must be a non-empty string"),
    "allow-empty-content": ({"ReviewResult": "ALLOW", "Content": ""}, "Content must be a non-"),
    "allow-null-content": ({"ReviewResult": "ALLOW", "Content": None}, "Content must be a non-"),
    "content-a-number": ({"ReviewResult": "ALLOW", "Content": 5}, "Content must be a string"),
    "deny-content-a-list": ({"ReviewResult": "DENY", "Content": ["x"]}, "Content must be a str"),
    "content-over-room-limit": (
        {"ReviewResult": "ALLOW", "Content": "x" * 11},
        "Content is longer than the room's 10 characters",
    ),
    "content-lone-surrogate": (
        {"ReviewResult": "ALLOW", "Content": "ok\ud800"},
        "the response['Content'] is not valid Unicode: it contains an unpaired surrogate"
        " (U+D800 at index 2).",
    ),
    "lowercase-result-key": ({"reviewResult": "allow", "content": "x"}, "ReviewResult must be"),
    "result-null": ({"ReviewResult": None, "Content": "x"}, "ReviewResult must be"),
    "attributes-a-list": ({**ALLOW_X, "Attributes": ["Reason"]}, NOT_STRINGS),
    "attributes-a-string": ({"ReviewResult": "DENY", "Attributes": "spam"}, NOT_STRINGS),
    "attributes-not-strings": ({"ReviewResult": "DENY", "Attributes": {"Reason": 1}}, NOT_STRINGS),
    "attribute-null": ({"ReviewResult": "DENY", "Attributes": {"Reason": None}}, NOT_STRINGS),
    "attribute-key-not-a-string": (
        {**ALLOW_X, "Attributes": {1: "v"}},
        "Every key of the response['Attributes'] must be a string (got int).",
    ),
    "attribute-value-surrogate": (
        {"ReviewResult": "DENY", "Attributes": {"Reason": "\udc00"}},
        "the response['Attributes']['Reason'] is not valid Unicode",
    ),
    "attribute-key-surrogate": (
        {**ALLOW_X, "Attributes": {"\ud800": "v"}},
        "A key of the response['Attributes'] is not valid Unicode",
    ),
    "attribute-nan": ({**ALLOW_X, "Attributes": {"k": float("nan")}}, "which JSON cannot express"),
    "attributes-over-1KB": (
        {**ALLOW_X, "Attributes": {"k": "v" * 1024}},
        "Attributes are too large: 1025 bytes, at most 1024 allowed.",
    ),
    "result-incomparable": ({"ReviewResult": _Incomparable()}, "is not a JSON value"),
    "unreadable-dict": (_Unreadable(ALLOW_X), "reading it raised RuntimeError('cannot read me')"),
    "cyclic": (_cyclic(), "is nested more than 32 levels deep"),
}

FAILURES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "raises": _raises,
    "too-slow": _sleeps,
    **{name: answer(value) for name, (value, _) in MALFORMED.items()},
}


@pytest.mark.parametrize("failure", [*FAILURES, "not-registered"])
def test_a_failing_handler_falls_back_to_allow_with_the_original_message(
    fake: FakeIvsChat, client: Any, failure: str
) -> None:
    fake.quotas.review_handler_timeout_ms = 10
    if failure != "not-registered":
        fake.register_review_handler(LAMBDA, FAILURES[failure])
    arn = make_room(client, "ALLOW", maximumMessageLength=10)
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    frame = alice.send_message("original", {"k": "v"})
    assert (frame["Type"], frame["Content"], frame["Attributes"]) == (
        "MESSAGE",
        "original",
        {"k": "v"},
    )
    assert bob.received == [frame]


@pytest.mark.parametrize("failure", [*FAILURES, "not-registered"])
def test_a_failing_handler_falls_back_to_deny_with_406_to_the_sender(
    fake: FakeIvsChat, client: Any, failure: str
) -> None:
    fake.quotas.review_handler_timeout_ms = 10
    if failure != "not-registered":
        fake.register_review_handler(LAMBDA, FAILURES[failure])
    arn = make_room(client, "DENY", maximumMessageLength=10)
    alice, bob = join(fake, client, arn, "alice"), join(fake, client, arn, "bob")
    frame = alice.send_message("original")
    assert (frame["Type"], frame["ErrorCode"]) == ("ERROR", 406)
    assert frame["ErrorMessage"].startswith(f"{DENIED} (fallbackResult DENY: ")
    assert alice.received == [frame] and bob.received == []
    assert fake.messages() == []


def test_the_fallback_is_logged_with_its_cause(
    fake: FakeIvsChat, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    fake.register_review_handler(LAMBDA, _raises)
    alice = join(fake, client, make_room(client), "alice")
    with caplog.at_level(logging.WARNING, logger="fake_ivschat"):
        alice.send_message("hi")
    assert caplog.messages == [
        f"Message review handler {LAMBDA}: it raised RuntimeError('lambda crashed');"
        " the room's fallbackResult ALLOW applies."
    ]


@pytest.mark.parametrize("failure", MALFORMED)
def test_a_malformed_answer_is_logged_with_what_is_wrong_with_it(
    fake: FakeIvsChat, client: Any, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    value, reason = MALFORMED[failure]
    fake.register_review_handler(LAMBDA, answer(value))
    fake.quotas.review_handler_timeout_ms = 5_000
    alice = join(fake, client, make_room(client, "DENY", maximumMessageLength=10), "alice")
    with caplog.at_level(logging.WARNING, logger="fake_ivschat"):
        frame = alice.send_message("original", request_id="r")
    assert (frame["ErrorCode"], frame["RequestId"]) == (406, "r")
    [warning] = caplog.messages
    assert warning.startswith(f"Message review handler {LAMBDA}: invalid response")
    assert reason in warning
    assert warning.endswith("; the room's fallbackResult DENY applies.")
    assert reason in frame["ErrorMessage"]


def test_the_handler_reviews_only_messages_and_only_in_rooms_that_use_it(
    fake: FakeIvsChat, client: Any, seen: list[dict[str, Any]]
) -> None:
    def allow(request: dict[str, Any]) -> dict[str, Any]:
        seen.append(request)
        return {"ReviewResult": "ALLOW", "Content": request["Content"]}

    fake.register_review_handler(LAMBDA, allow)
    reviewed = make_room(client)
    plain = client.create_room()["arn"]
    alice = join(fake, client, reviewed, "alice")
    alice.send_message("one")
    alice.delete_message("AbCdEfGhIjKl")
    client.send_event(roomIdentifier=reviewed, eventName="app:x")
    join(fake, client, plain, "bob").send_message("unreviewed")
    assert [r["Content"] for r in seen] == ["one"]
    client.update_room(identifier=reviewed, messageReviewHandler={"uri": ""})
    alice.send_message("after detaching")
    assert [r["Content"] for r in seen] == ["one"]
    assert [m.content for m in fake.messages()] == ["one", "unreviewed", "after detaching"]


def test_a_rejected_message_is_not_reviewed(
    fake: FakeIvsChat, client: Any, seen: list[dict[str, Any]]
) -> None:
    def deny(request: dict[str, Any]) -> dict[str, Any]:
        seen.append(request)
        return {"ReviewResult": "DENY"}

    fake.register_review_handler(LAMBDA, deny)
    alice = join(fake, client, make_room(client, maximumMessageLength=3), "alice")
    assert alice.send_message("too long")["ErrorCode"] == 400
    assert seen == []


def test_pytest_fail_in_a_handler_fails_the_test_that_sent_the_message(
    fake: FakeIvsChat, client: Any
) -> None:
    def strict(request: dict[str, Any]) -> dict[str, Any]:
        pytest.fail(f"unexpected review of {request['Content']!r}")

    fake.register_review_handler(LAMBDA, strict)
    alice = join(fake, client, make_room(client), "alice")
    with pytest.raises(pytest.fail.Exception, match="unexpected review of 'hi'"):
        alice.send_message("hi")
    assert fake.messages() == []


REVIEWER: contextvars.ContextVar[str] = contextvars.ContextVar("reviewer", default="none")


def test_the_handler_sees_the_senders_context_variables(fake: FakeIvsChat, client: Any) -> None:
    fake.register_review_handler(
        LAMBDA, lambda r: {"ReviewResult": "ALLOW", "Content": REVIEWER.get()}
    )
    alice = join(fake, client, make_room(client), "alice")
    token = REVIEWER.set("set by the test")
    try:
        assert alice.send_message("hi")["Content"] == "set by the test"
    finally:
        REVIEWER.reset(token)


def test_a_lambda_handler_taking_event_and_context_is_given_a_lambda_context(
    fake: FakeIvsChat, client: Any
) -> None:
    contexts: list[Any] = []
    time_left: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # as deployed
        contexts.append(context)
        time_left.append(context.get_remaining_time_in_millis())
        return {"ReviewResult": "ALLOW", "Content": event["Content"].upper()}

    fake.register_review_handler(LAMBDA, handler)
    alice = join(fake, client, make_room(client), "alice")
    assert alice.send_message("hi")["Content"] == "HI"
    assert alice.send_message("again")["Content"] == "AGAIN"

    first, second = contexts
    assert first.invoked_function_arn == LAMBDA
    assert first.function_name == "review-chat"
    assert first.function_version == "$LATEST"
    assert first.log_group_name == "/aws/lambda/review-chat"
    assert first.aws_request_id != second.aws_request_id  # one invocation, one request id
    # The time left counts down from the room's review timeout, and is out once it is over.
    assert all(0 < left <= fake.quotas.review_handler_timeout_ms for left in time_left)
    time.sleep(fake.quotas.review_handler_timeout_ms / 1000)
    assert first.get_remaining_time_in_millis() == 0
