"""fake-ivschat: an in-process fake of Amazon IVS Chat behind a real boto3 client."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Where each public name is defined. Each is imported on first use (PEP 562), so that importing
# the package loads nothing heavy (botocore): ``python -m fake_ivschat serve`` takes SIGTERM and
# SIGINT from its first moments.
_HOMES = {
    "ChatConnection": "._service.connection",
    "ChatConnectionError": "._service.errors",
    "ChatTokenClaims": "._service.tokens",
    "FakeIvsChat": "._fake",
    "InvalidTokenError": "._service.errors",
    "LogDeliveryFailure": "._service.chatlogs",
    "Quotas": "._service.options",
    "RecordedCall": "._records",
    "RecordedEvent": "._records",
    "RecordedMessage": "._records",
    "mock_ivschat": "._fake",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
