"""fake-ivschat: an in-process fake of Amazon IVS Chat behind a real boto3 client."""

from __future__ import annotations

from ._fake import FakeIvsChat, mock_ivschat
from ._records import RecordedCall, RecordedEvent, RecordedMessage
from ._service.chatlogs import LogDeliveryFailure
from ._service.connection import ChatConnection
from ._service.errors import ChatConnectionError, InvalidTokenError
from ._service.options import Quotas
from ._service.tokens import ChatTokenClaims

__version__ = "0.1.0"

__all__ = [
    "ChatConnection",
    "ChatConnectionError",
    "ChatTokenClaims",
    "FakeIvsChat",
    "InvalidTokenError",
    "LogDeliveryFailure",
    "Quotas",
    "RecordedCall",
    "RecordedEvent",
    "RecordedMessage",
    "__version__",
    "mock_ivschat",
]
