"""FakeIvsChat, the front door: one fake's service state, the call path of its clients and what
tests read back, composed behind thin public methods; and ``mock_ivschat``."""

from __future__ import annotations

import copy
import functools
import importlib.util
from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from botocore.client import BaseClient

from . import _checks
from ._arranging import Arranging
from ._hints import integer
from ._mock import MockContext
from ._readback import ReadBack
from ._service import model
from ._service.backend import RegionState
from ._service.chatlogs import LogDeliveryFailure
from ._service.connection import ChatConnection
from ._service.options import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    Options,
    Quotas,
    check_options,
    fake_options,
)
from ._service.review import LambdaHandler, ReviewHandler, with_context
from ._service.state import ServiceState
from ._service.tokens import ChatTokenClaims
from ._transport import faults
from ._transport.botocore import ROUTER, Patch, bound_owner, unbind
from ._transport.bounds import DEFAULT_MAX_UNSENT_BYTES
from ._transport.dispatch import Dispatcher

if TYPE_CHECKING:
    # The mypy-boto3-ivschat stubs' client type, for type checkers only (without the stubs, a
    # type checker sees Any, as it sees botocore's untyped BaseClient).
    from mypy_boto3_ivschat import IvschatClient

    from ._transport.server import Server  # the server's modules load only when a fake is served
else:
    IvschatClient = BaseClient


