"""Reading what user code hands the Chat Messaging API: a connection's request (a dict or its
JSON text) and a review handler's answer, as plain JSON data checked field by field, its keys
matched to the fields as the service's Go decoder matches them (json_fields).

Nothing here trusts its input: a value that no JSON text could carry, a string that is not valid
Unicode (a lone surrogate) or a field of the wrong type or size is refused, never an exception.
"""

from __future__ import annotations

import json
import math
import reprlib
from collections.abc import Mapping
from typing import Any, NoReturn

from .json_fields import Fields, json_object, members

# Limits of the messaging side that the service documents only as "fields too large" (413).
MAX_ATTRIBUTES_BYTES = 1024
MAX_REASON_CHARS = 256
MAX_REQUEST_ID_CHARS = 256
MAX_ID_CHARS = 128
MAX_USER_ID_CHARS = 128
# Requests nest two levels (Attributes); anything deeper is junk, and a cycle must end somewhere.
MAX_DEPTH = 32

# What the service reads of a request, whichever its action.
REQUEST = Fields(
    Action="text",
    RequestId="text",
    Content="text",
    Attributes="map",
    Id="text",
    Reason="text",
    UserId="text",
)

_short = reprlib.Repr()
_short.maxstring = 80
_short.maxother = 300  # an exception's repr: its message is the useful part


class Refused(Exception):
    """A request answered with an ERROR frame (``frame_id``: the operation's own id;
    ``request_id``: the RequestId to echo, once it is known to be valid)."""

    def __init__(
        self, code: int, message: str, frame_id: str | None = None, request_id: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.frame_id = frame_id
        self.request_id = request_id


class NotJson(ValueError):
    """A value that no JSON text could carry, or text that is not valid Unicode."""


def safe_repr(value: object) -> str:
    """A short repr that never raises, whatever ``value`` does."""
    try:
        return _short.repr(value)
    except Exception:  # a hostile __repr__ or container: say what it is, not what it holds
        return f"<{type(value).__name__} object>"


# ------------------------------------------------------------------------ requests


def read_request(payload: object) -> tuple[dict[str, Any], str]:
    """The request object of ``payload`` as plain JSON data, and its RequestId ("" if none).

    ``Refused`` (400 or 413) for a payload that is not a valid request object; ``TypeError`` for a
    Python value that is neither a dict nor text.
    """
    request = _members(_decode(payload))
    request_id = _request_id(request.get("RequestId"))
    try:
        for name, value in request.items():  # replacing values only: the dict keeps its size
            if type(value) is not str or not value.isascii():
                request[name] = plain(value, name)
    except NotJson as problem:
        raise Refused(400, str(problem), request_id=request_id) from None
    except Exception as exc:  # a user's Mapping or sequence that fails to be read
        why = f"The request could not be read: {safe_repr(exc)}."
        raise Refused(400, why, request_id=request_id) from None
    return request, request_id


def _decode(payload: object) -> Any:
    if type(payload) is dict or isinstance(payload, Mapping):
        return payload
    if isinstance(payload, (bytes, bytearray, memoryview)):
        try:
            payload = memoryview(payload).tobytes().decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "The request is not valid UTF-8 text.") from None
    if not isinstance(payload, str):
        raise TypeError(
            "ChatConnection.send() takes a request object: a dict, or its JSON text as str,"
            f" bytes, bytearray or memoryview; got {type(payload).__name__}."
        )
    try:
        value = json.loads(
            str.__str__(payload), parse_constant=_not_json_constant, object_pairs_hook=json_object
        )
    except RecursionError:
        raise Refused(400, "The request is nested too deeply.") from None
    except ValueError:
        raise Refused(400, "The request is not valid JSON.") from None
    if not isinstance(value, dict):
        raise Refused(400, f"The request must be a JSON object, not {_json_kind(value)}.")
    return value


def _not_json_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")  # Python's json reads NaN and Infinity; JSON does not


