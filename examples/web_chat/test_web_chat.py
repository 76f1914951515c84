"""The web chat end to end: real Chromium (driven by Playwright) opens the page, which logs in to
the Flask backend, gets its chat tokens from it and chats through the official SDK with
``fake.serve()``; the backend's boto3 client reaches the same fake in-process. Each browser test
asserts what the pages show and what the fake recorded; the last test calls the backend's API
without a browser.

Needs the ``web`` extra (Flask, Playwright), Debian's ``chromium``, Node.js and
``npm ci --prefix examples/web_chat``; skipped without them, except under CI, where that fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, NoReturn
from urllib.parse import urlencode

import pytest

if not os.environ.get("CI"):  # CI installs both (.ci/run): there a missing one fails
    pytest.importorskip("flask", reason="needs the web extra: pip install -e '.[web]'")
    pytest.importorskip("playwright", reason="needs the web extra: pip install -e '.[web]'")

from chat_backend import review, rooms
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from werkzeug.serving import make_server

from fake_ivschat import FakeIvsChat, Quotas
from web_chat.app import HERE, create_app

REGION = "us-west-2"
STREAM = "s1"
ROOM = f"arn:aws:ivschat:{REGION}:123456789012:room/webChatRoom1"  # chosen: the tests name it
REVIEW_LAMBDA = f"arn:aws:lambda:{REGION}:123456789012:function:chat-review"
# Headless, and nothing but loopback: every host name but 127.0.0.1 resolves to nothing, and the
# browser's own background traffic (updates, sync, QUIC probes) is off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
TIMEOUT_MS = 10_000  # any one browser action or wait; each takes milliseconds here


def missing(what: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI installs it: see .ci/run)", pytrace=False)
    pytest.skip(what)


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def bundle() -> None:
    """The page's module and the chat SDK, bundled by esbuild into dist/ (not committed)."""
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "esbuild").is_dir():
        missing("needs Node.js and `npm ci --prefix examples/web_chat`")
    subprocess.run([node, "build.mjs"], cwd=HERE, check=True, timeout=60)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module (Debian's: Playwright's downloads are not used);
    each page gets a context of its own."""
    chromium = shutil.which("chromium")
    if chromium is None:
        missing("Chromium is not installed (`apt-get install chromium`)")
    expect.set_options(
        timeout=TIMEOUT_MS
    )  # Playwright's own default, 5 s, is tight on 2 busy cores
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def backend(
    fake_ivschat_server: Any, bundle: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The web chat's backend on 127.0.0.1 (any free port), in a thread, configured as its
    deployment would be; returns its URL. The page it serves connects to the fake's chat_url."""
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("IVSCHAT_CHAT_URL", fake_ivschat_server.chat_url)
    monkeypatch.setenv("WEB_CHAT_SECRET_KEY", "only-for-tests")
    for name in ("CHAT_LOG_BUCKET", "CHAT_LOG_GROUP", "REVIEW_LAMBDA_ARN", "CHAT_SESSION_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()  # returns once serve_forever has stopped (it polls every 0.05 s)
        thread.join(timeout=5)


@pytest.fixture
def reviewed(fake_ivschat: FakeIvsChat) -> list[str]:
    """The backend's review Lambda, registered in Python for its ARN; returns the content of
    every message it is asked about."""
    asked: list[str] = []

    def review_lambda(event: dict[str, Any], context: object) -> dict[str, Any]:
        asked.append(event["Content"])
        return review.handler(event, context)

    fake_ivschat.register_review_handler(REVIEW_LAMBDA, review_lambda)
    return asked


@pytest.fixture
def room(fake_ivschat: FakeIvsChat, reviewed: list[str]) -> str:
    """The stream's room as rooms.open_stream_room makes it, with the ARN the tests name."""
    fake_ivschat.arrange_room(
        ROOM,
        name=rooms.room_name(STREAM),  # what the backend looks the stream's room up by
        maximumMessageLength=200,
        tags={rooms.APP_TAG: rooms.APP, rooms.STREAM_TAG: STREAM},
        messageReviewHandler={"uri": REVIEW_LAMBDA, "fallbackResult": "ALLOW"},
    )
    return ROOM


class User(NamedTuple):
    user_id: str
    display_name: str
    role: str = "viewer"


VIC, WES, MOD = User("v1", "Vic"), User("v2", "Wes"), User("mod", "Mod", "moderator")
OpenChat = Callable[..., list[Page]]


@pytest.fixture(scope="module")
def tabs(browser: Browser) -> Iterator[dict[User, Page]]:
    """A browser context per user (another person's browser), for the module, with one page
    each: :func:`open_chat` loads the chat anew in it for each test."""
    contexts = {user: browser.new_context() for user in (VIC, WES, MOD)}
    try:
        pages = {}
        for user, context in contexts.items():
            context.set_default_timeout(TIMEOUT_MS)
            pages[user] = context.new_page()
            echo_console(pages[user], user.user_id)
        yield pages
    finally:
        for context in contexts.values():
            context.close()


@pytest.fixture
def open_chat(tabs: dict[User, Page], backend: str, room: str) -> Iterator[OpenChat]:
    """``open_chat(*users)``: the stream's chat page of each user, each in its own browser
    context; returns the pages once every one's chat is connected."""
    opened: list[Page] = []

    def open_chat(*users: User) -> list[Page]:
        for user in users:
            query = urlencode(
                {
                    "stream": STREAM,
                    "user": user.user_id,
                    "name": user.display_name,
                    "role": user.role,
                }
            )
            tabs[user].goto(f"{backend}/?{query}", wait_until="commit")  # the pages load together
            opened.append(tabs[user])
        for user in users:
            expect(tabs[user].locator("#status")).to_have_text("connected")
        return [tabs[user] for user in users]

    try:
        yield open_chat
    finally:
        for page in opened:  # leave the chat before the servers close
            page.goto("about:blank")


def echo_console(page: Page, user_id: str) -> None:
    """The page's console and uncaught errors go to the test's output, shown if it fails."""
    page.on("console", lambda line: print(f"[{user_id}] {line.type}: {line.text}"))
    page.on("pageerror", lambda error: print(f"[{user_id}] uncaught: {error}"))


def say(page: Page, content: str) -> None:
    page.fill("#text", content)
    page.press("#text", "Enter")


def shown(page: Page) -> Locator:
    """The messages the page shows, as "Display name: content"."""
    return page.locator("#messages li .text")


def notices(page: Page) -> Locator:
    return page.locator("#notices li")


def tokens_minted(fake: FakeIvsChat, user_id: str) -> int:
    return len(fake.get_calls("CreateChatToken", userId=user_id))


# ---------------------------------------------------------------------------------- scenarios


def test_two_viewers_and_a_moderator_chat_both_ways_in_order(
    fake_ivschat: FakeIvsChat, open_chat: OpenChat
) -> None:
    vic, wes, mod = open_chat(VIC, WES, MOD)

    for page, user_id, content in (
        (vic, "v1", "hi all"),
        (mod, "mod", "welcome to the stream"),
        (wes, "v2", "hello Vic"),
        (vic, "v1", "hi Wes"),
    ):
        say(page, content)
        # In the room before the next one is typed: the order is the order of typing.
        fake_ivschat.wait_for_message(content, room=ROOM, user_id=user_id, timeout=10)

    said = ["Vic: hi all", "Mod: welcome to the stream", "Wes: hello Vic", "Vic: hi Wes"]
    for page in (vic, wes, mod):
        expect(shown(page)).to_have_text(said)
    assert [
        (m.sender_user_id, m.sender_attributes["displayName"], m.content)
        for m in fake_ivschat.messages(ROOM)
    ] == [
        ("v1", "Vic", "hi all"),
        ("mod", "Mod", "welcome to the stream"),
        ("v2", "Wes", "hello Vic"),
        ("v1", "Vic", "hi Wes"),
    ]
    fake_ivschat.assert_called(
        "CreateChatToken",
        roomIdentifier=ROOM,
        userId="mod",
        capabilities=["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"],
        attributes={"displayName": "Mod", "role": "moderator"},
    )
    fake_ivschat.assert_called("CreateChatToken", userId="v1", capabilities=["SEND_MESSAGE"])


def test_a_message_the_review_handler_denies_reaches_no_one(
    fake_ivschat: FakeIvsChat, open_chat: OpenChat, reviewed: list[str]
) -> None:
    vic, wes = open_chat(VIC, WES)

    say(vic, "free followers at http://spam.example")
    expect(notices(vic)).to_have_text(
        [
            "Not sent (406 Message denied by the room's message review handler: links are not"
            " allowed): free followers at http://spam.example"
        ]
    )
    say(vic, "  sorry, no links  ")
    fake_ivschat.wait_for_message("sorry, no links", room=ROOM, timeout=10)  # the Lambda trims

    for page in (vic, wes):  # the denied message would have come first
        expect(shown(page)).to_have_text(["Vic: sorry, no links"])
    expect(notices(wes)).to_have_count(0)
    assert reviewed == ["free followers at http://spam.example", "  sorry, no links  "]
    assert [m.content for m in fake_ivschat.messages(ROOM)] == ["sorry, no links"]


def test_a_message_longer_than_the_room_allows_is_refused_with_a_400(
    fake_ivschat: FakeIvsChat, open_chat: OpenChat, reviewed: list[str]
) -> None:
    vic, wes = open_chat(VIC, WES)
    too_long = "a" * 201  # the room's maximumMessageLength is 200

    say(vic, too_long)
    expect(notices(vic)).to_have_text([re.compile(r"^Not sent \(400 .*\b200 characters\b")])
    say(vic, "a" * 200)
    fake_ivschat.wait_for_message("a" * 200, room=ROOM, timeout=10)

    for page in (vic, wes):
        expect(shown(page)).to_have_text([f"Vic: {'a' * 200}"])
    assert [m.content for m in fake_ivschat.messages(ROOM)] == ["a" * 200]
    assert reviewed == ["a" * 200]  # refused before review


def test_the_moderator_deletes_a_message_from_every_page(
    fake_ivschat: FakeIvsChat, open_chat: OpenChat
) -> None:
    vic, wes, mod = open_chat(VIC, WES, MOD)
    say(wes, "great stream")
    fake_ivschat.wait_for_message("great stream", room=ROOM, timeout=10)
    say(vic, "buy my course")
    ad = fake_ivschat.wait_for_message("buy my course", room=ROOM, timeout=10)
    for page in (vic, wes, mod):
        expect(shown(page)).to_have_text(["Wes: great stream", "Vic: buy my course"])

    mod.locator(f'#messages li[data-id="{ad.id}"] button.delete').click()

    for page in (vic, wes, mod):
        expect(shown(page)).to_have_text(["Wes: great stream"])
        expect(notices(page)).to_have_text(["A message was removed: removed by a moderator"])
    fake_ivschat.assert_called(
        "DeleteMessage", roomIdentifier=ROOM, id=ad.id, reason="removed by a moderator"
    )
    fake_ivschat.assert_event("aws:DELETE_MESSAGE", room=ROOM, attributes={"MessageId": ad.id})


def test_the_moderator_kicks_a_viewer_who_stays_disconnected(
    fake_ivschat: FakeIvsChat, open_chat: OpenChat
) -> None:
    vic, wes, mod = open_chat(VIC, WES, MOD)
    say(vic, "spam spam spam")
    fake_ivschat.wait_for_message("spam spam spam", room=ROOM, timeout=10)

    mod.locator('#messages li[data-user="v1"] button.kick').click()

    expect(notices(vic)).to_have_text(["You were disconnected: kicked by a moderator"])
    expect(vic.locator("#status")).to_have_text("disconnected (serverDisconnect)")
    expect(vic.locator("#text")).to_be_disabled()
    for page in (wes, mod):
        expect(notices(page)).to_have_text(["v1 was disconnected: kicked by a moderator"])
    fake_ivschat.assert_called("DisconnectUser", roomIdentifier=ROOM, userId="v1")
    fake_ivschat.assert_event(
        "aws:DISCONNECT_USER",
        room=ROOM,
        attributes={"UserId": "v1", "Reason": "kicked by a moderator"},
    )
    # The chat goes on without Vic: had the SDK reconnected (at once, with a new token), Vic
    # would see this message.
    say(wes, "bye Vic")
    fake_ivschat.wait_for_message("bye Vic", room=ROOM, timeout=10)
    expect(shown(mod)).to_have_text(["Vic: spam spam spam", "Wes: bye Vic"])
    expect(shown(vic)).to_have_text(["Vic: spam spam spam"])
    assert vic.locator("body").get_attribute("data-tokens") == "1"
    assert tokens_minted(fake_ivschat, "v1") == 1


def test_the_end_of_the_stream_is_announced_on_every_page(
    fake_ivschat: FakeIvsChat, open_chat: OpenChat
) -> None:
    vic, wes, mod = open_chat(VIC, WES, MOD)
    expect(vic.locator("#end-stream")).to_be_hidden()  # moderators only

    mod.click("#end-stream")

    for page in (vic, wes, mod):
        expect(notices(page)).to_have_text(["The stream has ended. Thanks for watching!"])
    fake_ivschat.assert_called("SendEvent", roomIdentifier=ROOM, eventName=rooms.STREAM_ENDED)
    fake_ivschat.assert_event(rooms.STREAM_ENDED, room=ROOM, attributes={"stream": STREAM})


@pytest.mark.fake_ivschat(quotas=Quotas(token_lifetime_seconds=31))
def test_a_page_left_open_refreshes_its_token_and_keeps_chatting(
    fake_ivschat: FakeIvsChat, open_chat: OpenChat
) -> None:
    # The SDK connects anew (with a new token) 30 s before its token expires: here after ~1 s.
    vic, wes = open_chat(VIC, WES)

    expect(vic.locator("body")).to_have_attribute("data-tokens", re.compile(r"^([3-9]|\d\d+)$"))
    say(vic, "still here")
    fake_ivschat.wait_for_message("still here", room=ROOM, user_id="v1", timeout=10)
    say(wes, "me too")
    fake_ivschat.wait_for_message("me too", room=ROOM, user_id="v2", timeout=10)

    for page in (vic, wes):  # once each: the SDK drops what both of its sockets received
        expect(shown(page)).to_have_text(["Vic: still here", "Wes: me too"])
        expect(page.locator("#status")).to_have_text("connected")
    minted = fake_ivschat.get_calls("CreateChatToken", userId="v1")
    assert len(minted) >= 3 and all(call.ok for call in minted)
    assert [m.content for m in fake_ivschat.messages(ROOM)] == ["still here", "me too"]


def test_the_backend_refuses_non_moderators_and_bad_requests(
    fake_ivschat: FakeIvsChat, room: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The API without a browser: Flask's test client.
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("WEB_CHAT_SECRET_KEY", "only-for-tests")
    api = create_app().test_client()

    def login(user: User) -> dict[str, str]:
        body = {"userId": user.user_id, "displayName": user.display_name, "role": user.role}
        session = api.post("/api/login", json=body).get_json()["session"]
        return {"Authorization": f"Bearer {session}"}

    viewer, moderator = login(VIC), login(MOD)
    delete = f"/api/streams/{STREAM}/messages/abcd"
    assert api.delete(delete, json={"reason": "r"}).status_code == 401
    assert api.delete(delete, json={"reason": "r"}, headers=viewer).json == {
        "message": "only moderators may do this"
    }
    assert api.post(f"/api/streams/{STREAM}/end", headers=viewer).status_code == 403
    # Message ids are 12 letters or digits: boto3 checks the length, the service the rest.
    for message_id, refused_by in (
        ("short", "Parameter validation failed"),
        ("-" * 12, "Validation"),
    ):
        answer = api.delete(
            f"/api/streams/{STREAM}/messages/{message_id}", json={"reason": "r"}, headers=moderator
        )
        assert answer.status_code == 400
        assert answer.get_json()["message"].startswith(refused_by)
    assert api.post("/api/streams/nope/chat-token", headers=viewer).status_code == 404
    assert api.post(f"/api/streams/{STREAM}/end", headers=moderator).status_code == 200
    refused = api.post("/api/login", json={"userId": "x", "displayName": "X", "role": "admin"})
    assert (refused.status_code, refused.get_json()) == (
        400,
        {"message": "role must be one of ['moderator', 'viewer']"},
    )
    assert [(c.operation, c.error) for c in fake_ivschat.calls] == [
        ("ListRooms", None),  # boto3 refused the short id: no call
        ("ListRooms", None),
        ("DeleteMessage", "ValidationException"),
        ("ListRooms", None),  # the stream "nope": no room
        ("ListRooms", None),
        ("SendEvent", None),
    ]
