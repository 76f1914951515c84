"""The in-process botocore transport: which fake answers an ivschat client, and the class-level
patches that make every ivschat client (pre-created ones included) reach the active fake.
Nothing here knows the fake; ``aio.py`` extends it to aiobotocore's clients."""

from __future__ import annotations

import functools
import inspect
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import botocore
import botocore.hooks
import botocore.session
from botocore.client import BaseClient

from .._service.model import SERVICE_NAME, dummy_credentials

Transport = Callable[..., Any]
OnWait = Callable[[float], None]  # told each retry delay (seconds) that was not slept
Attach = Callable[[BaseClient, bool], None]  # (client, signed): bind it to the active fake
Patch = tuple[type, str, Callable[[Any], Any]]  # (class, attribute, original -> replacement)
Responses = list[tuple[Any, Any]]  # an emitter's (handler, answer) pairs


# ------------------------------------------------------------------------ one client


class EmitShim:
    """Stands in for a bound client's ``emit`` so that talking to the fake costs no wall-clock time.

    - ``needs-retry``: botocore's own retry handlers still decide whether and how often to retry;
      only the delay they answer becomes 0. botocore sleeps for the first non-None answer (in
      seconds); 0 still means "retry", None and False mean "stop". The delay it would have slept
      goes to ``on_wait``, so that the fake's time-based limits see the backoff pass.
    - ``before-send``: the fake answers, as if the request had been sent, before any handler
      registered there: they would only wait (adaptive mode's client-side rate limiter) or
      answer in vain (moto's catch-all). Calling the transport here rather than registering it
      keeps binding cheap: botocore inspects every handler it registers.

    The sync :class:`_BoundEmit` and aiobotocore's awaitable one (``aio.py``) share this.
    """

    def __init__(self, events: Any, transport: Transport, on_wait: OnWait | None = None) -> None:
        self.inner: Callable[..., Any] = _weakly_bound(events.emit, events)
        self.transport = transport
        self._on_wait = on_wait
        self.enabled = True

    def __call__(self, event_name: str, **kwargs: Any) -> Any:
        """What the client's ``emit`` does now (awaitable for aiobotocore's)."""
        raise NotImplementedError

    def kind(self, event_name: str) -> str | None:
        """``SEND``, ``RETRY`` or None (any other event, or no longer enabled)."""
        # Run for every event of every call: one dict lookup tells the two that matter.
        return _event_kind(event_name) if self.enabled else None

    def without_delay(self, responses: Responses) -> Responses:
        """``needs-retry`` answers with every delay made 0, the delay told to ``on_wait``."""
        # Only the first non-None answer is what botocore would sleep for; most calls get none.
        first = next((answer for _, answer in responses if answer is not None), None)
        if first is None:
            return responses
        delay = _delay(first)
        if self._on_wait is not None and delay:
            self._on_wait(delay)
        return [(handler, answer if _delay(answer) is None else 0) for handler, answer in responses]

    def answer(self, event_name: str, kwargs: dict[str, Any]) -> Responses:
        """What ``emit`` returns for ``before-send``: the fake's answer alone."""
        return [(self.transport, self.transport(event_name=event_name, **kwargs))]


def _weakly_bound(emit: Callable[..., Any], events: Any) -> Callable[..., Any]:
    """``emit``, holding ``events`` weakly if it is ``events``' own method: ``events.emit`` holds
    the shim, and a cycle would leave every dropped client to a full garbage collection (a test
    making one client and one call left 1,142 objects to the collector; 288 without the cycle)."""
    if getattr(emit, "__self__", None) is not events:
        return emit  # an ``emit`` someone set on the instance: kept as it is
    function, owner = emit.__func__, weakref.ref(events)  # type: ignore[attr-defined]

    def inner(event_name: str, **kwargs: Any) -> Any:
        return function(owner(), event_name, **kwargs)

    return inner


class _BoundEmit(EmitShim):
    def __call__(self, event_name: str, **kwargs: Any) -> Responses:
        # Every event of every call comes here; most go straight on (one dict lookup, inline).
        kind = _kinds.get(event_name, "")
        if kind == "":
            kind = _event_kind(event_name)
        if kind == SEND and self.enabled:
            return self.answer(event_name, kwargs)
        responses: Responses = self.inner(event_name, **kwargs)
        return self.without_delay(responses) if kind == RETRY and self.enabled else responses


class _AliasingBoundEmit(_BoundEmit):
    """:class:`_BoundEmit` for botocore's own ``EventAliaser`` with its standard aliases: does
    what its ``emit`` does (alias the name, then emit on the inner emitter) itself, so that an
    ordinary event costs no call more than unbound (measured: 3-5% of a whole call)."""

    def __init__(self, events: Any, transport: Transport, on_wait: OnWait | None = None) -> None:
        super().__init__(events, transport, on_wait)
        self._emit: Callable[..., Responses] = events._emitter.emit  # not ``events``: no cycle

    def __call__(self, event_name: str, **kwargs: Any) -> Responses:
        kind = _kinds.get(event_name, "")
        if kind == "":
            kind = _event_kind(event_name)
        aliased = _aliased.get(event_name)
        if aliased is None:
            aliased = _aliased[event_name] = _STANDARD_ALIASES._alias_event_name(event_name)
        if kind is None or not self.enabled:
            return self._emit(aliased, **kwargs)
        if kind == SEND:
            return self.answer(event_name, kwargs)
        return self.without_delay(self._emit(aliased, **kwargs))