def _json_kind(value: object) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def _members(request: Any) -> dict[str, Any]:
    try:
        return REQUEST.read(
            (key if type(key) is str and key.isascii() else _name(key, "the request"), value)
            for key, value in members(request)
        )
    except NotJson as problem:
        raise Refused(400, str(problem)) from None
    except Exception as exc:
        raise Refused(400, f"The request could not be read: {safe_repr(exc)}.") from None


def _request_id(value: Any) -> str:
    try:
        request_id = plain(value, "RequestId")
    except NotJson as problem:
        raise Refused(400, str(problem)) from None
    except Exception as exc:
        raise Refused(400, f"RequestId could not be read: {safe_repr(exc)}.") from None
    if request_id is None:
        return ""
    if not isinstance(request_id, str):
        raise Refused(400, "RequestId must be a string.")
    if len(request_id) > MAX_REQUEST_ID_CHARS:
        raise Refused(413, f"RequestId is too large: at most {MAX_REQUEST_ID_CHARS} characters.")
    return request_id


def text(request: dict[str, Any], name: str, *, required: bool, limit: int = 0) -> str:
    """The string field ``name`` of a plain request ("" when absent, null or empty)."""
    value = request.get(name)
    if value is None or value == "":
        if required:
            raise Refused(400, f"{name} is required and must not be empty.")
        return ""
    if not isinstance(value, str):
        raise Refused(400, f"{name} must be a string.")
    if limit and len(value) > limit:
        raise Refused(413, f"{name} is too large: at most {limit} characters.")
    return value


def attributes(value: Any, name: str) -> dict[str, str]:
    """A plain JSON value as attributes: an object of strings, at most 1 KB of UTF-8 (null: {})."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Refused(400, f"{name} must be an object of string keys and string values.")
    # Plain data holds valid Unicode only, so every string encodes.
    size = sum(len(k.encode()) + len(v.encode()) for k, v in value.items())
    if size > MAX_ATTRIBUTES_BYTES:
        raise Refused(
            413, f"{name} are too large: {size} bytes, at most {MAX_ATTRIBUTES_BYTES} allowed."
        )
    return dict(value)


# ---------------------------------------------------------------------- plain JSON


def plain(value: Any, path: str, depth: int = 0) -> Any:
    """``value`` as plain JSON data (dict, list, str, int, float, bool, None), copied from any
    subclass without trusting its methods; ``NotJson`` saying where (``path``) and why not.

    Whatever user-defined code ``value`` runs may raise anything: callers catch it.
    """
    if type(value) is str:  # the common cases first: fields are mostly text, or an object
        _check_text(value, path)
        return value
    if type(value) is dict and depth < MAX_DEPTH:
        return _plain_object(value, path, depth)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return plain(str.__str__(value), path, depth)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        number = float.__float__(value)
        if not math.isfinite(number):
            raise NotJson(f"{path} is {number}, which JSON cannot express.")
        return number
    if depth >= MAX_DEPTH and isinstance(value, (Mapping, list, tuple)):
        raise NotJson(f"{path} is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, Mapping):
        return _plain_object(value, path, depth)
    if isinstance(value, (list, tuple)):
        return [plain(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value)]
    raise NotJson(f"{path} is not a JSON value ({type(value).__name__}).")


def _plain_object(value: Mapping[Any, Any], path: str, depth: int) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for key, item in value.items():
        name = key if type(key) is str and key.isascii() else _name(key, path)
        if type(item) is str and item.isascii():  # saves building the path of each member
            members[name] = item
        else:
            members[name] = plain(item, f"{path}[{_short.repr(name)}]", depth + 1)
    return members


def _name(key: object, path: str) -> str:
    if not isinstance(key, str):
        raise NotJson(f"Every key of {path} must be a string (got {type(key).__name__}).")
    name = str.__str__(key)
    _check_text(name, f"A key of {path}")
    return name


def _check_text(value: str, path: str) -> None:
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code_point = ord(value[exc.start])
        raise NotJson(
            f"{path} is not valid Unicode: it contains an unpaired surrogate"
            f" (U+{code_point:04X} at index {exc.start})."
        ) from None
