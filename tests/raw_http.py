"""Raw HTTP for the tests where the bytes on the wire are the input (malformed framing, foreign
``Host`` or ``Origin`` headers): requests are sent exactly as written, responses are read with
``http.client``'s own parser, several in a row from one connection when pipelined."""

from __future__ import annotations

import http.client
import socket
import struct
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

TIMEOUT = 5.0


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class _Unclosable:
    """The connection's one buffered reader, lent to each HTTPResponse (which closes what it
    reads from once done)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def close(self) -> None:
        pass


class RawConnection:
    """One TCP connection to a served endpoint (``http://`` or ``ws://`` URL)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname or "", parts.port or 0), TIMEOUT)
        self._file = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def makefile(self, *_: Any) -> _Unclosable:
        return _Unclosable(self._file)

    def response(self, method: str = "GET") -> Response:
        """The next response (``method``: the request's, HEAD has no body)."""
        answer = http.client.HTTPResponse(self, method=method)  # type: ignore[arg-type]
        answer.begin()
        return Response(answer.status, answer.headers, answer.read())

    def interim(self) -> int:
        """The status of the next response, read up to its blank line (for a 1xx, which
        http.client's parser skips)."""
        status = int(self._file.readline().split()[1])
        while self._file.readline() not in (b"\r\n", b"\n", b""):
            pass
        return status

    def at_eof(self) -> bool:
        """True once the server closed the connection with nothing more to read."""
        try:
            return self._file.read(1) == b""
        except ConnectionResetError:
            return True

    def reset(self) -> None:
        """Close with a TCP reset (RST) instead of a FIN, as a crashing client does."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        self._file.close()
        self.sock.close()

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def request(
    method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """A request's bytes: the headers as given (no Host unless given), Content-Length added
    when there is a body and none was given."""
    fields = dict(headers or {})
    if body and not any(name.lower() in ("content-length", "transfer-encoding") for name in fields):
        fields["Content-Length"] = str(len(body))
    lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in fields.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def exchange(url: str, data: bytes, method: str = "GET") -> Response:
    """Send ``data`` on a new connection, return the first response."""
    with RawConnection(url) as connection:
        connection.send(data)
        return connection.response(method)