class FakeIvsChat(ReadBack, Arranging):
    """An in-process Amazon IVS Chat: state per (account, region), reached through real clients.

    ``account_id`` is a 12-digit string; ``seed`` (an int) makes every generated ID reproducible;
    ``quotas`` (a :class:`Quotas`) overrides service quotas (the fake keeps a copy: change
    ``fake.quotas``); ``logging_state_polls`` (an int >= 0) makes logging configurations show
    CREATING/UPDATING/DELETING for that many Get/List calls;
    ``conflict_on_attached_logging_delete=False`` lets a logging configuration be deleted while
    rooms use it (they drop the reference). A bad option is a TypeError or ValueError at once.
    """

    def __init__(
        self,
        account_id: str = DEFAULT_ACCOUNT_ID,
        *,
        seed: int | None = None,
        quotas: Quotas | None = None,
        logging_state_polls: int = 0,
        conflict_on_attached_logging_delete: bool = True,
    ) -> None:
        check_options(
            account_id=account_id,
            seed=seed,
            quotas=quotas,
            logging_state_polls=logging_state_polls,
            conflict_on_attached_logging_delete=conflict_on_attached_logging_delete,
        )
        self.account_id = account_id
        options = Options(logging_state_polls, conflict_on_attached_logging_delete)
        # A copy: quotas are changed in place, and one Quotas object given to a marker or to
        # mock_ivschat() serves many fakes.
        self._state = ServiceState(seed, copy.deepcopy(quotas) if quotas else Quotas(), options)
        self._lock = self._state.lock
        self._dispatcher = Dispatcher(self._state)

    def __repr__(self) -> str:
        with self._lock:
            regions = [self._describe(state) for state in list(self._state.regions.values())]
            calls = len(self._dispatcher.calls)
            connections = self._state.messaging.open_connections()
        return (
            f"<FakeIvsChat account {self.account_id}, {'active' if self.active else 'inactive'};"
            f" {'; '.join(regions) or 'no rooms'}; {_count(calls, 'call')},"
            f" {_count(connections, 'open connection')}>"
        )

    def _describe(self, state: RegionState) -> str:
        account = f"{state.account_id} " if state.account_id != self.account_id else ""
        return (
            f"{account}{state.region}: {_count(len(state.rooms), 'room')},"
            f" {_count(len(state.logging_configurations), 'logging configuration')}"
        )

    @property
    def quotas(self) -> Quotas:
        """The quotas in force; change them in place (``fake.quotas.rooms = 3``)."""
        return self._state.quotas

    # ------------------------------------------------------------------------ clients

    def client(
        self, region_name: str = DEFAULT_REGION, *, account_id: str | None = None, **kwargs: Any
    ) -> IvschatClient:
        """A real botocore ``ivschat`` client answered by this fake (``account_id`` defaults to the
        fake's); other keyword arguments go to ``create_client``. ValueError for a region the
        service could not have (``"US-WEST-2"``).

        The client is hermetic: it reads no AWS environment variable, profile, config or
        credentials file (botocore's defaults apply; pass ``config=`` to change them) and signs
        with dummy credentials unless given some.
        """
        _checks.region_name(region_name)
        model.dummy_credentials(kwargs)
        client: IvschatClient = model.botocore_session().create_client(
            model.SERVICE_NAME, region_name=region_name, **kwargs
        )
        self._bind(client, account_id, signed=True)
        return client

    def aio_client(
        self, region_name: str = DEFAULT_REGION, *, account_id: str | None = None, **kwargs: Any
    ) -> AbstractAsyncContextManager[Any]:
        """:meth:`client`'s async twin, hermetic alike: a real aiobotocore ``ivschat`` client
        answered by this fake, to use as ``async with fake.aio_client() as client:``. Needs
        ``fake-ivschat[aio]``."""
        _checks.region_name(region_name)
        from ._transport import aio

        return aio.client(
            lambda client: self._bind(client, account_id, signed=True), region_name, **kwargs
        )

    def attach(self, client: BaseClient, account_id: str | None = None) -> None:
        """Answer every call of an existing ``ivschat`` client (botocore's or aiobotocore's)
        with this fake until :meth:`detach`; its requests are no longer signed, so it needs no
        credentials. TypeError for anything but an ivschat client (an S3 client would keep
        going to AWS), ValueError for a client of a region the service could not have."""
        _checks.ivschat_client(client, "attach")
        _checks.region_name(client.meta.region_name)
        self._bind(client, account_id, signed=False)

    def detach(self, client: BaseClient) -> None:
        """Give a client bound to this fake back to botocore, exactly as it was."""
        _checks.ivschat_client(client, "detach")
        with self._lock:
            if bound_owner(client) is self:
                unbind(client)

    def _bind(
        self,
        client: BaseClient,
        account_id: str | None = None,
        *,
        signed: bool,
        routed: bool = False,
    ) -> None:
        account = account_id or self.account_id
        self._dispatcher.bind_client(client, self, account, signed=signed, routed=routed)

    def _route(self, client: BaseClient, signed: bool) -> None:
        self._bind(client, signed=signed, routed=True)

    # --------------------------------------------------------------------- activation

    def start(self) -> FakeIvsChat:
        """Route every ``ivschat`` client of the process to this fake until :meth:`stop`:
        clients made now (with static dummy credentials, so none are looked up) and clients made
        before (bound on their first call, unsigned); aiobotocore's too, if it is installed.
        Other services are untouched.

        RuntimeError if this or another fake is already active.
        """
        ROUTER.activate(self, self._route, _aio_patches())
        return self

    def stop(self) -> None:
        """Stop routing: every client routed to this fake and every patch is restored; then
        :meth:`flush_logs`."""
        ROUTER.deactivate(self)
        self.flush_logs()

    @property
    def active(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return ROUTER.active is self

    @classmethod
    def current(cls) -> FakeIvsChat:
        """The active fake (for code under ``@mock_ivschat()``); RuntimeError if none is."""
        active = ROUTER.active
        if not isinstance(active, cls):
            raise RuntimeError(
                "No FakeIvsChat is active; use mock_ivschat(), fake.start() or the "
                "fake_ivschat fixture."
            )
        return active

    def __enter__(self) -> FakeIvsChat:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.active:  # the block may have stopped it already
            self.stop()

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        chat_port: int = 0,
        allow_remote: bool = False,
        allowed_hosts: Collection[str] = (),
        cors_origins: Collection[str] = (),
        max_unsent_bytes: int = DEFAULT_MAX_UNSENT_BYTES,
    ) -> Server:
        """Serve this fake's state to clients outside the process, on background threads, until
        ``close()``: the control plane at ``server.endpoint_url`` (admin routes under
        ``/_fake/``), the Chat Messaging API at ``server.chat_url``. Port 0: any free port; a
        host other than loopback only with ``allow_remote=True``. A socket whose client reads
        too slowly to keep its unsent frames under ``max_unsent_bytes`` (8 MiB) is closed with
        1008. Needs ``fake-ivschat[server]``.

        Both servers answer only requests whose ``Host`` is a loopback name, the bound address
        or one of ``allowed_hosts`` (``".example.com"``: a domain and its subdomains; ``"*"``:
        any), and refuse any request from a web page whose origin is not a loopback page's or
        one of ``cors_origins`` (``"https://app.example:8443"``, ``"null"``; ``"*"``: any).
        """
        from ._transport.guard import Guard
        from ._transport.server import Server, check_serve_options

        check_serve_options(host, port, chat_port, allow_remote, max_unsent_bytes)
        guard = Guard(host, allowed_hosts, cors_origins)
        address = (host, port, chat_port)
        return Server(
            self, self.account_id, self._dispatcher, self._state, address, guard, max_unsent_bytes
        )

    def reset(self) -> None:
        """Become a fresh fake with the same options: no resources, open connections and sockets
        closed, earlier tokens invalid, recorded calls, events and messages, injected faults and
        review handlers gone. Clients stay bound; servers keep serving."""
        with self._lock:
            self._state.reset()
            self._dispatcher.reset()

    # ------------------------------------------------------------------ fault injection

    def inject_error(
        self,
        operation: str,
        code: str,
        *,
        message: str | None = None,
        times: int = 1,
        **fields: Any,
    ) -> None:
        """Make the next ``times`` calls of ``operation`` fail with the error ``code``.

        ``code`` is one of the operation's modelled errors (answered with the model's status and
        members; required members not given get placeholder values) or one of the errors common
        to every AWS API action (``InternalFailure``, ``ServiceUnavailable``...: only a message).
        Every argument is checked now against the model: TypeError or ValueError naming it.
        Each retry botocore makes is a call, so ``times=4`` makes a throttled call succeed on its
        5th attempt. Injected errors and faults of an operation are used in injection order.
        """
        name = _checks.operation(operation)
        count = integer("times", times, 1)
        self._dispatcher.inject(name, faults.error(name, code, message, fields), count)

    def inject_fault(self, operation: str, kind: str, *, times: int = 1) -> None:
        """Make the next ``times`` attempts of ``operation`` fail in transit, before the service
        sees them; botocore then raises, retries and reports exactly as on a real network.

        ``kind``: ``"connection-error"`` (EndpointConnectionError), ``"connect-timeout"``
        (ConnectTimeoutError), ``"read-timeout"`` (ReadTimeoutError), ``"connection-closed"``
        (ConnectionClosedError), or ``"http-502"``, ``"http-503"``, ``"http-504"`` (a load
        balancer's HTML error page: a ClientError with that status as its code). Each attempt is
        recorded, with the kind as its ``error``.
        """
        name = _checks.operation(operation)
        count = integer("times", times, 1)
        self._dispatcher.inject(name, faults.fault(kind), count)

    def flush_logs(self) -> list[LogDeliveryFailure]:
        """While moto's ``mock_aws`` is active, write every chat-log record not yet written to the
        destination its configuration had when the record was made, in moto (S3 object,
        CloudWatch Logs event, Firehose record), each once.

        Returns what could not be written (also logged as warnings on the ``fake_ivschat``
        logger; records a destination refused are tried again next time, records moto cannot
        write at all are not); ``[]`` when all went well or moto is not active. Never opens a
        socket.
        """
        return self._state.log_delivery.flush()

    # ---------------------------------------------------------------------- messaging

    def decode_token(self, token: str) -> ChatTokenClaims:
        """The claims of a chat token this fake issued; InvalidTokenError for any other."""
        _checks.chat_token(token, "decode_token")
        return self._state.sealer.open(token)

    def connect(self, token: str) -> ChatConnection:
        """Open a Chat Messaging API connection with a chat token (which is then spent): the
        ``token`` string of a ``create_chat_token`` response."""
        _checks.chat_token(token, "connect")
        with self._lock:
            return self._state.messaging.connect(token)

    def register_review_handler(
        self, lambda_arn: str, handler: ReviewHandler | LambdaHandler
    ) -> None:
        """Play the Lambda at ``lambda_arn`` for rooms whose message review handler points at it:
        ``handler(request: dict) -> dict``, or your Lambda's own ``handler(event, context)``
        (given a context like AWS's, its time left the room's review timeout). TypeError or
        ValueError for anything else (a mistake here would only show as the room's fallback
        result applying)."""
        _checks.review_handler(lambda_arn, handler)
        if _checks.review_handler_arguments(handler) == 2:
            handler = with_context(cast(LambdaHandler, handler), lambda_arn)
        with self._lock:
            self._state.messaging.review_handlers[lambda_arn] = cast(ReviewHandler, handler)


