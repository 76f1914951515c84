"""rest-json on the wire: decode a signed botocore request, encode the answer as an AWSResponse.

The codec is compiled once per operation from the model (URI labels, query-string members), so
botocore's real serializer and parser run on both sides of the fake.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.parsers import create_parser

from .._service import model
from .._service.errors import MESSAGES, SerializationException, ServiceError
from .._service.validate import json_type


def _json_encoder() -> Callable[[Any], str]:
    """``json.dumps`` for the answers: trees the backend just built, so no cycle to look for,
    and the C encoder made once (``JSONEncoder.encode`` makes one per call)."""
    plain = json.JSONEncoder(check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)  # undeclared in typeshed
    if make is None:  # an interpreter without the C accelerator
        return plain.encode
    ascii_only = json.encoder.encode_basestring_ascii
    encode = make(None, plain.default, ascii_only, None, ": ", ", ", False, False, True)
    return lambda value: "".join(encode(value, 0))


_to_json = _json_encoder()


@dataclass(frozen=True)
class _Codec:
    path: re.Pattern[str]
    labels: tuple[str, ...]
    query: tuple[tuple[str, str, bool], ...]  # (member, query name, is a list)
    status: int


@functools.cache
def _codec(operation_name: str) -> _Codec:
    op = model.operation(operation_name)
    shape = op.input_shape
    members = shape.members if shape is not None else {}
    labels: list[str] = []
    query: list[tuple[str, str, bool]] = []
    for name, member in members.items():
        location = member.serialization.get("location")
        where = member.serialization.get("name", name)
        if location == "uri":
            labels.append(name)
        elif location == "querystring":
            query.append((name, where, member.type_name == "list"))
    pattern = re.sub(r"\{([^}]+?)\+?\}", r"(?P<\1>[^?]+)", op.http["requestUri"].split("?")[0])
    return _Codec(re.compile(pattern + "$"), tuple(labels), tuple(query), op.http["responseCode"])


@functools.cache
def _routes() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    return tuple(
        (model.operation(name).http["method"], _codec(name).path, name)
        for name in model.operation_names()
    )


def route(method: str, path: str) -> str | None:
    """The operation an HTTP request of ``method`` to ``path`` (still percent-encoded, without
    its query) calls, from the model's method and requestUri; None if none does."""
    for verb, pattern, name in _routes():
        if verb == method and pattern.fullmatch(path):
            return name
    return None


def decode(operation_name: str, request: AWSPreparedRequest) -> dict[str, Any]:
    """The operation's parameters as botocore serialized them; SerializationException for a body
    that is not a JSON object."""
    codec = _codec(operation_name)
    params = _body(request.body)
    if codec.labels or codec.query:
        url = urlsplit(request.url)
        found = codec.path.search(url.path)
        if found is not None:
            for name in codec.labels:
                params[name] = unquote(found.group(name))
        values = parse_qs(url.query, keep_blank_values=True)
        for name, where, is_list in codec.query:
            if where in values:
                params[name] = values[where] if is_list else values[where][-1]
    return params


def _body(body: Any) -> dict[str, Any]:
    if not body:
        return {}
    try:
        text = body.decode() if isinstance(body, (bytes, bytearray)) else body
        # json.loads(text) without its Python layers for the body botocore sends (hot: every
        # request); anything else (whitespace around it, an error to word) the long way.
        try:
            params, end = _scan(text, 0)
        except StopIteration:
            end = -1
        if end != len(text):
            params = json.loads(text)
    except (UnicodeDecodeError, ValueError, TypeError) as error:
        raise SerializationException(MESSAGES["body_not_json"].format(error=error)) from None
    if not isinstance(params, dict):
        raise SerializationException(MESSAGES["body_not_object"].format(kind=json_type(params)))
    return params


# The C scanner, when the interpreter has it (typeshed does not declare the attribute).
_scan: Callable[[str, int], tuple[Any, int]] = getattr(json.JSONDecoder(), "scan_once")  # noqa: B009


class _Raw:
    """The minimal raw-body object AWSResponse reads from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> list[bytes]:
        return [self._data]


def success(
    operation_name: str, url: str, body: dict[str, Any] | None, request_id: str
) -> AWSResponse:
    status = _codec(operation_name).status
    data = b"" if status == 204 or body is None else _to_json(body).encode()
    return _response(url, status, data, request_id, {})


def as_client_reads(operation_name: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body``, an answer to ``operation_name``, as a botocore client returns it (timestamps as
    datetimes...), without its ResponseMetadata: botocore's own parser reads it."""
    output = model.operation(operation_name).output_shape
    answer = {
        "status_code": _codec(operation_name).status,
        "headers": {},
        "body": _to_json(body).encode(),
    }
    parsed: dict[str, Any] = create_parser("rest-json").parse(answer, output)
    parsed.pop("ResponseMetadata", None)
    return parsed


def failure(url: str, error: ServiceError, request_id: str) -> AWSResponse:
    data = json.dumps(error.body()).encode()
    headers = {"x-amzn-ErrorType": error.code}
    status = error.status if error.status is not None else model.http_status_of(error.code)
    return _response(url, status, data, request_id, headers)


def gateway_failure(url: str, status: int, reason: str) -> AWSResponse:
    """A bare HTTP error as a load balancer in front of the service sends it: an HTML page, no
    request id, no error type."""
    page = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()
    headers = {"Content-Type": "text/html", "Content-Length": str(len(page))}
    return AWSResponse(url, status, headers, _Raw(page))


def _response(
    url: str, status: int, data: bytes, request_id: str, extra: dict[str, str]
) -> AWSResponse:
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(data)),
        "x-amzn-RequestId": request_id,
        **extra,
    }
    return AWSResponse(url, status, headers, _Raw(data))
