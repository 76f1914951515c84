"""The control plane over HTTP (rest-json) for clients outside the process: each request becomes
the very call an in-process client makes (``Dispatcher.handle``), its AWSResponse the HTTP
response; ``/_fake/`` requests go to the admin routes."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import select
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import BotoCoreError, ConnectTimeoutError, ReadTimeoutError

from .._service.errors import MESSAGES, UnknownOperationException
from .._service.options import DEFAULT_REGION
from . import wire
from .dispatch import Dispatcher
from .framing import declared_length, read_body
from .guard import Guard, Refusal

_log = logging.getLogger("fake_ivschat.server")

# An admin request (method, path below /_fake/, query, body) -> (status, JSON-able payload).
Admin = Callable[[str, str, str, bytes], "tuple[int, Any]"]
ADMIN_PREFIX = "/_fake/"

# SigV4: "AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, ...";
# the region as written, even empty or spaced, for the call path to judge.
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/,\s]*/([^/,]*)/")
_ACCOUNT = re.compile(r"\d{12}")

# How often the accepting thread looks for close() (what closing costs), and a stalled request
# for its client giving up; one a timeout fault stalls is dropped after 120 s at most.
_ACCEPT_POLL_SECONDS = 0.02
_POLL_SECONDS = 0.1
_STALL_POLLS = 1200
# After a refusal the connection is closed; what the client still sends is read and dropped for
# this long at most, so that the refusal reaches it instead of a TCP reset.
_LINGER_SECONDS = 0.5

_EXPOSED = "x-amzn-RequestId, x-amzn-ErrorType, Date"


@dataclass
class Reply:
    """An HTTP response to write."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Drop:
    """No response: the connection is closed (a connection-error or connection-closed fault)."""


class Stall:
    """No response until the client gives up (a connect-timeout or read-timeout fault)."""


Answer = Reply | Drop | Stall


def caller(authorization: str | None, default_account: str) -> tuple[str, str]:
    """The (account, region) of a request: a 12-digit access key id is the account, the SigV4
    credential scope names the region; otherwise the fake's account and the default region."""
    found = _CREDENTIAL.search(authorization or "")
    if found is None:
        return default_account, DEFAULT_REGION
    key_id, region = found.groups()
    return (key_id if _ACCOUNT.fullmatch(key_id) else default_account), region


