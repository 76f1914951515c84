"""The errors the service answers with, as Python exceptions spelled like their AWS codes and made
from them (the model gives each its status and members), the wording of every message the control
plane writes (MESSAGES), and the errors of the Chat Messaging API and of chat tokens."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from . import model

# The AWS API reference's "Common Errors", which every action may answer besides its own
# (https://docs.aws.amazon.com/ivs/latest/ChatAPIReference/CommonErrors.html), with their HTTP
# statuses. They carry only a message. Where an operation models an error of the same name,
# the modelled one (its status, its members) is the one it answers.
COMMON_ERRORS: dict[str, int] = {
    "AccessDeniedException": 400,
    "IncompleteSignature": 400,
    "InternalFailure": 500,
    "InvalidAction": 400,
    "InvalidClientTokenId": 403,
    "NotAuthorized": 400,
    "OptInRequired": 403,
    "RequestExpired": 400,
    "ServiceUnavailable": 503,
    "ThrottlingException": 400,
    "ValidationError": 400,
}


class ServiceError(Exception):
    """An error the service answers with; the wire layer turns it into an HTTP error response.

    ``status`` None means the model's status for ``code``.
    """

    code: ClassVar[str] = "InternalServerException"
    status: ClassVar[int | None] = None

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def body(self) -> dict[str, Any]:
        return {"message": self.message, **self.fields}


@functools.cache
def error_class(code: str, status: int | None = None) -> type[ServiceError]:
    """The ServiceError class of ``code``: a modelled error (``status`` None: the model's status
    and members) or any other error with its ``status``; one class per code and status."""
    return type(code, (ServiceError,), {"code": code, "status": status})


def _modelled(code: str) -> type[ServiceError]:
    if code not in model.error_shapes():
        raise LookupError(f"botocore's ivschat model has no error {code}")
    return error_class(code)


# The modelled errors the fake raises itself; fault injection makes any other with error_class().
ValidationException = _modelled("ValidationException")
ResourceNotFoundException = _modelled("ResourceNotFoundException")
ConflictException = _modelled("ConflictException")
ServiceQuotaExceededException = _modelled("ServiceQuotaExceededException")
ThrottlingException = _modelled("ThrottlingException")
InternalServerException = _modelled("InternalServerException")
# Not modelled: a request body the service cannot read (not JSON, not an object, or a value of the
# wrong JSON type for its member); rest-json services answer it before any validation.
SerializationException = error_class("SerializationException", 400)
# Not modelled: an HTTP request to a path and method that no operation has (the served endpoint).
UnknownOperationException = error_class("UnknownOperationException", 404)
# Not modelled: a request signed for a region the service cannot have (AWS answers a credential
# scoped to an invalid region so, before reading the request).
InvalidSignatureException = error_class("InvalidSignatureException", 403)


# What the control plane says, in one place: the ``message`` of each error it raises (a sentence
# ending with a period, but for a ValidationException's, which lists its constraints in the
# service's own format: "Value 'x' at 'name' failed to satisfy constraint: <constraint>", with
# no period) and those constraints.
MESSAGES: dict[str, str] = {
    # ResourceNotFoundException, ConflictException, ServiceQuotaExceededException, Throttling
    "not_found": "{noun} not found: {arn}.",
    "attached": (
        "Logging configuration {arn} is attached to {rooms} room(s); detach it with UpdateRoom"
        " before deleting it."
    ),
    "unsettled": "Logging configuration {arn} is {state}; retry when it is ACTIVE.",
    "quota": "You have reached the quota of {quota} {noun} in this region.",
    "throttled": "{operation} is limited to {limit} calls per second in this account and region.",
    # ValidationException (its head) and SerializationException
    "invalid": "{count} validation error{s} detected: {sentences}",
    "invalid_token": (
        "The nextToken is not valid for this request: it was not issued by this service for this"
        " operation with the same filters."
    ),
    "not_deserializable": "Cannot deserialize the request: {mismatch}.",
    "type_mismatch": "'{path}' must be {expected}, not {kind}",  # the {mismatch} above
    "body_not_json": "The request body is not valid JSON: {error}.",
    "body_not_object": "The request body must be a JSON object, not {kind}.",
    # InternalServerException, and an injected error given no message
    "internal": "fake_ivschat failed while answering {operation}: {kind}: {error}.",
    # UnknownOperationException (the served endpoint)
    "unknown_route": "No ivschat operation is {method} {path}.",
    "injected": "Injected {code} for {operation}.",
    # InvalidSignatureException: a region no region can be
    "bad_region": (
        "Credential should be scoped to a valid region, not '{region}'; a region name is {rule}."
    ),
    # Constraints the model states (validate.py)
    "at_most": "Member must have {noun} less than or equal to {limit}",
    "at_least": "Member must have {noun} greater than or equal to {limit}",
    "pattern": "Member must satisfy regular expression pattern: {pattern}",
    "enum": "Member must satisfy enum value set: [{values}]",
    "not_null": "Member must not be null",
    "one_member": "Member must have exactly one of [{members}] set",
    "items": "Member must satisfy constraint: [{constraints}]",
    "keys": "Map keys must satisfy constraint: [{constraints}]",
    "values": "Map value must satisfy constraint: [{constraints}]",
    # Constraints the service documents but the model does not state
    "map_bytes": (
        "Member must have a total size of keys and values less than or equal to {limit} bytes"
    ),
    "surrogate": "Member must be valid Unicode (no unpaired surrogates)",
    "reserved_tag_keys": (
        "Member must not contain keys beginning with '{prefix}' (reserved for AWS use)"
    ),
    "reserved_tags": "Map keys must not begin with '{prefix}' (reserved for AWS use)",
    "too_many_tags": "A resource can have at most {limit} tags; these would make {total}",
    "duplicate_logging": "Member must not contain duplicate logging configuration identifiers",
    "foreign_lambda": (
        "Member must be a Lambda function in the room's account and region ({account}, {region})"
    ),
}


class InvalidTokenError(ValueError):
    """A chat token that this fake did not issue, or that was altered."""


class ChatConnectionError(Exception):
    """A Chat Messaging API connection was refused or used after it closed.

    ``code`` is the messaging error code: 401 for an expired, spent or invalid token or session,
    404 when the room no longer exists (or was deleted under the connection), 0 for publishing on
    a connection closed by the client or by DisconnectUser.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message
