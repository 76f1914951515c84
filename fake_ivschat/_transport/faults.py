"""What ``inject_error`` and ``inject_fault`` queue: their arguments checked at injection time
against the model, the service errors they raise and the transport faults they play."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import urllib3.exceptions
from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from .._service import model
from .._service.errors import COMMON_ERRORS, MESSAGES, ServiceError, error_class
from .._service.validate import TypeMismatch, problems
from . import wire


def _connection_error(url: str) -> AWSResponse:
    refused = "Failed to establish a new connection: [Errno 111] Connection refused"
    raise EndpointConnectionError(
        endpoint_url=url, error=urllib3.exceptions.NewConnectionError(cast(Any, None), refused)
    )


def _connect_timeout(url: str) -> AWSResponse:
    error = urllib3.exceptions.ConnectTimeoutError(f"Connection to {url} timed out.")
    raise ConnectTimeoutError(endpoint_url=url, error=error)


def _read_timeout(url: str) -> AWSResponse:
    error = urllib3.exceptions.ReadTimeoutError(cast(Any, None), url, "Read timed out.")
    raise ReadTimeoutError(endpoint_url=url, error=error)


def _connection_closed(url: str) -> AWSResponse:
    error = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104))
    raise ConnectionClosedError(endpoint_url=url, error=error)


def _gateway(status: int, reason: str) -> Callable[[str], AWSResponse]:
    return lambda url: wire.gateway_failure(url, status, reason)


# Each kind raises what botocore's HTTP layer raises on that fault (botocore.httpsession), or
# answers what a load balancer in front of the service sends; botocore's endpoint treats an
# exception from a before-send handler exactly like one from its HTTP session.
FAULTS: dict[str, Callable[[str], AWSResponse]] = {
    "connection-error": _connection_error,
    "connect-timeout": _connect_timeout,
    "read-timeout": _read_timeout,
    "connection-closed": _connection_closed,
    "http-502": _gateway(502, "Bad Gateway"),
    "http-503": _gateway(503, "Service Temporarily Unavailable"),
    "http-504": _gateway(504, "Gateway Time-out"),
}


@dataclass(frozen=True)
class Fault:
    """A transport fault played instead of a call: the service never sees the request."""

    kind: str

    def play(self, url: str) -> AWSResponse:
        """Raise botocore's exception for this fault, or return the bare HTTP error."""
        return FAULTS[self.kind](url)


Outcome = ServiceError | Fault


@dataclass
class Injected:
    """An outcome for the next ``times`` calls of an operation."""

    outcome: Outcome
    times: int


def fault(kind: object) -> Fault:
    """The fault ``kind`` names; TypeError/ValueError listing the kinds otherwise."""
    if not isinstance(kind, str) or kind not in FAULTS:
        problem = TypeError if not isinstance(kind, str) else ValueError
        raise problem(f"Unknown fault kind {kind!r}; one of {list(FAULTS)}")
    return Fault(kind)


def error(operation: str, code: object, message: object, fields: dict[str, Any]) -> ServiceError:
    """The error ``inject_error`` queues: a modelled error of ``operation`` (the model's status
    and members) or one of the common errors (only a message), checked against its shape."""
    modelled = model.errors_of(operation)
    if not isinstance(code, str) or (code not in modelled and code not in COMMON_ERRORS):
        raise ValueError(
            f"{operation} cannot fail with {code!r}; it may fail with its modelled errors "
            f"{sorted(modelled)} or the errors common to every action {sorted(COMMON_ERRORS)}"
        )
    if message is not None and not isinstance(message, str):
        raise TypeError(f"message must be a non-empty str or None, not {type(message).__name__}")
    if message == "":
        raise ValueError("message must be a non-empty str or None (a default message), not ''")
    text = message or MESSAGES["injected"].format(code=code, operation=operation)
    if code in modelled:
        members = _members(code, model.error_shapes()[code], text, fields)
        return error_class(code, None)(text, **members)
    if fields:
        raise TypeError(f"{code} has no member(s) {sorted(fields)}; it has ['message']")
    return error_class(code, COMMON_ERRORS[code])(text)


def _members(
    code: str, shape: model.StructureShape, message: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """``fields`` checked against the error's shape, required members not given (or None) filled
    with placeholders."""
    unknown = sorted(set(fields) - set(shape.members))
    if unknown:
        raise TypeError(f"{code} has no member(s) {unknown}; it has {list(shape.members)}")
    members = {name: value for name, value in fields.items() if value is not None}
    for name in shape.required_members:
        if name != "message" and name not in members:
            members[name] = _placeholder(shape.members[name])
    try:
        broken = problems(shape, {"message": message, **members})
    except TypeMismatch as mismatch:
        accepted = " or ".join(kind.__name__ for kind in mismatch.kinds)
        raise TypeError(
            f"{code} member '{mismatch.path}' must be {accepted}, "
            f"not {type(mismatch.value).__name__} ({mismatch.value!r})"
        ) from None
    if broken:
        raise ValueError(f"{code}: " + "; ".join(problem.sentence() for problem in broken))
    return members


# An enum's catch-all value, when it has one, says least about the injected error's cause.
_CATCH_ALL = "OTHER"


def _placeholder(shape: model.Shape) -> Any:
    enum: list[str] = getattr(shape, "enum", None) or []  # only string shapes have one
    if enum:
        return _CATCH_ALL if _CATCH_ALL in enum else enum[0]
    return 0 if shape.type_name in ("integer", "long") else "injected"