def _aio_patches() -> list[Patch]:
    """What routes aiobotocore's clients too, if it is installed (then imported now, so that
    clients of a module that imports it later are routed as well)."""
    if not _aiobotocore_installed():
        return []
    try:
        from ._transport import aio
    except ImportError:  # an aiobotocore that cannot be imported makes no client
        return []
    return aio.patches()


@functools.cache  # looked up once per process: a fake starts per test
def _aiobotocore_installed() -> bool:
    return importlib.util.find_spec("aiobotocore") is not None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def active_fake() -> FakeIvsChat | None:
    """The fake active right now, if any."""
    active = ROUTER.active
    return active if isinstance(active, FakeIvsChat) else None


def mock_ivschat(**options: Any) -> MockContext[FakeIvsChat]:
    """Route every ``ivschat`` client to a fresh, active :class:`FakeIvsChat`.

    ``with mock_ivschat(seed=1) as fake: ...``, or as a decorator of a function, coroutine
    function or test class (a fresh fake per call, or per test from setUp to its cleanups;
    reach it with ``FakeIvsChat.current()``). ``options`` are FakeIvsChat's keyword arguments.
    """
    checked = fake_options(options, "mock_ivschat()")
    return MockContext(lambda: FakeIvsChat(**checked))


__all__ = ["FakeIvsChat", "active_fake", "mock_ivschat"]
