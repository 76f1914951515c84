"""aiobotocore's clients (aioboto3's included) answered in-process, as botocore's are in
``botocore.py``: the same binding, dispatch and wire, with awaitable events and answers.

Imported only when an aiobotocore client is bound, a fake is activated with aiobotocore installed
or ``fake.aio_client()`` is called: importing the package never imports aiobotocore.

What this relies on in aiobotocore (each checked by ``tests/aio``): ``client.meta.events.emit``
returns awaitables, and the endpoint awaits ``emit("before-send...")`` and takes its first
non-None answer, an ``AioAWSResponse`` whose ``raw.read()`` is awaited, and
sleeps for the first ``needs-retry`` answer; ``AioBaseClient._make_api_call`` and
``AioSession._create_client`` (which ``create_client``'s context awaits) override what the sync
routing patches.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient

from .._service import model
from . import botocore as sync

try:
    from aiobotocore.awsrequest import AioAWSResponse
    from aiobotocore.client import AioBaseClient
    from aiobotocore.credentials import AioCredentialResolver
    from aiobotocore.session import AioSession
except ImportError as missing:  # only fake.aio_client() imports this module unasked
    raise ModuleNotFoundError(
        "fake.aio_client() needs aiobotocore: pip install 'fake-ivschat[aio]'"
    ) from missing

# ------------------------------------------------------------------------ one client


class _AioBoundEmit(sync.EmitShim):
    """:class:`botocore.EmitShim` for an aiobotocore client: awaited, like its ``emit``."""

    async def __call__(self, event_name: str, **kwargs: Any) -> sync.Responses:
        kind = self.kind(event_name)
        if kind == sync.SEND:
            return self.answer(event_name, kwargs)
        responses: sync.Responses = await self.inner(event_name, **kwargs)
        return self.without_delay(responses) if kind == sync.RETRY else responses


class _Body:
    """The raw body aiobotocore reads an answer's bytes from (``await raw.read()``); older
    releases (2.13) read the headers from it too, as aiohttp's ``raw_headers``."""

    def __init__(self, data: bytes, headers: Any) -> None:
        self._data = data
        self.raw_headers = [(name.encode(), value.encode()) for name, value in headers.items()]

    async def read(self, *_: Any) -> bytes:
        return self._data


def _answering_async(transport: sync.Transport) -> sync.Transport:
    """``transport`` with its answer as aiobotocore reads one; a fault it raises passes through,
    which aiobotocore's endpoint treats as its HTTP session's own."""

    def before_send(**kwargs: Any) -> Any:
        answer: AWSResponse = transport(**kwargs)
        body = _Body(answer.content, answer.headers)
        return AioAWSResponse(answer.url, answer.status_code, answer.headers, body)

    return before_send


def bind(client: BaseClient, owner: object, transport: sync.Transport, **options: Any) -> None:
    """:func:`botocore.bind` for an aiobotocore client (same ``options``)."""
    sync.bind(client, owner, _answering_async(transport), shim=_AioBoundEmit, **options)


# ------------------------------------------------------------------------- clients


@functools.cache
def _hermetic_session() -> Any:
    """The aiobotocore session every ``fake.aio_client()`` is made from (reads nothing of the
    user's; no credential provider)."""
    return model.hermetic_session(AioSession(), AioCredentialResolver(providers=[]))


def client(
    bind_client: Callable[[BaseClient], None], region_name: str, **kwargs: Any
) -> contextlib.AbstractAsyncContextManager[Any]:
    """An aiobotocore ivschat client from a hermetic session, bound by ``bind_client`` once
    made; like ``session.create_client()``, entered with ``async with``."""
    model.dummy_credentials(kwargs)
    made = _hermetic_session().create_client(model.SERVICE_NAME, region_name=region_name, **kwargs)
    return _bound(made, bind_client)


@contextlib.asynccontextmanager
async def _bound(made: Any, bind_client: Callable[[BaseClient], None]) -> AsyncIterator[Any]:
    async with made as created:
        bind_client(created)
        yield created


# ------------------------------------------------------------------------- routing


def patches() -> list[sync.Patch]:
    """What :meth:`botocore._Router.activate` patches besides botocore's classes so that every
    aiobotocore ivschat client reaches the active fake; a warning (and none) if this
    aiobotocore lacks what they replace."""
    wanted: list[sync.Patch] = [
        (AioBaseClient, "_make_api_call", _routing_make_api_call),
        (AioSession, "_create_client", _routing_create_client),
    ]
    absent = [f"{cls.__name__}.{name}" for cls, name, _ in wanted if name not in vars(cls)]
    if absent:
        warnings.warn(
            f"fake_ivschat cannot route this aiobotocore's clients ({', '.join(absent)} not"
            " found): they would reach AWS; use fake.aio_client() or fake.attach(client)",
            RuntimeWarning,
            stacklevel=4,
        )
        return []
    return wanted


@functools.cache  # one wrapper per original: cheap activation
def _routing_make_api_call(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def _make_api_call(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        sync.route_on_call(self)
        return await original(self, operation_name, api_params)

    return _make_api_call


@functools.cache  # one wrapper per original: cheap activation
def _routing_create_client(original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    async def _create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = sync.routed_arguments(signature, (self, *args), kwargs)
        if call is None:
            return await original(self, *args, **kwargs)
        client: BaseClient = await original(*call[0], **call[1])
        sync.ROUTER.route(client, signed=True)
        return client

    return _create_client
