"""``python -m fake_ivschat serve``: a fake served on loopback to clients of any language until
interrupted (Ctrl-C or SIGTERM, at any moment: a clean exit, status 0, within 2 s). ``python -m
fake_ivschat demo``: a short scripted chat against an in-process fake, printed as a transcript.

Only the standard library is imported before the signals are taken: the fake (botocore) loads
after, so that a signal while it loads ends the process cleanly too."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from ._transport.bounds import DEFAULT_MAX_UNSENT_BYTES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m fake_ivschat",
        description="An in-process fake of Amazon IVS Chat: serve it to real clients on loopback,"
        " or watch a scripted chat played on it.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    serve = commands.add_parser(
        "serve",
        help="serve a fake's control plane (HTTP) and Chat Messaging API (WebSocket)",
        description="Print IVSCHAT_ENDPOINT_URL=... and IVSCHAT_CHAT_URL=... (two lines a shell"
        " can eval), then serve until interrupted.",
    )
    _serve_options(serve)
    commands.add_parser(
        "demo",
        help="print a scripted chat (two users, a moderator, a review handler, a ban) played on"
        " an in-process fake",
        description="Play a short chat on an in-process fake, seeded and on a scripted clock,"
        " and print what the room saw, as a person would read it.",
    )
    return parser


def _serve_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="control-plane port (0: any free)")
    serve.add_argument("--chat-port", type=int, default=0, help="WebSocket port (0: any free)")
    serve.add_argument("--seed", type=int, default=None, help="make generated IDs reproducible")
    serve.add_argument(
        "--account-id", default=None, help="the account of unsigned requests (default 123456789012)"
    )
    serve.add_argument(
        "--allow-remote", action="store_true", help="allow a host other than loopback"
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests whose Host is NAME (.example.com: a domain and its subdomains;"
        " *: any); loopback names and the bound address always (repeatable)",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="also take requests from web pages of ORIGIN (https://app.example:8443, null; *:"
        " any); loopback pages always (repeatable)",
    )
    serve.add_argument(
        "--max-unsent-bytes",
        type=int,
        default=DEFAULT_MAX_UNSENT_BYTES,
        help="close a socket (1008) whose client reads too slowly to keep its unsent frames under"
        f" this (default {DEFAULT_MAX_UNSENT_BYTES}: 8 MiB)",
    )


class _Interrupted(BaseException):
    """A signal before serving began: nothing to close."""


def _on_signals(handler: Any) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            from . import _demo
            from ._fake import FakeIvsChat

            _demo.run(FakeIvsChat(seed=1), sys.stdout)
            sys.stdout.flush()  # here, where a reader gone is caught, not at exit
            return 0
        return _serve(parser, args)
    except BrokenPipeError:
        # The reader went away (``| head -1``): stop quietly, with status 1 as Python's own
        # documentation advises; standard output goes nowhere so that exit writes nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _serve(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    stop = threading.Event()

    def starting(*_: Any) -> None:
        raise _Interrupted

    def serving(*_: Any) -> None:
        stop.set()

    try:
        _on_signals(starting)
        from ._fake import FakeIvsChat  # the slow part: botocore

        _on_signals(serving)
    except _Interrupted:
        return 0
    try:
        account = {} if args.account_id is None else {"account_id": args.account_id}
        fake = FakeIvsChat(**account, seed=args.seed)
        server = fake.serve(
            args.host,
            args.port,
            chat_port=args.chat_port,
            allow_remote=args.allow_remote,
            allowed_hosts=args.allowed_host,
            cors_origins=args.cors_origin,
            max_unsent_bytes=args.max_unsent_bytes,
        )
    except (TypeError, ValueError, OSError, ImportError) as problem:  # OSError: a port in use
        parser.error(str(problem))
    with server:
        if not stop.is_set():
            print(f"IVSCHAT_ENDPOINT_URL={server.endpoint_url}", flush=True)
            print(f"IVSCHAT_CHAT_URL={server.chat_url}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
