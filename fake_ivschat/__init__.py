"""fake-ivschat: an in-process fake of Amazon IVS Chat behind a real boto3 client."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ._fake import FakeIvsChat, mock_ivschat
    from ._records import RecordedCall, RecordedEvent, RecordedMessage
    from ._service.chatlogs import LogDeliveryFailure
    from ._service.connection import ChatConnection
    from ._service.errors import ChatConnectionError, InvalidTokenError
    from ._service.options import Quotas
    from ._service.tokens import ChatTokenClaims

# The public names load on first use (PEP 562), so that importing the package loads nothing heavy
# (botocore): the pytest plugin is imported at the start of every pytest run of an environment
# that has the package, and `python -m fake_ivschat serve` takes its signals from its first moments.
_WHERE = {
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


def __getattr__(name: str) -> object:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


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