def _plain_aliaser(events: Any) -> bool:
    """Whether ``events`` is botocore's EventAliaser as botocore makes it for a client (what
    :class:`_AliasingBoundEmit` relies on), with nothing put over its ``emit``."""
    return (
        type(events) is botocore.hooks.EventAliaser
        and "emit" not in vars(events)
        and getattr(events, "_event_aliases", None) == botocore.hooks.EVENT_ALIASES
        and callable(getattr(events, "_alias_event_name", None))
        and callable(getattr(getattr(events, "_emitter", None), "emit", None))
    )


SEND, RETRY = "before-send.", "needs-retry."
_STANDARD_ALIASES = botocore.hooks.EventAliaser(botocore.hooks.HierarchicalEmitter())
# Event names as botocore's standard aliases (every plain client's: ``_plain_aliaser``) rename
# them, the same for every client.
_aliased: dict[str, str] = {}
_kinds: dict[str, str | None] = {}  # an ivschat client's event names: a few per operation


def _event_kind(event_name: str) -> str | None:
    """``SEND``, ``RETRY`` or None (any other event), by the event name's prefix."""
    kind = _kinds.get(event_name, "")
    if kind == "":
        prefix = event_name[: len(SEND)]
        kind = _kinds[event_name] = prefix if prefix in (SEND, RETRY) else None
    return kind


def _delay(answer: Any) -> float | None:
    """The seconds a ``needs-retry`` answer asks to sleep; None for "stop" (None or False)."""
    if answer is False or not isinstance(answer, (int, float)):
        return None
    return float(answer)


def _unsigned(**_: Any) -> Any:
    return botocore.UNSIGNED


@dataclass
class _Binding:
    owner: object
    tag: str
    signed: bool
    routed: bool
    emit: EmitShim  # ``events.emit`` is its bound ``__call__``
    had_own_emit: bool


_bindings: weakref.WeakKeyDictionary[BaseClient, _Binding] = weakref.WeakKeyDictionary()
_bindings_lock = threading.RLock()


def bind(
    client: BaseClient,
    owner: object,
    transport: Transport,
    *,
    signed: bool = True,
    routed: bool = False,
    on_wait: OnWait | None = None,
    shim: type[EmitShim] = _BoundEmit,
) -> None:
    """Answer every call of ``client`` with ``transport`` (a ``before-send`` handler, run before
    any registered one).

    ``signed=False`` also skips request signing, so a client without usable credentials works and
    refreshable credentials are never refreshed. Retries keep botocore's count but never wait:
    ``on_wait`` is told each delay (in seconds) botocore would have slept instead. ``shim``: what
    replaces the client's ``emit`` (an awaitable one for aiobotocore's clients).
    """
    with _bindings_lock:
        unbind(client)
        events = client.meta.events
        tag = f"fake-ivschat-{id(owner)}"
        if not signed:
            events.register_first(
                f"choose-signer.{SERVICE_NAME}", _unsigned, unique_id=f"{tag}-unsigned"
            )
        had_own_emit = "emit" in vars(events)
        if shim is _BoundEmit and _plain_aliaser(events):
            shim = _AliasingBoundEmit
        emit = shim(events, transport, on_wait)
        # Its bound ``__call__``, not the shim itself: botocore emits about twenty events per
        # call, and calling an instance costs more than calling a bound method (0.2 µs each).
        events.emit = emit.__call__
        _bindings[client] = _Binding(owner, tag, signed, routed, emit, had_own_emit)


def unbind(client: BaseClient) -> None:
    """Give ``client`` back to botocore exactly as it was before :func:`bind`."""
    with _bindings_lock:
        binding = _bindings.pop(client, None)
        if binding is None:
            return
        events = client.meta.events
        if not binding.signed:
            events.unregister(f"choose-signer.{SERVICE_NAME}", unique_id=f"{binding.tag}-unsigned")
        if getattr(vars(events).get("emit"), "__self__", None) is binding.emit:
            if binding.had_own_emit:
                events.emit = binding.emit.inner
            else:
                del events.emit
        else:
            # Someone wrapped ``emit`` after us: we cannot unwrap, so become a pass-through.
            binding.emit.enabled = False


def bound_owner(client: BaseClient) -> object | None:
    """The fake that answers ``client``, if any."""
    binding = _bindings.get(client)
    return binding.owner if binding is not None else None


def is_async(client: BaseClient) -> bool:
    """Whether ``client`` is aiobotocore's (whose calls are awaited), without importing it."""
    module = sys.modules.get("aiobotocore.client")
    return module is not None and isinstance(client, module.AioBaseClient)


# ------------------------------------------------------------------ the active fake


