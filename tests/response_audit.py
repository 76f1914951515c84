"""The check behind the suite-wide ``output_audit`` fixture: every body the fake sends must fit
botocore's ivschat model.

botocore's parser silently drops response keys the model does not know, so a wrong body from the
fake would go unnoticed through a real client. ``ResponseAudit`` (installed for every test by
``conftest.py``) checks each body the fake sends against the operation's output shape or the error
shape. ``service_model()`` is the model the check reads, for tests that walk it too.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.loaders import Loader
from botocore.model import ServiceModel

from fake_ivschat._service.errors import COMMON_ERRORS
from fake_ivschat._transport import wire as _wire

# Errors any operation may answer besides its modelled ones.
UNMODELLED_ERRORS = frozenset(COMMON_ERRORS) | {
    "SerializationException",
    "UnknownOperationException",
    "InvalidSignatureException",
}

Shape = Any  # botocore.model.Shape: botocore ships no type information

ISO_8601 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


@functools.cache
def service_model() -> Any:
    """botocore's ivschat model, read by a loader of our own (not the fake's) and, like the
    fake's, without the user's AWS config (tests may break it on purpose)."""
    return ServiceModel(Loader().load_service_model("ivschat", "service-2"), "ivschat")


def output_problems(operation: str, body: Any) -> list[str]:
    """Why ``body`` is not what ``operation`` may answer with (empty when it fits the model)."""
    shape = service_model().operation_model(operation).output_shape
    if shape is None:
        if body in (None, {}):
            return []
        return [f"{operation} has no output shape, but the fake answered {body!r}"]
    if body is None:
        return [f"{operation} answered no body; its output shape is {shape.name}"]
    return [f"{operation} output {problem}" for problem in shape_problems(shape, body)]


def error_problems(code: str, body: Any, operation: str | None = None) -> list[str]:
    """Why ``body`` is not a modelled ``code`` error body that ``operation`` may answer with."""
    model = service_model()
    shapes = {shape.name: shape for shape in model.error_shapes}
    allowed = (
        [shape.name for shape in model.operation_model(operation).error_shapes]
        if operation is not None
        else list(shapes)
    )
    if code not in allowed and code in UNMODELLED_ERRORS:
        # The errors common to every action, and the protocol's own: a message and nothing else.
        message = body.get("message") if isinstance(body, dict) else None
        if isinstance(message, str) and set(body) == {"message"}:
            return []
        return [f"{code} body must be {{'message': <str>}} alone, not {body!r}"]
    if code not in shapes:
        return [f"error {code!r} is not modelled; the model has {sorted(shapes)}"]
    found: list[str] = []
    if code not in allowed:
        found.append(f"{operation} cannot answer {code}; the model allows {allowed}")
    found += [f"{code} body {problem}" for problem in shape_problems(shapes[code], body)]
    return found


def shape_problems(shape: Shape, value: Any, path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``shape`` (types, members, required, bounds, enums, patterns)."""
    found: list[str] = []
    _CHECKERS.get(shape.type_name, _check_unknown)(shape, value, path, found)
    return found


