"""The body of an HTTP/1.1 request, framed as RFC 9112 says (``Content-Length`` or chunked),
read in full or refused: a malformed or cut-short body, or one over the bound, is the client's
error (:class:`Refusal`) and never reaches the fake. A connection error of the client's side
passes as the OSError it is."""

from __future__ import annotations

import re
from email.message import Message
from io import BufferedIOBase

from .guard import Refusal

MAX_BODY_BYTES = 1024 * 1024  # the largest valid IVS Chat request is a few KB
_MAX_LINE = 4096  # a chunk-size line or a trailer
_MAX_TRAILERS = 64
_DIGITS = re.compile(r"[0-9]+")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
TOO_LARGE = f"The request body is over {MAX_BODY_BYTES} bytes, the bound of a served fake."


def declared_length(headers: Message) -> int | None:
    """The length the headers declare (0 without a body), None for a chunked body; refused
    when the framing is malformed or the length over the bound, before any byte is read."""
    codings = [
        coding.strip().lower()
        for value in headers.get_all("Transfer-Encoding") or []
        for coding in value.split(",")
        if coding.strip()
    ]
    lengths = [
        length.strip()
        for value in headers.get_all("Content-Length") or []
        for length in value.split(",")
    ]
    if codings and lengths:
        raise Refusal(400, "A request has Content-Length or Transfer-Encoding, not both.")
    if codings:
        if codings == ["chunked"]:
            return None
        if codings[-1] == "chunked":
            raise Refusal(501, f"Transfer-Encoding {', '.join(codings)!r} is not supported.")
        raise Refusal(400, f"Transfer-Encoding {', '.join(codings)!r} does not end in chunked.")
    for text in lengths:
        if not _DIGITS.fullmatch(text) or text != lengths[0]:
            raise Refusal(400, f"The request's Content-Length {', '.join(lengths)!r} is not valid.")
    length = int(lengths[0]) if lengths else 0
    if length > MAX_BODY_BYTES:
        raise Refusal(413, TOO_LARGE)
    return length


def read_body(headers: Message, rfile: BufferedIOBase) -> bytes:
    """The whole body of the request (see :func:`declared_length`)."""
    length = declared_length(headers)
    if length is None:
        return _chunked(rfile)
    body = rfile.read(length) if length else b""
    if len(body) < length:
        raise Refusal(400, f"The request body ended after {len(body)} of {length} bytes.")
    return body


def _chunked(rfile: BufferedIOBase) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        size_text = _line(rfile).split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_text):
            shown = size_text.decode("latin-1")
            raise Refusal(400, f"The request has a malformed chunk size {shown!r}.")
        size = int(size_text, 16)
        if size == 0:
            for _ in range(_MAX_TRAILERS):
                if not _line(rfile).strip():
                    return b"".join(chunks)
            raise Refusal(400, f"The request has more than {_MAX_TRAILERS} trailer lines.")
        total += size
        if total > MAX_BODY_BYTES:
            raise Refusal(413, TOO_LARGE)
        chunk = rfile.read(size)
        if len(chunk) < size or rfile.read(2) != b"\r\n":
            raise Refusal(400, "The request's chunked body is cut short or malformed.")
        chunks.append(chunk)


def _line(rfile: BufferedIOBase) -> bytes:
    line = rfile.readline(_MAX_LINE + 1)
    if not line.endswith(b"\n"):
        raise Refusal(400, "The request's chunked body is cut short or malformed.")
    return line