class ControlPlane(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server (keep-alive, no Nagle delay) answering with a fake's call path.

    Every connection is tracked so that :meth:`close` can end idle keep-alive connections and
    join their threads.
    """

    daemon_threads = True  # never keeps the interpreter alive; close() joins them anyway

    def __init__(
        self,
        host: str,
        port: int,
        dispatcher: Dispatcher,
        account_id: str,
        admin: Admin,
        guard: Guard,
    ) -> None:
        self.dispatcher = dispatcher
        self.guard = guard
        self.account_id = account_id
        self.admin = admin
        self.closing = threading.Event()
        self._open: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _Handler)
        self._serving = threading.Thread(
            target=self.serve_forever,
            args=(_ACCEPT_POLL_SECONDS,),
            name="fake-ivschat-http",
            daemon=True,
        )
        self._serving.start()

    def server_bind(self) -> None:
        # HTTPServer's own would look the host's name up (getfqdn), which may wait on DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.port

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def answer(self, method: str, target: str, headers: Any, body: bytes) -> Answer:
        """The answer to one request (``target`` is the request line's path and query: the URL
        decoded is that alone, on a fixed authority: the Host header never enters it)."""
        path, _, query = target.partition("?")
        if method == "OPTIONS":
            return _preflight(headers)
        if path.startswith(ADMIN_PREFIX):
            status, payload = self.admin(method, path[len(ADMIN_PREFIX) :], query, body)
            data = json.dumps(payload, default=str).encode()
            return Reply(status, {"Content-Type": "application/json"}, data)
        full_url = f"http://localhost{target}"
        operation = wire.route(method, path)
        if operation is None:
            error = UnknownOperationException(
                MESSAGES["unknown_route"].format(method=method, path=path)
            )
            response = self.dispatcher.refuse(full_url, error)
        else:
            account, region = caller(headers.get("Authorization"), self.account_id)
            request = AWSPreparedRequest(method, full_url, dict(headers), body, False)
            try:
                response = self.dispatcher.handle(operation, region, account, request)
            except (ConnectTimeoutError, ReadTimeoutError):
                return Stall()
            except BotoCoreError:  # the other transport faults
                return Drop()
        return Reply(response.status_code, dict(response.headers), response.content)

    def track(self, connection: socket.socket) -> bool:
        """Note a connection being served; False (it is then closed) once closing."""
        with self._open_lock:
            if self.closing.is_set():
                return False
            self._open[connection] = threading.current_thread()
            return True

    def untrack(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.pop(connection, None)

    def close(self) -> None:
        """Stop accepting, end every open connection, join the threads, free the port."""
        with self._open_lock:
            if self.closing.is_set():
                return
            self.closing.set()
            serving = dict(self._open)
        self.shutdown()
        self.server_close()
        for connection in serving:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)
        for thread in [self._serving, *serving.values()]:
            thread.join(timeout=5)

    def handle_error(self, request: Any, client_address: Any) -> None:
        _log.debug("connection from %s ended", client_address, exc_info=True)


def _preflight(headers: Any) -> Reply:
    """A CORS preflight (of an allowed origin: the others are refused before)."""
    allow = {
        "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": headers.get("Access-Control-Request-Headers") or "*",
        "Access-Control-Max-Age": "600",
    }
    if headers.get("Access-Control-Request-Private-Network", "").lower() == "true":
        allow["Access-Control-Allow-Private-Network"] = "true"
    return Reply(204, allow)


def _refused(refusal: Refusal) -> Reply:
    body = json.dumps({"message": refusal.reason}).encode()
    return Reply(refusal.status, {"Content-Type": "application/json"}, body)


def _internal(method: str, path: str, raised: Exception) -> Reply:
    _log.error("fake_ivschat failed while answering %s %s", method, path, exc_info=raised)
    message = MESSAGES["internal"].format(
        operation=f"{method} {path}", kind=type(raised).__name__, error=raised
    )
    body = json.dumps({"message": message}).encode()
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": "InternalServerException"}
    return Reply(500, headers, body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version, sys_version = "fake-ivschat", ""
    disable_nagle_algorithm = True  # a keep-alive client would otherwise stall ~40 ms a request
    server: ControlPlane
    _origin: str | None = None  # the Origin of the request being answered, once admitted

    def setup(self) -> None:
        super().setup()
        if not self.server.track(self.connection):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        super().finish()

    def _serve(self) -> None:
        self._origin = None
        try:
            self._admit()
            body = read_body(self.headers, self.rfile)
        except Refusal as refusal:  # nothing of the request reaches the fake
            self._refuse(refusal)
            return
        except OSError:  # the client went away mid-request: no failure of the fake
            _log.debug("%s left during %s %s", self.address_string(), self.command, self.path)
            self.close_connection = True
            return
        try:
            answer = self.server.answer(self.command, self.path, self.headers, body)
        except Exception as raised:  # never a dropped connection for a bug of the fake
            answer = _internal(self.command, self.path, raised)
        if isinstance(answer, Reply):
            self._write(answer)
            return
        if isinstance(answer, Stall):
            self._stall()
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _admit(self) -> None:
        """Refuse a request the guard refuses or whose target is not a path; note the origin
        of an admitted page for CORS."""
        origins = self.headers.get_all("Origin") or []
        self.server.guard.admit(self.headers.get_all("Host") or [], origins)
        if not self.path.startswith("/"):
            raise Refusal(400, f"The request target {self.path!r} is not a path.")
        self._origin = origins[0] if origins else None

    def handle_expect_100(self) -> bool:
        try:  # a request refused anyway gets its refusal, not an invitation to send its body
            self._admit()
            declared_length(self.headers)
        except Refusal:
            return True
        return super().handle_expect_100()

    def _refuse(self, refusal: Refusal) -> None:
        """Answer the refusal and close; the rest of the request is never read as one."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self._write(_refused(refusal))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self._linger()

    def _linger(self) -> None:
        deadline = time.monotonic() + _LINGER_SECONDS
        while not self.server.closing.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            readable, _, _ = select.select([self.connection], [], [], min(left, _POLL_SECONDS))
            if readable and not self.connection.recv(65536):
                return

    def version_string(self) -> str:
        return self.server_version  # BaseHTTPRequestHandler's would end in a space

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        headers = dict(reply.headers)
        if self._origin is not None:  # an allowed page's (the others are refused)
            headers["Access-Control-Allow-Origin"] = self._origin
            headers["Access-Control-Expose-Headers"] = _EXPOSED
            headers["Vary"] = "Origin"
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        if reply.status != 204:  # a 204 has no body and no length
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.status != 204 and self.command != "HEAD":
            self.wfile.write(reply.body)

    def _stall(self) -> None:
        """Answer nothing until the client closes the connection (its timeout) or the server
        closes; polled with select, whose timeouts no test clock (freezegun) reaches."""
        for _ in range(_STALL_POLLS):
            if self.server.closing.is_set():
                return
            readable, _, _ = select.select([self.connection], [], [], _POLL_SECONDS)
            if readable:
                return

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s " + format, self.address_string(), *args)
