"""The admin routes under ``{endpoint_url}/_fake/`` (JSON in and out), for tests written in other
languages: what a fake recorded (calls, events, messages, with the Python methods' filters),
reset, and error or fault injection. Each route calls the fake's public method."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl


class AdminTarget(Protocol):
    """What the admin routes use of a fake (FakeIvsChat's public methods)."""

    def get_calls(self, operation: str | None = None, **params: Any) -> list[Any]: ...

    def events(self, room: str | None = None, *, name: str | None = None) -> list[Any]: ...

    def messages(self, room: str | None = None, *, user_id: str | None = None) -> list[Any]: ...

    def inject_error(
        self,
        operation: str,
        code: str,
        *,
        message: str | None = None,
        times: int = 1,
        **fields: Any,
    ) -> None: ...

    def inject_fault(self, operation: str, kind: str, *, times: int = 1) -> None: ...

    def reset(self) -> None: ...


class QueryValue:
    """A filter value from a query string: equal to the same string, or to the value its text
    reads as in JSON (``100``, ``true``, ``["a"]``), so that ``?maximumMessageLength=100``
    finds a call that sent the number 100 and ``?name=100`` one that sent the string."""

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self.value: Any = json.loads(text)
        except ValueError:
            self.value = text

    def __eq__(self, other: object) -> bool:
        return other == self.text if isinstance(other, str) else bool(other == self.value)

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return repr(self.text)


def record(item: Any) -> dict[str, Any]:
    """A recorded call, event or message as JSON: its attributes by their Python names, its
    datetimes in ISO 8601."""
    values = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


class BadRequest(Exception):
    """A 400 answer with this message."""


class AdminRoutes:
    """``answer(method, route, query, body)`` -> (status, JSON-able payload) for one fake."""

    def __init__(self, fake: AdminTarget) -> None:
        self._fake = fake
        self._routes: dict[tuple[str, str], Callable[[dict[str, str], bytes], Any]] = {
            ("GET", "calls"): self._calls,
            ("GET", "events"): self._events,
            ("GET", "messages"): self._messages,
            ("POST", "reset"): self._reset,
            ("POST", "errors"): self._errors,
            ("POST", "faults"): self._faults,
        }

    def answer(self, method: str, route: str, query: str, body: bytes) -> tuple[int, Any]:
        handler = self._routes.get((method, route))
        if handler is None:
            known = ", ".join(f"{verb} /_fake/{name}" for verb, name in self._routes)
            methods = [verb for verb, name in self._routes if name == route]
            status = 405 if methods else 404
            return status, {"message": f"No admin route {method} /_fake/{route}; {known}."}
        try:
            return 200, handler(_filters(f"{method} /_fake/{route}", query), body)
        except (BadRequest, TypeError, ValueError) as refused:
            return 400, {"message": str(refused)}

    def _calls(self, query: dict[str, str], body: bytes) -> list[dict[str, Any]]:
        operation = query.pop("operation", None)
        params = {key: QueryValue(value) for key, value in query.items()}
        return [record(call) for call in self._fake.get_calls(operation, **params)]

    def _events(self, query: dict[str, str], body: bytes) -> list[dict[str, Any]]:
        _only(query, "events", ("room", "name"))
        return [record(event) for event in self._fake.events(**query)]

    def _messages(self, query: dict[str, str], body: bytes) -> list[dict[str, Any]]:
        _only(query, "messages", ("room", "user_id"))
        return [record(message) for message in self._fake.messages(**query)]

    def _reset(self, query: dict[str, str], body: bytes) -> dict[str, Any]:
        self._fake.reset()
        return {}

    def _errors(self, query: dict[str, str], body: bytes) -> dict[str, Any]:
        self._fake.inject_error(**_object(body, "errors"))
        return {}

    def _faults(self, query: dict[str, str], body: bytes) -> dict[str, Any]:
        self._fake.inject_fault(**_object(body, "faults"))
        return {}


def _filters(route: str, query: str) -> dict[str, str]:
    """The query's filters by name; BadRequest for one given twice (which one would apply is
    a guess: filters combine with AND, and a value is one string)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    filters = dict(pairs)
    if len(filters) < len(pairs):
        repeated = next(name for name, _ in pairs if [n for n, _ in pairs].count(name) > 1)
        raise BadRequest(
            f"{route}: the filter {repeated!r} is given more than once; give each filter once"
            " (filters combine with AND)."
        )
    return filters


def _only(query: dict[str, str], route: str, names: tuple[str, ...]) -> None:
    unknown = sorted(set(query) - set(names))
    if unknown:
        raise BadRequest(
            f"GET /_fake/{route} has no filter {', '.join(map(repr, unknown))};"
            f" its filters are {', '.join(names)}."
        )


def _object(body: bytes, route: str) -> dict[str, Any]:
    try:
        value = json.loads(body or b"null")
    except ValueError as error:
        raise BadRequest(f"POST /_fake/{route}: the body is not valid JSON: {error}.") from None
    if not isinstance(value, dict):
        raise BadRequest(f"POST /_fake/{route}: the body must be a JSON object.")
    return value