def _check_structure(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append(f"{path}: expected an object ({shape.name}), got {type(value).__name__}")
        return
    members = shape.members
    for key in value:
        if key not in members:
            found.append(f"{path}.{key}: not a member of {shape.name} (members: {list(members)})")
    for name in shape.required_members:
        if value.get(name) is None:
            found.append(f"{path}.{name}: required member of {shape.name} is missing")
    for name, member in members.items():
        if value.get(name) is not None:
            _CHECKERS.get(member.type_name, _check_unknown)(
                member, value[name], f"{path}.{name}", found
            )
    if shape.metadata.get("union"):
        chosen = [name for name in members if value.get(name) is not None]
        if len(chosen) != 1:
            found.append(f"{path}: union {shape.name} must set exactly one member, sets {chosen}")


def _check_list(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, list):
        found.append(f"{path}: expected an array ({shape.name}), got {type(value).__name__}")
        return
    _check_size(shape, len(value), "items", path, found)
    for index, item in enumerate(value):
        _CHECKERS.get(shape.member.type_name, _check_unknown)(
            shape.member, item, f"{path}[{index}]", found
        )


def _check_map(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append(f"{path}: expected an object ({shape.name}), got {type(value).__name__}")
        return
    _check_size(shape, len(value), "entries", path, found)
    for key, item in value.items():
        _check_string(shape.key, key, f"{path} key {key!r}", found)
        _CHECKERS.get(shape.value.type_name, _check_unknown)(
            shape.value, item, f"{path}[{key!r}]", found
        )


def _check_string(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, str):
        found.append(f"{path}: expected a string ({shape.name}), got {value!r}")
        return
    _check_size(shape, len(value), "characters", path, found)
    if shape.enum and value not in shape.enum:
        found.append(f"{path}: {value!r} is not one of {shape.name} {list(shape.enum)}")
    pattern = shape.metadata.get("pattern")
    if pattern is not None and re.fullmatch(pattern, value) is None:
        found.append(f"{path}: {value!r} does not match {shape.name} pattern {pattern}")


def _check_integer(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        found.append(f"{path}: expected an integer ({shape.name}), got {value!r}")
        return
    low, high = shape.metadata.get("min", -math.inf), shape.metadata.get("max", math.inf)
    if not low <= value <= high:
        found.append(f"{path}: {value} is outside {shape.name}'s range [{low}, {high}]")


def _check_boolean(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, bool):
        found.append(f"{path}: expected a boolean ({shape.name}), got {value!r}")


def _check_number(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        found.append(f"{path}: expected a number ({shape.name}), got {value!r}")


def _check_timestamp(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    # rest-json bodies default to epoch seconds; ivschat's Time says iso8601.
    if shape.serialization.get("timestampFormat", "unixTimestamp") == "iso8601":
        if not isinstance(value, str) or ISO_8601.fullmatch(value) is None:
            found.append(f"{path}: expected an ISO-8601 timestamp string, got {value!r}")
    else:
        _check_number(shape, value, path, found)


def _check_unknown(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    found.append(f"{path}: the checker does not know shape type {shape.type_name!r}")


def _check_size(shape: Shape, size: int, unit: str, path: str, found: list[str]) -> None:
    meta = shape.metadata
    if "min" in meta and size < meta["min"]:
        found.append(f"{path}: {size} {unit}, fewer than {shape.name}'s min {meta['min']}")
    if "max" in meta and size > meta["max"]:
        found.append(f"{path}: {size} {unit}, more than {shape.name}'s max {meta['max']}")


_CHECKERS: dict[str, Callable[[Shape, Any, str, list[str]], None]] = {
    "structure": _check_structure,
    "list": _check_list,
    "map": _check_map,
    "string": _check_string,
    "integer": _check_integer,
    "long": _check_integer,
    "boolean": _check_boolean,
    "float": _check_number,
    "double": _check_number,
    "timestamp": _check_timestamp,
}


@dataclass
class ResponseAudit:
    """Checks every body the fake sends while installed; read ``problems`` and ``checked``.

    A test that makes the fake send a bad body on purpose clears ``problems`` afterwards.
    """

    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # operation names and error codes seen
    _current: threading.local = field(default_factory=threading.local, repr=False)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        decode, success, failure = _wire.decode, _wire.success, _wire.failure

        def audited_decode(operation_name: str, request: Any) -> dict[str, Any]:
            # The fake decodes, then answers on the same thread under its lock: remember the
            # operation so that an error can be checked against the errors it may raise.
            self._current.operation = operation_name
            return decode(operation_name, request)

        def audited_success(
            operation_name: str, url: str, body: dict[str, Any] | None, request_id: str
        ) -> Any:
            self.checked.append(operation_name)
            self.problems += output_problems(operation_name, body)
            return success(operation_name, url, body, request_id)

        def audited_failure(url: str, error: Any, request_id: str) -> Any:
            operation = getattr(self._current, "operation", None)
            self.checked.append(error.code)
            self.problems += error_problems(error.code, error.body(), operation)
            return failure(url, error, request_id)

        monkeypatch.setattr(_wire, "decode", audited_decode)
        monkeypatch.setattr(_wire, "success", audited_success)
        monkeypatch.setattr(_wire, "failure", audited_failure)

    def report(self) -> str:
        bullets = "\n".join(f"  - {problem}" for problem in self.problems)
        return (
            f"fake_ivschat sent {len(self.problems)} response part(s) that botocore's ivschat"
            " model does not allow (a real client would silently drop or misread them):\n"
            f"{bullets}\n"
            "Fix the fake. A test that provokes such a body on purpose clears"
            " `output_audit.problems` (fixture from tests/conftest.py)."
        )