class _Router:
    """The one fake that every ivschat client of the process reaches while it is active."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.active: object | None = None
        self._attach: Attach | None = None
        self._routed: weakref.WeakSet[BaseClient] = weakref.WeakSet()
        self._patches: list[tuple[type, str, Any, Any]] = []
        self._served: dict[tuple[str, int], object] = {}  # endpoint (host, port) -> its fake

    def activate(self, owner: object, attach: Attach, patches: list[Patch] | None = None) -> None:
        """Make ``owner`` the active fake (``attach`` binds a client to it); patch botocore's
        client and session classes, and ``patches`` (aiobotocore's), until :meth:`deactivate`."""
        with self.lock:
            if self.active is owner:
                raise RuntimeError("This FakeIvsChat is already active.")
            if self.active is not None:
                raise RuntimeError(
                    "Another FakeIvsChat is already active; stop it before starting this one "
                    "(fakes do not nest)."
                )
            self.active, self._attach = owner, attach
            self._patch(BaseClient, "_make_api_call", _routing_make_api_call)
            self._patch(botocore.session.Session, "create_client", _routing_create_client)
            for cls, name, make in patches or ():
                self._patch(cls, name, make)

    def deactivate(self, owner: object) -> None:
        with self.lock:
            if self.active is not owner:
                raise RuntimeError("This FakeIvsChat is not active; start() it first.")
            for client in list(self._routed):
                binding = _bindings.get(client)
                if binding is not None and binding.routed and binding.owner is owner:
                    unbind(client)
            self._routed = weakref.WeakSet()
            self.active = self._attach = None
            for cls, name, original, wrapper in reversed(self._patches):
                # If something patched over us meanwhile, leave it: our wrapper passes through.
                if vars(cls).get(name) is wrapper:
                    setattr(cls, name, original)
            self._patches.clear()

    def route(self, client: BaseClient, *, signed: bool) -> None:
        """Bind ``client`` to the active fake unless some fake already answers it, or its
        endpoint is another fake's server (it goes there, over HTTP)."""
        with self.lock:
            if self._attach is None or client in _bindings or self._served_elsewhere(client):
                return
            self._attach(client, signed)
            self._routed.add(client)

    def serving(self, endpoint_url: str, owner: object | None) -> None:
        """Note that ``owner`` serves at ``endpoint_url`` (None: no longer)."""
        with self.lock:
            if owner is None:
                self._served.pop(_endpoint(endpoint_url), None)
            else:
                self._served[_endpoint(endpoint_url)] = owner

    def _served_elsewhere(self, client: BaseClient) -> bool:
        """Whether ``client``'s endpoint is the server of a fake other than the active one."""
        if not self._served:
            return False
        server = self._served.get(_endpoint(client.meta.endpoint_url))
        return server is not None and server is not self.active

    def _patch(self, cls: type, name: str, make: Callable[[Any], Any]) -> None:
        original = vars(cls)[name]
        wrapper = make(original)
        setattr(cls, name, wrapper)
        self._patches.append((cls, name, original, wrapper))


ROUTER = _Router()
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::"})


def _endpoint(url: str | None) -> tuple[str, int]:
    """(host, port) of an endpoint URL, every loopback name as one host (``localhost:P`` reaches
    the server at ``127.0.0.1:P``)."""
    parts = urlsplit(url or "")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # not a port: no server has it
        return "", -1
    host = (parts.hostname or "").lower()
    return ("loopback" if host in _LOOPBACK else host), port


def route_on_call(client: BaseClient) -> None:
    """Bind a pre-created ivschat client to the active fake on its first call (unsigned, since
    its credentials may be none or real); any other client is left alone."""
    if (
        ROUTER.active is not None
        and client.meta.service_model.service_name == SERVICE_NAME
        and client not in _bindings
    ):
        ROUTER.route(client, signed=False)


def routed_arguments(
    signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """For a ``create_client`` call (``args`` with the session first) that a fake must answer:
    its arguments, static dummy credentials in place of absent (or None) ones, so that none are
    looked up; None for any other call (no fake active, another service)."""
    if ROUTER.active is None:
        return None
    if len(args) <= 2 and "service_name" not in kwargs:  # how boto3 calls it: cheap to read
        if (args[1] if len(args) > 1 else None) != SERVICE_NAME:
            return None
        kwargs = dict(kwargs)
        dummy_credentials(kwargs)
        return args, kwargs
    call = signature.bind(*args, **kwargs)
    if call.arguments.get("service_name") != SERVICE_NAME:
        return None
    dummy_credentials(call.arguments)
    return call.args, call.kwargs


@functools.cache  # one wrapper per original: cheap activation
def _routing_make_api_call(original: Callable[..., Any]) -> Callable[..., Any]:
    # Reached by every call of every client; all but unbound ivschat ones go straight through.
    @functools.wraps(original)
    def _make_api_call(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        route_on_call(self)
        return original(self, operation_name, api_params)

    return _make_api_call


@functools.cache  # one wrapper per original: cheap activation
def _routing_create_client(original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = routed_arguments(signature, (self, *args), kwargs)
        if call is None:
            return original(self, *args, **kwargs)
        client: BaseClient = original(*call[0], **call[1])
        ROUTER.route(client, signed=True)
        return client

    return create_client
