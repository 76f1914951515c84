"""The in-process call path of one fake: a botocore request decoded, an injected fault played or
the request validated and answered by its (account, region), the answer encoded; every attempt
recorded."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from botocore import xform_name
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.client import BaseClient

from .._records import RecordedCall, made
from .._service import clock, model, regions
from .._service.errors import MESSAGES, InternalServerException, ServiceError
from .._service.options import DEFAULT_REGION
from .._service.state import ServiceState
from .._service.validate import validate
from . import faults, wire
from .botocore import bind, is_async

_METHODS = {name: xform_name(name) for name in model.operation_names()}
_log = logging.getLogger("fake_ivschat")


class Dispatcher:
    """How the calls of one fake's clients reach its service, and what they leave behind: the
    recorded calls, and the injected faults not played yet."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state
        self.calls: list[RecordedCall] = []  # read and written under the state's lock
        self._injected: dict[str, list[faults.Injected]] = {}

    def bind_client(
        self, client: BaseClient, owner: object, account_id: str, *, signed: bool, routed: bool
    ) -> None:
        """Answer every call of ``client`` as calls of ``account_id`` in the client's region."""
        region = client.meta.region_name or DEFAULT_REGION
        transport = self._transport(region, account_id)
        options: dict[str, Any] = {
            "signed": signed,
            "routed": routed,
            "on_wait": self._retry_waited,
        }
        if is_async(client):  # so aiobotocore is imported already
            from . import aio

            aio.bind(client, owner, transport, **options)
        else:
            bind(client, owner, transport, **options)

    def inject(self, operation: str, outcome: faults.Outcome, times: int) -> None:
        """Play ``outcome`` instead of the next ``times`` calls of ``operation`` (after the
        outcomes already queued for it)."""
        with self._state.lock:
            self._injected.setdefault(operation, []).append(faults.Injected(outcome, times))

    def reset(self) -> None:
        """Forget the recorded calls and the injected faults not played yet."""
        with self._state.lock:
            self.calls.clear()
            self._injected.clear()

    def refuse(self, url: str, error: ServiceError) -> AWSResponse:
        """The answer to a request that no operation takes (not a call: not recorded)."""
        with self._state.lock:
            request_id = self._state.ids.request_id()
        return wire.failure(url, error, request_id)

    def _transport(self, region: str, account_id: str) -> Callable[..., AWSResponse]:
        def before_send(request: AWSPreparedRequest, event_name: str, **_: Any) -> AWSResponse:
            return self.handle(event_name.rpartition(".")[2], region, account_id, request)

        return before_send

    def _retry_waited(self, seconds: float) -> None:
        with self._state.lock:
            self._state.retry_wait_ns += round(seconds * clock.NS_PER_SECOND)

    def handle(
        self, operation: str, region: str, account_id: str, request: AWSPreparedRequest
    ) -> AWSResponse:
        """Answer one attempt, and record it, whatever happens: an injected fault is played
        (botocore's exception raised, or a bare HTTP error), anything else is an HTTP answer."""
        with self._state.lock:
            request_id = self._state.ids.request_id()
            refused = regions.refusal(region)  # before the service reads anything
            injected = self._next_injected(operation) if self._injected and not refused else None
            params: dict[str, Any] = {}
            result: dict[str, Any] | None = None
            error: str | None = None  # the error code, or the transport fault played
            message: str | None = None
            answer: AWSResponse | None = None  # None: a transport fault, played below
            try:
                if refused is not None:
                    raise refused
                params = wire.decode(operation, request)
                if isinstance(injected, ServiceError):
                    raise injected
                if injected is None:
                    validate(operation, params)
                    state = self._state.region(account_id, region)
                    result = getattr(state, _METHODS[operation])(params)
                    answer = wire.success(operation, request.url, result, request_id)
                else:
                    error = injected.kind
            except Exception as raised:  # anything but a ServiceError is a bug of the fake
                failed = (
                    raised if isinstance(raised, ServiceError) else _internal(operation, raised)
                )
                result, error, message = None, failed.code, failed.message
                answer = wire.failure(request.url, failed, request_id)
            self.calls.append(
                made(
                    RecordedCall,
                    operation=operation,
                    region=region,
                    account_id=account_id,
                    params=params,
                    response=result,
                    error=error,
                    error_message=message,
                )
            )
        if answer is None:  # outside the lock: playing a fault may raise botocore's exception
            assert isinstance(injected, faults.Fault)
            return injected.play(request.url)
        return answer

    def _next_injected(self, operation: str) -> faults.Outcome | None:
        queue = self._injected.get(operation)
        if not queue:
            return None
        injected = queue[0]
        injected.times -= 1
        if injected.times <= 0:
            queue.pop(0)
        return injected.outcome


def _internal(operation: str, raised: Exception) -> ServiceError:
    """The answer to a failure inside the fake: logged with its traceback, never raised."""
    _log.error("fake_ivschat failed while answering %s", operation, exc_info=raised)
    kind = type(raised).__name__
    return InternalServerException(
        MESSAGES["internal"].format(operation=operation, kind=kind, error=raised)
    )


__all__ = ["Dispatcher"]
