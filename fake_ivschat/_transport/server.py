"""What ``fake.serve()`` returns: one fake's control plane over HTTP and its Chat Messaging API
over WebSocket, on loopback, on background threads. Imported only when a fake is served, so that
importing the package and the in-process path never load ``http.server`` or ``websockets``."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from .._hints import integer
from .._service.state import ServiceState
from .admin import AdminRoutes, AdminTarget
from .botocore import ROUTER
from .dispatch import Dispatcher
from .guard import Guard
from .http import ControlPlane

_NO_WEBSOCKETS = (
    "fake.serve() needs the 'websockets' package (>= 15.0) for the Chat Messaging API:"
    " pip install 'fake-ivschat[server]'"
)


class Server:
    """A running server of one fake: ``endpoint_url`` (the rest-json control plane, plus the
    admin routes under ``/_fake/``) and ``chat_url`` (the Chat Messaging API). A context
    manager; :meth:`close` closes every socket with a close frame and frees both ports, within
    a second whatever clients do."""

    def __init__(
        self,
        fake: AdminTarget,
        account_id: str,
        dispatcher: Dispatcher,
        state: ServiceState,
        address: tuple[str, int, int],
        guard: Guard,
        max_unsent_bytes: int,
    ) -> None:
        try:
            from .websocket import ChatServer
        except ImportError as missing:
            raise ModuleNotFoundError(_NO_WEBSOCKETS) from missing
        host, port, chat_port = address
        admin = AdminRoutes(fake)
        with _listening("the control plane", host, "port", port):
            self._http = ControlPlane(host, port, dispatcher, account_id, admin.answer, guard)
        try:
            with _listening("the Chat Messaging API", host, "chat_port", chat_port):
                self._chat = ChatServer(state, host, chat_port, guard, max_unsent_bytes)
        except BaseException:
            self._http.close()
            raise
        name = f"[{host}]" if ":" in host else host
        self.endpoint_url = f"http://{name}:{self._http.port}"
        self.chat_url = f"ws://{name}:{self._chat.port}"
        self.closed = False
        # While another fake is active, a client naming this endpoint comes here, not to it.
        ROUTER.serving(self.endpoint_url, fake)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "serving"
        return f"<fake_ivschat Server {state} {self.endpoint_url} {self.chat_url}>"

    def close(self) -> None:
        """Close every socket (close code 1001) after the frames queued for it, stop both
        servers, join their threads, free the ports. A socket that does not take its close frame
        within ``CLOSE_GRACE_SECONDS`` (0.5 s) is abandoned, as is a connection still in its
        opening handshake at once. Closing twice does nothing."""
        if self.closed:
            return
        self.closed = True
        ROUTER.serving(self.endpoint_url, None)
        try:
            self._chat.close()
        finally:
            self._http.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def _listening(what: str, host: str, name: str, port: int) -> Iterator[None]:
    """An OSError while ``what`` starts to listen says where (a port in use, most often)."""
    try:
        yield
    except OSError as failed:
        reason = failed.strerror or str(failed)
        raise OSError(
            failed.errno,
            f"cannot serve {what} on {host}:{port} ({name}={port}): {reason}; choose another"
            " port, or 0 for any free port",
        ) from failed


def check_serve_options(
    host: object, port: object, chat_port: object, allow_remote: object, max_unsent_bytes: object
) -> None:
    """TypeError or ValueError for a bad option; a host that is not loopback needs
    ``allow_remote=True``."""
    integer("max_unsent_bytes", max_unsent_bytes, 1)
    if not isinstance(host, str) or not host:
        raise TypeError(f"host must be a non-empty str, not {host!r}")
    for name, value in (("port", port), ("chat_port", chat_port)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int (0: any free port), not {value!r}")
        if not 0 <= value <= 65535:
            raise ValueError(f"{name} must be between 0 and 65535, got {value}")
    if not isinstance(allow_remote, bool):
        raise TypeError(f"allow_remote must be a bool, not {allow_remote!r}")
    if not allow_remote and not _loopback(host):
        raise ValueError(
            f"host {host!r} is not a loopback address; the fake serves anyone who can reach it,"
            " so pass allow_remote=True (--allow-remote) to serve beyond this machine"
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False
