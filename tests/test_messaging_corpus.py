"""A corpus of malformed Chat Messaging API frames: each gets the right ERROR frame (code and
RequestId) on the requesting connection only, and the connection stays usable. Hypothesis then
throws arbitrary JSON, text and bytes at a connection: always a frame, never an exception."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_ivschat import ChatConnection, FakeIvsChat

ACTIONS = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]
ERROR_CODES = {400, 401, 403, 404, 406, 413, 429, 500}
ID = re.compile(r"[a-zA-Z0-9]{12}")
VALID: dict[str, dict[str, Any]] = {
    "SEND_MESSAGE": {"Action": "SEND_MESSAGE", "Content": "hello", "Attributes": {"k": "v"}},
    "DELETE_MESSAGE": {"Action": "DELETE_MESSAGE", "Id": "AbCdEfGhIjKl", "Reason": "spam"},
    "DISCONNECT_USER": {"Action": "DISCONNECT_USER", "UserId": "carol", "Reason": "ban"},
}
# No generated UserId is either: a DISCONNECT_USER in the corpus closes neither connection.
CORPUS_USER = "corpus-alice"
BYSTANDER = "corpus-bystander"


class Room:
    """A fresh room with the connection under test and a bystander."""

    def __init__(self, fake: FakeIvsChat, client: Any, **settings: Any) -> None:
        self.fake = fake
        self.arn = client.create_room(**settings)["arn"]
        self.alice = self._join(client, CORPUS_USER)
        self.bob = self._join(client, BYSTANDER)

    def _join(self, client: Any, user: str) -> ChatConnection:
        token = client.create_chat_token(roomIdentifier=self.arn, userId=user, capabilities=ACTIONS)
        return self.fake.connect(token["token"])

    def refused(self, payload: Any, code: int, request_id: str) -> Mapping[str, Any]:
        """Send ``payload``: it must get that ERROR, on alice only, and change nothing else."""
        frame = self.alice.send(payload)
        assert frame["Type"] == "ERROR", frame
        assert (frame["ErrorCode"], frame["RequestId"]) == (code, request_id), frame
        assert ID.fullmatch(frame["Id"])
        assert frame["ErrorMessage"] and frame["ErrorMessage"].encode("utf-8")
        assert self.alice.received == [frame] and self.bob.received == []
        assert self.fake.messages(self.arn) == [] and self.fake.events(self.arn) == []
        self.still_usable()
        return frame

    def still_usable(self) -> None:
        assert not self.alice.closed
        sent = self.alice.send_message("ok", request_id="after")
        assert (sent["Type"], sent["RequestId"]) == ("MESSAGE", "after")
        assert self.bob.received[-1] == sent


@pytest.fixture(scope="module")
def world() -> tuple[FakeIvsChat, Any]:
    """One fake for the module: each case gets a fresh room, which is cheap."""
    fake = FakeIvsChat(seed=8)
    return fake, fake.client(region_name="us-west-2")


@pytest.fixture
def room(world: tuple[FakeIvsChat, Any]) -> Room:
    return Room(*world)


@pytest.fixture(scope="module")
def busy_room(world: tuple[FakeIvsChat, Any]) -> Room:
    """One room for all the examples of a hypothesis test (fixtures are not reset between them)."""
    return Room(*world, maximumMessageRatePerSecond=100)


@pytest.fixture(scope="module")
def short_room(world: tuple[FakeIvsChat, Any]) -> Room:
    return Room(*world, maximumMessageLength=5, maximumMessageRatePerSecond=100)


# ---------------------------------------------------------------------------- the corpus


def _wrong_types() -> Iterator[Any]:
    """Every field of every action, given each JSON type it must not have."""
    wrong = {"number": 7, "fraction": 1.5, "boolean": True, "array": ["x"], "object": {"a": "b"}}
    for action, valid in VALID.items():
        for field in [*valid, "RequestId"]:
            values = dict(wrong)
            if field == "Attributes":
                del values["object"]
                values.update(
                    {
                        "string": "k=v",
                        "number-value": {"k": 1},
                        "null-value": {"k": None},
                        "array-value": {"k": ["v"]},
                        "object-value": {"k": {"n": "v"}},
                    }
                )
            for kind, value in values.items():
                payload = {**valid, "RequestId": "r", field: value}
                expected_id = "" if field == "RequestId" else "r"
                yield pytest.param(payload, 400, expected_id, id=f"{action}-{field}-{kind}")


def _missing_and_empty() -> Iterator[Any]:
    required = {"SEND_MESSAGE": "Content", "DELETE_MESSAGE": "Id", "DISCONNECT_USER": "UserId"}
    for action, field in required.items():
        valid = VALID[action]
        absent = {key: value for key, value in valid.items() if key != field}
        yield pytest.param({**absent, "RequestId": "r"}, 400, "r", id=f"{action}-no-{field}")
        for kind, value in {"empty": "", "null": None}.items():
            payload = {**valid, "RequestId": "r", field: value}
            yield pytest.param(payload, 400, "r", id=f"{action}-{field}-{kind}")


def _text(value: dict[str, Any]) -> str:
    return json.dumps(value)


MB = 1_000_000
HUGE = [
    pytest.param({**VALID["SEND_MESSAGE"], "Content": "x" * 501}, 400, "", id="content-501"),
    pytest.param({**VALID["SEND_MESSAGE"], "Content": "x" * MB}, 400, "", id="content-1MB"),
    pytest.param({**VALID["SEND_MESSAGE"], "RequestId": "r" * 257}, 413, "", id="request-id-257"),
    pytest.param({**VALID["SEND_MESSAGE"], "RequestId": "r" * MB}, 413, "", id="request-id-1MB"),
    pytest.param({**VALID["DELETE_MESSAGE"], "Id": "i" * 129}, 413, "", id="id-129"),
    pytest.param({**VALID["DELETE_MESSAGE"], "Reason": "r" * 257}, 413, "", id="delete-reason"),
    pytest.param({**VALID["DISCONNECT_USER"], "UserId": "u" * 129}, 413, "", id="user-id-129"),
    pytest.param({**VALID["DISCONNECT_USER"], "Reason": "r" * MB}, 413, "", id="dc-reason-1MB"),
    pytest.param(
        {**VALID["SEND_MESSAGE"], "Attributes": {"k" * 1025: ""}}, 413, "", id="attribute-key"
    ),
    pytest.param(
        {**VALID["SEND_MESSAGE"], "Attributes": {str(i): "" for i in range(400)}},
        413,
        "",
        id="many-attributes",
    ),
    pytest.param(
        {**VALID["SEND_MESSAGE"], "Attributes": {"k": "😀" * 256}},  # 1 + 1024 bytes
        413,
        "",
        id="emoji-attributes-1025-bytes",
    ),
    pytest.param(
        {**VALID["SEND_MESSAGE"], "Attributes": {"k": "e\u0301" * 342}},  # 1 + 1026 bytes
        413,
        "",
        id="combining-attributes-1027-bytes",
    ),
]

ACTION_PROBLEMS = [
    pytest.param({"Action": action, "Content": "x", "RequestId": "r"}, 400, "r", id=label)
    for label, action in {
        "unknown": "SHOUT",
        "lowercase": "send_message",
        "empty": "",
        "leading-space": " SEND_MESSAGE",
        "trailing-nul": "SEND_MESSAGE\u0000",
        "fullwidth": "\uff33\uff25\uff2e\uff24_MESSAGE",
        "null": None,
        "huge": "A" * MB,
    }.items()
] + [pytest.param({"Content": "x", "RequestId": "r"}, 400, "r", id="missing")]

NOT_JSON = [
    pytest.param(text, 400, "", id=label)
    for label, text in {
        "empty": "",
        "blank": "   ",
        "open-brace": "{",
        "close-brace": "}",
        "words": "not json",
        "single-quotes": "{'Action': 'SEND_MESSAGE', 'Content': 'x'}",
        "trailing-comma": '{"Action": "SEND_MESSAGE", "Content": "x",}',
        "nan": "NaN",
        "minus-infinity-member": '{"Action": "SEND_MESSAGE", "Content": "x", "n": -Infinity}',
        "utf8-bom": "\ufeff" + _text(VALID["SEND_MESSAGE"]),
        "two-objects": _text(VALID["SEND_MESSAGE"]) * 2,
        "null": "null",
        "array": "[]",
        "true": "true",
        "string": '"SEND_MESSAGE"',
        "number": "42",
        "huge-number": "1e999",
        "deep-arrays": "[" * 100_000,
        "deep-objects": '{"a":' * 100_000,
        "deep-but-closed": "[" * 5_000 + "]" * 5_000,
    }.items()
] + [
    pytest.param(raw, 400, "", id=label)
    for label, raw in {
        "invalid-utf8": b"\xc3\x28",
        "encoded-surrogate": b'{"Action": "SEND_MESSAGE", "Content": "\xed\xa0\x80"}',
        "latin-1": '{"Action": "SEND_MESSAGE", "Content": "é"}'.encode("latin-1"),
        "utf-32": _text(VALID["SEND_MESSAGE"]).encode("utf-32"),
    }.items()
]


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"down": value}
    return value


NESTING = [
    pytest.param({**VALID["SEND_MESSAGE"], "RequestId": "r", "X": _deep(40)}, 400, "r", id="dict"),
    pytest.param(
        _text({**VALID["SEND_MESSAGE"], "RequestId": "r", "X": _deep(40)}), 400, "r", id="text"
    ),
]

SURROGATES = [
    pytest.param(
        '{"Action": "SEND_MESSAGE", "RequestId": "r", "Content": "\\udc00"}', 400, "r", id="esc"
    ),
    pytest.param(
        '{"Action": "SEND_MESSAGE", "RequestId": "r", "Content": "\udc00"}', 400, "r", id="raw"
    ),
    pytest.param(
        '{"Action": "SEND_MESSAGE", "RequestId": "r", "Content": "\\ude00\\ud83d"}',
        400,
        "r",
        id="reversed-pair",
    ),
    pytest.param(
        '{"Action": "SEND_MESSAGE", "RequestId": "r\\ud800", "Content": "x"}', 400, "", id="rid"
    ),
    pytest.param(
        {"Action": "SEND_MESSAGE", "RequestId": "r", "Content": "x", "Unknown": "\ud800"},
        400,
        "r",
        id="unknown-field",
    ),
    pytest.param(
        {"Action": "DELETE_MESSAGE", "RequestId": "r", "Id": "x", "Extra": {"\udbff": 1}},
        400,
        "r",
        id="nested-key",
    ),
]

CORPUS = [
    *_wrong_types(),
    *_missing_and_empty(),
    *HUGE,
    *ACTION_PROBLEMS,
    *NOT_JSON,
    *NESTING,
    *SURROGATES,
]


@pytest.mark.parametrize(("payload", "code", "request_id"), CORPUS)
def test_a_malformed_frame_gets_its_error_and_the_connection_stays_usable(
    room: Room, payload: Any, code: int, request_id: str
) -> None:
    room.refused(payload, code, request_id)


@pytest.mark.parametrize(("payload", "code", "request_id"), [*_wrong_types(), *HUGE])
def test_the_same_frames_as_json_text_get_the_same_errors(
    room: Room, payload: dict[str, Any], code: int, request_id: str
) -> None:
    room.refused(json.dumps(payload), code, request_id)


def test_a_request_without_the_capability_is_refused_before_its_fields_are_read(
    world: tuple[FakeIvsChat, Any],
) -> None:
    fake, client = world
    room = Room(fake, client)
    token = client.create_chat_token(roomIdentifier=room.arn, userId="mute", capabilities=[])
    mute = fake.connect(token["token"])
    frame = mute.send({"Action": "SEND_MESSAGE", "Content": 5, "RequestId": "r"})
    assert (frame["ErrorCode"], frame["RequestId"]) == (403, "r")
    assert room.alice.received == room.bob.received == []


# -------------------------------------------------------------------- counting length

EMOJI_FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 3 emoji + 2 joiners: 5 code points


@pytest.mark.parametrize(
    ("content", "delivered"),
    [
        pytest.param("😀" * 5, True, id="5-emoji"),
        pytest.param("😀" * 6, False, id="6-emoji"),
        pytest.param("e\u0301" * 2 + "a", True, id="2-letters-with-marks-and-a-letter"),
        pytest.param("e\u0301" * 3, False, id="3-letters-with-marks-are-6"),
        pytest.param(EMOJI_FAMILY, True, id="zwj-family-is-5"),
        pytest.param(EMOJI_FAMILY + "!", False, id="zwj-family-and-more"),
        pytest.param("🇫🇷🇩🇪", True, id="two-flags-are-4"),
        pytest.param("中文字符串", True, id="cjk"),
        pytest.param("中文字符串!", False, id="cjk-6"),
    ],
)
def test_message_length_counts_code_points(
    world: tuple[FakeIvsChat, Any], content: str, delivered: bool
) -> None:
    room = Room(*world, maximumMessageLength=5)
    if delivered:
        frame = room.alice.send_message(content, request_id="r")
        assert (frame["Type"], frame["Content"]) == ("MESSAGE", content)
        assert room.bob.received == [frame]
    else:
        frame = room.refused(
            {"Action": "SEND_MESSAGE", "Content": content, "RequestId": "r"}, 400, "r"
        )
        assert frame["ErrorMessage"] == (
            f"Message content must be at most 5 characters (got {len(content)})."
        )


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("😀" * 255 + "abc", id="emoji-1024-bytes"),
        pytest.param("e\u0301" * 341, id="combining-1024-bytes"),
        pytest.param("中" * 341, id="cjk-1024-bytes"),
    ],
)
def test_attributes_up_to_1kb_of_utf8_are_delivered(room: Room, value: str) -> None:
    assert len(b"k" + value.encode()) == 1024
    frame = room.alice.send_message("x", {"k": value})
    assert frame["Attributes"] == {"k": value}


def test_unknown_fields_and_nulls_for_optional_fields_are_ignored(room: Room) -> None:
    frame = room.alice.send(
        {
            **VALID["SEND_MESSAGE"],
            "Attributes": None,
            "RequestId": None,
            "Unknown": {"nested": [1, 2.5, None, True, "x" * 10_000]},
        }
    )
    assert (frame["Type"], frame["Attributes"], frame["RequestId"]) == ("MESSAGE", {}, "")


# --------------------------------------------------------------------------- hypothesis

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12) | st.sampled_from(
    ["\ud800", "a\udfff", "😀", "e\u0301", "SEND_MESSAGE", ""]
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | ANY_TEXT
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=6,
)
REQUESTS = st.fixed_dictionaries(
    {"Action": st.sampled_from([*ACTIONS, "SHOUT"]) | JSON_VALUES},
    optional={
        "RequestId": ANY_TEXT | JSON_VALUES,
        "Content": ANY_TEXT | JSON_VALUES,
        "Attributes": st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=3) | JSON_VALUES,
        "Id": ANY_TEXT | JSON_VALUES,
        "UserId": ANY_TEXT | JSON_VALUES,
        "Reason": ANY_TEXT | JSON_VALUES,
        "Extra": JSON_VALUES,
    },
)
QUICK = settings(
    derandomize=True,
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _valid_text(value: Any) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _expected_request_id(request: dict[str, Any]) -> str:
    value = request.get("RequestId")
    if isinstance(value, str) and len(value) <= 256 and _valid_text(value):
        return value
    return ""


def _check_answer(room: Room, frame: Mapping[str, Any]) -> None:
    """Any answer: a frame of a known type, whose every string is valid Unicode."""
    assert frame["Type"] in ("MESSAGE", "EVENT", "ERROR")
    json.dumps(frame, ensure_ascii=False).encode("utf-8")  # no surrogate is ever delivered
    if frame["Type"] == "ERROR":
        assert frame["ErrorCode"] in ERROR_CODES
        assert room.alice.received[-1] == frame and frame not in room.bob.received
    else:
        assert room.alice.received[-1] == frame and room.bob.received[-1] == frame
    assert not room.alice.closed and not room.bob.closed


@QUICK
@given(request=REQUESTS, as_text=st.booleans())
def test_any_json_request_gets_a_frame_never_an_exception(
    busy_room: Room, request: dict[str, Any], as_text: bool
) -> None:
    room = busy_room
    frame = room.alice.send(json.dumps(request) if as_text else request)
    _check_answer(room, frame)
    if frame["Type"] == "ERROR" and frame["ErrorCode"] != 429:
        assert frame["RequestId"] == _expected_request_id(request)


@QUICK
@given(payload=st.binary(max_size=40) | st.text(st.characters(exclude_categories=()), max_size=40))
def test_any_text_or_bytes_get_a_frame_never_an_exception(
    busy_room: Room, payload: bytes | str
) -> None:
    _check_answer(busy_room, busy_room.alice.send(payload))


@QUICK
@given(content=st.text(max_size=8), values=st.dictionaries(st.text(), st.text(), max_size=4))
def test_lengths_count_code_points_and_attribute_sizes_count_utf8_bytes(
    short_room: Room, content: str, values: dict[str, str]
) -> None:
    frame = short_room.alice.send_message(content, values)
    size = sum(len(k.encode()) + len(v.encode()) for k, v in values.items())
    if frame["Type"] == "ERROR" and frame["ErrorCode"] == 429:
        return
    if not content or len(content) > 5:
        assert frame["ErrorCode"] == 400
    elif size > 1024:
        assert frame["ErrorCode"] == 413
    else:
        assert (frame["Content"], frame["Attributes"]) == (content, values)
