"""The in-process botocore transport: which fake answers an ivschat client, and the class-level
patches that make every ivschat client (pre-created ones included) reach the active fake.
Nothing here knows the fake."""

from __future__ import annotations

import functools
import inspect
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable

import botocore
import botocore.session
from botocore.client import BaseClient

from .._service.model import DUMMY_CREDENTIALS, SERVICE_NAME

Transport = Callable[..., Any]
OnWait = Callable[[float], None]  # told each retry delay (seconds) that was not slept
Attach = Callable[[BaseClient, bool], None]  # (client, signed): bind it to the active fake


# ------------------------------------------------------------------------ one client


class _BoundEmit:
    """Stands in for a bound client's ``emit`` so that talking to the fake costs no wall-clock time.

    - ``needs-retry``: botocore's own retry handlers still decide whether and how often to retry;
      only the delay they answer becomes 0. botocore sleeps for the first non-None answer (in
      seconds); 0 still means "retry", None and False mean "stop". The delay it would have slept
      goes to ``on_wait``, so that the fake's time-based limits see the backoff pass.
    - ``before-send``: the fake answers, as if the request had been sent, before any handler
      registered there: they would only wait (adaptive mode's client-side rate limiter) or
      answer in vain (moto's catch-all). Calling the transport here rather than registering it
      keeps binding cheap: botocore inspects every handler it registers.
    """

    def __init__(self, events: Any, transport: Transport, on_wait: OnWait | None = None) -> None:
        self.inner: Callable[..., list[tuple[Any, Any]]] = events.emit
        self._transport = transport
        self._on_wait = on_wait
        self.enabled = True

    def __call__(self, event_name: str, **kwargs: Any) -> list[tuple[Any, Any]]:
        # Run for every event of every call: one dict lookup tells the two that matter.
        kind = _event_kind(event_name) if self.enabled else None
        if kind == _SEND:
            return [(self._transport, self._transport(event_name=event_name, **kwargs))]
        responses = self.inner(event_name, **kwargs)
        if kind == _RETRY:
            return self._without_delay(responses)
        return responses

    def _without_delay(self, responses: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
        # Only the first non-None answer is what botocore would sleep for.
        first = next((answer for _, answer in responses if answer is not None), None)
        delay = _delay(first)
        if self._on_wait is not None and delay:
            self._on_wait(delay)
        return [(handler, answer if _delay(answer) is None else 0) for handler, answer in responses]


_SEND, _RETRY = "before-send.", "needs-retry."
_kinds: dict[str, str | None] = {}  # an ivschat client's event names: a few per operation


def _event_kind(event_name: str) -> str | None:
    """``_SEND``, ``_RETRY`` or None (any other event), by the event name's prefix."""
    kind = _kinds.get(event_name, "")
    if kind == "":
        prefix = event_name[: len(_SEND)]
        kind = _kinds[event_name] = prefix if prefix in (_SEND, _RETRY) else None
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
    emit: _BoundEmit
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
) -> None:
    """Answer every call of ``client`` with ``transport`` (a ``before-send`` handler, run before
    any registered one).

    ``signed=False`` also skips request signing, so a client without usable credentials works and
    refreshable credentials are never refreshed. Retries keep botocore's count but never wait:
    ``on_wait`` is told each delay (in seconds) botocore would have slept instead.
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
        emit = _BoundEmit(events, transport, on_wait)
        events.emit = emit
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
        if vars(events).get("emit") is binding.emit:
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


# ------------------------------------------------------------------ the active fake


class _Router:
    """The one fake that every ivschat client of the process reaches while it is active."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.active: object | None = None
        self._attach: Attach | None = None
        self._routed: weakref.WeakSet[BaseClient] = weakref.WeakSet()
        self._patches: list[tuple[type, str, Any, Any]] = []

    def activate(self, owner: object, attach: Attach) -> None:
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
        """Bind ``client`` to the active fake unless some fake already answers it."""
        with self.lock:
            if self._attach is None or client in _bindings:
                return
            self._attach(client, signed)
            self._routed.add(client)

    def _patch(self, cls: type, name: str, make: Callable[[Any], Any]) -> None:
        original = vars(cls)[name]
        wrapper = make(original)
        setattr(cls, name, wrapper)
        self._patches.append((cls, name, original, wrapper))


ROUTER = _Router()


@functools.cache  # one wrapper per original: cheap activation
def _routing_make_api_call(original: Callable[..., Any]) -> Callable[..., Any]:
    # Reached by every call of every client: a pre-created ivschat client gets bound on its
    # first call while a fake is active; everything else goes straight through.
    @functools.wraps(original)
    def _make_api_call(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        if (
            ROUTER.active is not None
            and self.meta.service_model.service_name == SERVICE_NAME
            and self not in _bindings
        ):
            ROUTER.route(self, signed=False)
        return original(self, operation_name, api_params)

    return _make_api_call


@functools.cache  # one wrapper per original: cheap activation
def _routing_create_client(original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        if ROUTER.active is None:
            return original(self, *args, **kwargs)
        if len(args) <= 1 and "service_name" not in kwargs:  # how boto3 calls it: cheap to read
            if (args[0] if args else None) != SERVICE_NAME:
                return original(self, *args, **kwargs)
            _dummy_credentials(kwargs)
            client: BaseClient = original(self, *args, **kwargs)
        else:
            call = signature.bind(self, *args, **kwargs)
            if call.arguments.get("service_name") != SERVICE_NAME:
                return original(self, *args, **kwargs)
            _dummy_credentials(call.arguments)
            client = original(*call.args, **call.kwargs)
        ROUTER.route(client, signed=True)
        return client

    return create_client


def _dummy_credentials(given: dict[str, Any]) -> None:
    """Static dummy credentials where none are given (explicit Nones count as none given), so
    that botocore looks none up."""
    if given.get("aws_access_key_id") is None and given.get("aws_secret_access_key") is None:
        for name, value in DUMMY_CREDENTIALS.items():
            if given.get(name) is None:
                given[name] = value
