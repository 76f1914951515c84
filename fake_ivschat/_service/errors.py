"""The errors the service answers with, as Python exceptions spelled like their AWS codes: the
modelled ones, the ones common to every AWS API action, and the protocol's own."""

from __future__ import annotations

from typing import Any, ClassVar

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


class ValidationException(ServiceError):
    code = "ValidationException"


class ResourceNotFoundException(ServiceError):
    code = "ResourceNotFoundException"


class ConflictException(ServiceError):
    code = "ConflictException"


class ServiceQuotaExceededException(ServiceError):
    code = "ServiceQuotaExceededException"


class ThrottlingException(ServiceError):
    code = "ThrottlingException"


class AccessDeniedException(ServiceError):
    code = "AccessDeniedException"


class PendingVerification(ServiceError):
    code = "PendingVerification"


class InternalServerException(ServiceError):
    code = "InternalServerException"


class SerializationException(ServiceError):
    """A request body the service cannot read: not JSON, not an object, or a value of the wrong
    JSON type for its member (rest-json services answer these before any validation)."""

    code = "SerializationException"
    status = 400


def error_class(code: str, status: int | None) -> type[ServiceError]:
    """A ServiceError class for ``code`` (an injected error of any kind)."""
    return type(code, (ServiceError,), {"code": code, "status": status})


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
