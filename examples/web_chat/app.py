"""The web chat's backend: a Flask app serving the page and its bundle, chat tokens, moderation.

Settings come from the environment, as in production: ``chat_backend.config``'s (``AWS_REGION``,
``CHAT_SESSION_MINUTES``...), and

- ``WEB_CHAT_SECRET_KEY`` (required): signs the sessions :func:`login` hands out;
- ``IVSCHAT_CHAT_URL`` (optional): where the page's chat SDK connects, a WebSocket URL; by default
  the region, from which the SDK makes the service's own URL.

Run it with ``flask --app web_chat.app run`` from ``examples/`` (the bundle built first:
``npm ci && npm run build`` in ``examples/web_chat``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, NoReturn

from botocore.exceptions import ClientError, ParamValidationError
from chat_backend import moderation, rooms, tokens
from chat_backend.config import Settings
from flask import Flask, abort, jsonify, request, send_from_directory
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeTimedSerializer

HERE = Path(__file__).resolve().parent
PAGE = HERE / "page"  # index.html, committed
BUNDLE = HERE / "dist"  # chat.js, built by esbuild from page/chat.js (`npm run build`)
SESSION_HOURS = 12
STREAM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what a room name can carry (see rooms.room_name)


def create_app() -> Flask:
    """The backend as a WSGI app (Flask's app factory: ``flask --app web_chat.app run``)."""
    app = Flask(__name__, static_folder=None)
    sessions = URLSafeTimedSerializer(os.environ["WEB_CHAT_SECRET_KEY"], salt="web-chat-session")

    def current_user() -> dict[str, str]:
        """The user of the request's ``Authorization: Bearer <session>``, else a 401."""
        scheme, _, session = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer":
            fail(401, "log in first")
        try:
            user: dict[str, str] = sessions.loads(session, max_age=SESSION_HOURS * 3600)
        except BadSignature:  # forged, or expired (SignatureExpired is one)
            fail(401, "log in again")
        return user

    def moderator() -> dict[str, str]:
        user = current_user()
        if user["role"] != "moderator":
            fail(403, "only moderators may do this")
        return user

    @app.get("/")
    def page() -> ResponseReturnValue:
        return send_from_directory(PAGE, "index.html")

    @app.get("/assets/<path:name>")
    def bundle(name: str) -> ResponseReturnValue:
        return send_from_directory(BUNDLE, name)

    @app.post("/api/login")
    def login() -> ResponseReturnValue:
        # A stand-in for your app's login: it believes what it is told. Yours asks your identity
        # provider who the user is and whether they moderate this channel.
        body = json_body()
        user = {name: text(body, name, 128) for name in ("userId", "displayName", "role")}
        if user["role"] not in tokens.CAPABILITIES:
            fail(400, f"role must be one of {sorted(tokens.CAPABILITIES)}")
        return {"session": sessions.dumps(user)}

    @app.get("/api/chat-config")
    def chat_config() -> ResponseReturnValue:
        return {"regionOrUrl": os.environ.get("IVSCHAT_CHAT_URL") or Settings.from_env().region}

    @app.post("/api/streams/<stream>/chat-token")
    def chat_token(stream: str) -> ResponseReturnValue:
        # What the page's tokenProvider calls: on connecting, and whenever the SDK refreshes.
        user = current_user()
        mint = tokens.moderator_token if user["role"] == "moderator" else tokens.viewer_token
        return mint(stream_room(stream), user["userId"], user["displayName"])

    @app.delete("/api/streams/<stream>/messages/<message_id>")
    def delete_message(stream: str, message_id: str) -> ResponseReturnValue:
        moderator()
        reason = text(json_body(), "reason", 256)
        return {"id": moderation.remove_message(stream_room(stream), message_id, reason)}

    @app.post("/api/streams/<stream>/users/<user_id>/kick")
    def kick(stream: str, user_id: str) -> ResponseReturnValue:
        moderator()
        moderation.ban(stream_room(stream), user_id, text(json_body(), "reason", 256))
        return {}

    @app.post("/api/streams/<stream>/end")
    def end_stream(stream: str) -> ResponseReturnValue:
        # Here a moderator ends it; the same call fits your streaming pipeline's webhook.
        moderator()
        return {"id": rooms.announce_stream_ended(stream_room(stream), stream)}

    @app.errorhandler(400)
    @app.errorhandler(401)
    @app.errorhandler(403)
    @app.errorhandler(404)
    def as_json(error: Any) -> ResponseReturnValue:
        return jsonify(message=error.description), error.code

    # What the page asked for cannot be (a message id of the wrong form, a user id too long...):
    # boto3's or the service's answer, passed on. Any other failure is the backend's: a 500.
    @app.errorhandler(ParamValidationError)
    def refused_by_boto3(error: ParamValidationError) -> ResponseReturnValue:
        return jsonify(message=str(error)), 400

    @app.errorhandler(ClientError)
    def refused_by_ivschat(error: ClientError) -> ResponseReturnValue:
        code, message = error.response["Error"]["Code"], error.response["Error"]["Message"]
        status = {"ValidationException": 400, "ResourceNotFoundException": 404}.get(code, 500)
        return jsonify(message=f"{code}: {message}"), status

    return app


def stream_room(stream: str) -> str:
    found = rooms.find_stream_room(stream) if STREAM_ID.fullmatch(stream) else None
    if found is None:
        fail(404, f"stream {stream!r} has no chat room")
    return found


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        fail(400, "the body must be a JSON object")
    return body


def text(body: dict[str, Any], name: str, longest: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= longest:
        fail(400, f"{name} must be a string of 1 to {longest} characters")
    return value


def fail(status: int, message: str) -> NoReturn:
    abort(status, description=message)
