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
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Union
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import BotoCoreError, ConnectTimeoutError, ReadTimeoutError

from .._service.errors import MESSAGES, UnknownOperationException
from .._service.options import DEFAULT_REGION
from . import wire
from .dispatch import Dispatcher

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

_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "x-amzn-RequestId, x-amzn-ErrorType, Date",
}


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


Answer = Union[Reply, Drop, Stall]


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
        self, host: str, port: int, dispatcher: Dispatcher, account_id: str, admin: Admin
    ) -> None:
        self.dispatcher = dispatcher
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
        """The answer to one request (``target`` is the request line's path and query)."""
        url = urlsplit(target)
        if method == "OPTIONS":
            return _preflight(headers)
        if url.path.startswith(ADMIN_PREFIX):
            status, payload = self.admin(method, url.path[len(ADMIN_PREFIX) :], url.query, body)
            data = json.dumps(payload, default=str).encode()
            return Reply(status, {"Content-Type": "application/json"}, data)
        full_url = f"http://{headers.get('Host', 'localhost')}{target}"
        operation = wire.route(method, url.path)
        if operation is None:
            error = UnknownOperationException(
                MESSAGES["unknown_route"].format(method=method, path=url.path)
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
    """A CORS preflight: any origin may call the endpoint from a browser."""
    asked = headers.get("Access-Control-Request-Headers") or "*"
    allow = {
        "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": asked,
        "Access-Control-Max-Age": "600",
    }
    return Reply(204, allow)


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

    def setup(self) -> None:
        super().setup()
        if not self.server.track(self.connection):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        super().finish()

    def _serve(self) -> None:
        try:
            answer = self.server.answer(self.command, self.path, self.headers, self._body())
        except Exception as raised:  # never a dropped connection for a bug of the fake
            answer = _internal(self.command, self.path, raised)
        if isinstance(answer, Reply):
            self._write(answer)
            return
        if isinstance(answer, Stall):
            self._stall()
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers, then the blank line
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in {**reply.headers, **_CORS}.items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
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
