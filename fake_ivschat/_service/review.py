"""Message review handlers: the Lambda a room asks about each message, run as the service runs it.

The handler runs in a thread of its own, outside the fake's lock, and is waited for by real time
only (a frozen, ticking or travelling test clock changes nothing). Past the room's timeout, or on
an error or a malformed answer, the room's ``fallbackResult`` decides; a late answer is ignored
and the handler's thread, a daemon, is left to finish on its own.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .chat_requests import NotJson, Refused, attributes, plain, safe_repr
from .json_fields import Fields
from .resources import Room
from .tokens import ChatTokenClaims

ReviewHandler = Callable[[dict[str, Any]], dict[str, Any]]
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]  # handler(event, context)

_log = logging.getLogger("fake_ivschat")

ANSWER = Fields(ReviewResult="text", Content="text", Attributes="map")  # what the service reads

DENIED = "Message denied by the room's message review handler"
CLIENT_IP = "127.0.0.1"  # what a review handler sees as Sender.Ip


@dataclass(frozen=True)
class Verdict:
    """What delivering a reviewed message takes: the content and attributes to deliver, or the
    message of the ERROR 406 that answers the sender instead (``denied``)."""

    content: str
    attributes: dict[str, str]
    denied: str = ""


@dataclass(frozen=True)
class Review:
    """One message to review: the room's handler settings, read under the fake's lock."""

    uri: str
    fallback: str
    handler: ReviewHandler | None
    timeout_ms: int
    max_length: int
    content: str
    attributes: dict[str, str]
    request: dict[str, Any]  # what the handler gets: built for it alone, sharing nothing

    def run(self) -> Verdict:
        """Ask the handler (the caller must not hold the fake's lock) and decide."""
        answer, problem = self._ask()
        if problem:
            _log.warning(
                "Message review handler %s: %s; the room's fallbackResult %s applies.",
                self.uri,
                problem,
                self.fallback,
            )
            if self.fallback == "DENY":
                return Verdict("", {}, f"{DENIED} (fallbackResult DENY: {problem}).")
            return Verdict(self.content, self.attributes)
        if answer["ReviewResult"] == "DENY":
            reason = answer.get("Attributes", {}).get("Reason")
            return Verdict("", {}, f"{DENIED}: {reason}" if reason else f"{DENIED}.")
        return Verdict(answer["Content"], answer.get("Attributes", self.attributes))

    def _ask(self) -> tuple[dict[str, Any], str]:
        """The handler's valid answer as plain data, or why there is none."""
        if self.handler is None:
            return {}, "no handler is registered for it (fake.register_review_handler)"
        outcome = _call(self.handler, self.request, self.timeout_ms)
        if outcome is None:
            return {}, f"it did not answer within {self.timeout_ms} ms"
        answered, value = outcome
        if not answered:
            return {}, f"it raised {safe_repr(value)}"
        try:
            answer = plain(value, "the response")
        except NotJson as not_json:
            return {}, f"invalid response {safe_repr(value)}: {not_json}"
        except Exception as exc:  # a hostile mapping or sequence
            return {}, f"invalid response: reading it raised {safe_repr(exc)}"
        if isinstance(answer, dict):
            answer = ANSWER.read(answer.items())
        problem = _problem(answer, self.max_length)
        return answer, f"invalid response {safe_repr(value)}: {problem}" if problem else ""


def review_for(
    room: Room,
    sender: ChatTokenClaims,
    message_id: str,
    content: str,
    values: dict[str, str],
    handlers: Mapping[str, ReviewHandler],
    timeout_ms: int,
) -> Review | None:
    """The review a message needs, read under the fake's lock (None: the room has no handler);
    ``handlers`` are the registered ones, by Lambda ARN."""
    settings = room.message_review_handler
    if not settings or not settings.get("uri"):
        return None
    uri = settings["uri"]
    request = {  # built for the handler alone: nothing in it is shared
        "Content": content,
        "MessageId": message_id,
        "RoomArn": room.arn,
        "Attributes": dict(values),
        "Sender": {
            "Attributes": dict(sender.attributes),
            "UserId": sender.user_id,
            "Ip": CLIENT_IP,
        },
    }
    return Review(
        uri=uri,
        fallback=settings.get("fallbackResult", "ALLOW"),
        handler=handlers.get(uri),
        timeout_ms=timeout_ms,
        max_length=room.maximum_message_length,
        content=content,
        attributes=values,
        request=request,
    )


# When the review being answered in this thread times out (time.monotonic()).
_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("fake_ivschat_review_deadline")


class LambdaContext:
    """The ``context`` a review Lambda written as ``handler(event, context)`` is given: the
    attributes of AWS's Python Lambda context, with the room's review timeout as its time left."""

    memory_limit_in_mb = "128"
    function_version = "$LATEST"

    def __init__(self, lambda_arn: str, deadline: float) -> None:
        self._deadline = deadline  # time.monotonic()
        self.invoked_function_arn = lambda_arn
        self.function_name = lambda_arn.split(":")[6]
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"fake-ivschat/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, round((self._deadline - time.monotonic()) * 1000))


def with_context(handler: LambdaHandler, lambda_arn: str) -> ReviewHandler:
    """A review handler that calls a Lambda-style ``handler(event, context)``."""

    def review(request: dict[str, Any]) -> dict[str, Any]:
        return handler(request, LambdaContext(lambda_arn, _deadline.get(time.monotonic())))

    return review


def _call(handler: ReviewHandler, request: dict[str, Any], timeout_ms: int) -> Any:
    """``(True, answer)`` or ``(False, exception)`` from ``handler(request)`` run in a daemon
    thread (in a copy of the caller's context), or None when it did not finish in time."""
    done = threading.Event()
    outcome: list[tuple[bool, Any]] = []
    context = contextvars.copy_context()

    deadline = time.monotonic() + max(timeout_ms, 0) / 1000

    def target() -> None:
        try:
            context.run(_deadline.set, deadline)
            outcome.append((True, context.run(handler, request)))
        except BaseException as exc:  # reported to the caller, which decides
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=target, name="fake-ivschat review handler", daemon=True).start()
    if not done.wait(max(timeout_ms, 0) / 1000):  # real time: no test clock can distort it
        return None
    answered, value = outcome[0]
    if not answered and not isinstance(value, Exception):
        raise value  # pytest.fail(), KeyboardInterrupt...: the test's own, not the Lambda's
    return outcome[0]


def _problem(answer: Any, max_length: int) -> str:
    """What makes a (plain) response invalid; "" when it is valid."""
    if not isinstance(answer, dict):
        return "not an object"
    if answer.get("ReviewResult") not in ("ALLOW", "DENY"):
        return 'ReviewResult must be "ALLOW" or "DENY"'
    if "Attributes" in answer:
        try:
            attributes(answer["Attributes"], "Attributes")
        except Refused as refusal:
            return refusal.message
    content = answer.get("Content")
    if content is not None and not isinstance(content, str):
        return "Content must be a string"
    if answer["ReviewResult"] == "DENY":
        return ""
    if not content:
        return "Content must be a non-empty string with ALLOW"
    if len(content) > max_length:
        return f"Content is longer than the room's {max_length} characters"
    return ""
