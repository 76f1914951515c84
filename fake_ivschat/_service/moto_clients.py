"""Clients that only moto answers: moto's in-process responder while ``mock_aws`` is active,
called by our own handler; a request it leaves unanswered raises, never reaches the network."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, cast

from botocore.config import Config

from . import model
from .model import DUMMY_CREDENTIALS

# moto answers a request for the account this header names (moto's own multi-account switch; the
# MOTO_ACCOUNT_ID environment variable, when set, wins over it).
MOTO_ACCOUNT_HEADER = "x-moto-account-id"
_CLIENT_CONFIG = Config(retries={"total_max_attempts": 1})


class MotoDidNotAnswer(RuntimeError):
    """A destination request that moto did not answer; it is refused instead of being sent."""


def moto_stubber() -> Callable[..., Any] | None:
    """moto's in-process responder while ``mock_aws`` is active, else None (moto not imported
    by the user, not active, or a version without it): then nothing is written."""
    # moto.core.models.botocore_stubber is the before-send handler that answers every AWS request
    # in-process; ``enabled`` is true exactly between mock_aws's _enable_patching and
    # _disable_patching. MockAWS._mocks_active is not used: server and proxy mode set it on their
    # own subclasses and answer over a socket, which this module never opens.
    stubber = _stubber_object()
    if getattr(stubber, "enabled", False) is True and callable(stubber):
        return cast("Callable[..., Any]", stubber)
    return None


def _stubber_object() -> Any:
    return getattr(sys.modules.get("moto.core.models"), "botocore_stubber", None)


@functools.cache
def _session() -> Any:
    """A hermetic session (the user's AWS profile, config or environment can never make a
    delivery fail), made once moto is imported: moto adds its responder to botocore's built-in
    handlers, which a session registers when it is made."""
    return model.hermetic_session()


@functools.lru_cache(maxsize=64)  # clients hold no moto state: one per destination scope
def moto_client(service: str, region: str, account_id: str) -> Any:
    """A client that only moto can answer: moto's stubber is called by our own handler, and a
    request it leaves unanswered raises instead of reaching botocore's HTTP layer."""
    client = _session().create_client(
        service, region_name=region, config=_CLIENT_CONFIG, **DUMMY_CREDENTIALS
    )
    stubber = _stubber_object()
    if stubber is not None:
        # The session registered it on every client (moto adds it to botocore's built-in
        # handlers); answering through it twice would write every record twice.
        client.meta.events.unregister("before-send", stubber)
    client.meta.events.register_first("before-send", _answered_by_moto(account_id))
    return client


def _answered_by_moto(account_id: str) -> Callable[..., Any]:
    def before_send(request: Any, event_name: str, **_: Any) -> Any:
        request.headers[MOTO_ACCOUNT_HEADER] = account_id
        stubber = moto_stubber()
        response = stubber(event_name=event_name, request=request) if stubber else None
        if response is None:
            raise MotoDidNotAnswer(
                f"moto did not answer {request.method} {request.url} (is mock_aws still"
                " active?); fake_ivschat never sends chat logs over the network"
            )
        return response

    return before_send


__all__ = ["MotoDidNotAnswer", "moto_client", "moto_stubber"]
