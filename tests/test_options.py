"""Options are checked where they are written: FakeIvsChat(...), mock_ivschat(...) and Quotas,
at construction and when a quota is changed later; each error names the option and what it
accepts. (The marker's options: test_plugin.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from fake_ivschat import FakeIvsChat, Quotas, mock_ivschat

ACCOUNT = "a 12-digit AWS account ID string such as '123456789012'"

BAD_OPTIONS: list[tuple[dict[str, Any], type[Exception], str]] = [
    (
        {"quotas": {"rooms": 1}},
        TypeError,
        "quotas must be a Quotas, got {'rooms': 1} (dict); build one with"
        " `from fake_ivschat import Quotas` and quotas=Quotas(rooms=1)",
    ),
    ({"account_id": "abc"}, ValueError, f"account_id must be {ACCOUNT}, got 'abc'"),
    ({"account_id": ""}, ValueError, f"account_id must be {ACCOUNT}, got ''"),
    (
        {"account_id": "1234567890123"},
        ValueError,
        f"account_id must be {ACCOUNT}, got '1234567890123'",
    ),
    ({"account_id": None}, TypeError, f"account_id must be {ACCOUNT}, got None (NoneType)"),
    (
        {"account_id": 123456789012},
        TypeError,
        f"account_id must be {ACCOUNT}, got 123456789012 (int)",
    ),
    ({"seed": True}, TypeError, "seed must be an int or None, got True (bool)"),
    ({"seed": "7"}, TypeError, "seed must be an int or None, got '7' (str)"),
    (
        {"logging_state_polls": "2"},
        TypeError,
        "logging_state_polls must be an int >= 0, got '2' (str)",
    ),
    ({"logging_state_polls": -1}, ValueError, "logging_state_polls must be an int >= 0, got -1"),
    (
        {"conflict_on_attached_logging_delete": "no"},
        TypeError,
        "conflict_on_attached_logging_delete must be True or False, got 'no' (str)",
    ),
]
IDS = [
    next(iter(options)) + "=" + repr(next(iter(options.values()))) for options, *_ in BAD_OPTIONS
]


@pytest.mark.parametrize(("options", "error", "message"), BAD_OPTIONS, ids=IDS)
def test_bad_options_are_refused_by_the_fake(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        FakeIvsChat(**options)
    assert str(info.value) == message


@pytest.mark.parametrize(("options", "error", "message"), BAD_OPTIONS, ids=IDS)
def test_bad_options_are_refused_by_mock_ivschat_before_any_use(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        mock_ivschat(**options)  # not entered, not decorating anything yet
    assert str(info.value) == f"mock_ivschat(): {message}"


def test_good_options_are_taken() -> None:
    fake = FakeIvsChat(
        "000000000000",
        seed=0,
        quotas=Quotas(rooms=0, api_rates={}),
        logging_state_polls=0,
        conflict_on_attached_logging_delete=False,
    )
    assert (fake.account_id, fake.quotas.rooms, fake.quotas.api_rates) == ("000000000000", 0, {})
    with mock_ivschat(seed=None, quotas=None) as active:
        assert active.quotas == Quotas()


BAD_QUOTAS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"rooms": "5"}, TypeError, "Quotas.rooms must be an int >= 0, got '5' (str)"),
    ({"rooms": True}, TypeError, "Quotas.rooms must be an int >= 0, got True (bool)"),
    ({"rooms": 2.0}, TypeError, "Quotas.rooms must be an int >= 0, got 2.0 (float)"),
    (
        {"logging_configurations": -1},
        ValueError,
        "Quotas.logging_configurations must be an int >= 0, got -1",
    ),
    (
        {"token_lifetime_seconds": 0},
        ValueError,
        "Quotas.token_lifetime_seconds must be an int >= 1, got 0",
    ),
    (
        {"review_handler_timeout_ms": None},
        TypeError,
        "Quotas.review_handler_timeout_ms must be an int >= 1, got None (NoneType)",
    ),
    (
        {"api_rates": [("SendEvent", 5)]},
        TypeError,
        "Quotas.api_rates must be a dict of operation name to calls per second, e.g."
        " {'SendEvent': 10}, got [('SendEvent', 5)] (list)",
    ),
    (
        {"api_rates": {"send_event": 5}},
        ValueError,
        "'send_event' is not an operation that can be throttled (a key of Quotas.api_rates);"
        " did you mean 'SendEvent'?",
    ),
    (
        {"api_rates": {"CreateRoom": 5}},
        ValueError,
        "'CreateRoom' is not an operation that can be throttled (a key of Quotas.api_rates);"
        " one of DeleteMessage, DisconnectUser, SendEvent",
    ),
    (
        {"api_rates": {"SendEvent": "10"}},
        TypeError,
        "Quotas.api_rates['SendEvent'] (calls per second) must be an int >= 0, got '10' (str)",
    ),
]
QUOTA_IDS = [next(iter(q)) + "=" + repr(next(iter(q.values()))) for q, *_ in BAD_QUOTAS]


@pytest.mark.parametrize(("quotas", "error", "message"), BAD_QUOTAS, ids=QUOTA_IDS)
def test_bad_quotas_are_refused_at_construction(
    quotas: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        Quotas(**quotas)
    assert str(info.value) == message


@pytest.mark.parametrize(("quotas", "error", "message"), BAD_QUOTAS, ids=QUOTA_IDS)
def test_bad_quotas_are_refused_when_set_later(
    quotas: dict[str, Any], error: type[Exception], message: str
) -> None:
    fake = FakeIvsChat()
    ((name, value),) = quotas.items()
    with pytest.raises(error) as info:
        setattr(fake.quotas, name, value)
    assert str(info.value) == message
    assert fake.quotas == Quotas()  # unchanged
    fake.client().create_room()  # and still usable


def test_api_rates_entries_are_checked_when_changed_in_place() -> None:
    rates = FakeIvsChat().quotas.api_rates
    with pytest.raises(ValueError, match=r"'sendEvent' is not .*; did you mean 'SendEvent'\?"):
        rates["sendEvent"] = 5
    with pytest.raises(TypeError, match=r"api_rates\['SendEvent'\] .* got 1.5 \(float\)"):
        rates.update(SendEvent=1.5)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="'GetRoom' is not an operation that can be throttled"):
        rates.setdefault("GetRoom", 1)
    with pytest.raises(TypeError, match=r"api_rates\['DeleteMessage'\] .* got '1' \(str\)"):
        rates |= {"DeleteMessage": "1"}  # type: ignore[dict-item]
    assert rates == {"SendEvent": 100, "DeleteMessage": 100, "DisconnectUser": 100}
    rates["SendEvent"] = 1
    del rates["DisconnectUser"]
    assert rates == {"SendEvent": 1, "DeleteMessage": 100}


def test_a_misspelt_quota_is_refused() -> None:
    quotas = Quotas()
    with pytest.raises(AttributeError) as info:
        quotas.room = 3  # type: ignore[attr-defined]  # a typo, on purpose
    assert str(info.value) == "Quotas has no quota 'room'; did you mean 'rooms'?"
    with pytest.raises(AttributeError) as info:
        quotas.messages_per_second = 3  # type: ignore[attr-defined]
    assert str(info.value) == (
        "Quotas has no quota 'messages_per_second'; its quotas are rooms, logging_configurations,"
        " api_rates, token_lifetime_seconds, review_handler_timeout_ms"
    )


def test_a_quota_changed_later_applies(fake: FakeIvsChat, client: Any) -> None:
    fake.quotas.rooms = 1
    client.create_room()
    with pytest.raises(client.exceptions.ServiceQuotaExceededException):
        client.create_room()
