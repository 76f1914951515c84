"""Arranging state up front: a room or logging configuration made by the service's own create
operation (the same validation, quotas and references), with an id, account, region and times a
test chose, and not recorded as a call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .._hints import describe
from . import clock, model
from .errors import ServiceError
from .options import DEFAULT_REGION
from .regions import check_region
from .resources import LoggingConfiguration, Room
from .state import ServiceState
from .validate import problems, validate


@dataclass(frozen=True)
class Kind:
    """A kind of resource that can be arranged, and where the model and the state hold it."""

    noun: str  # in messages: "room"
    arn_kind: str  # the ARN's resource type: "room"
    create: str  # the operation that makes one: "CreateRoom"
    describe: str  # the operation that describes one: "GetRoom"
    id_shape: str  # the model's shape of its id: "RoomID"
    arn_shape: str  # the model's shape of its ARN: "RoomArn"
    table: str  # the RegionState attribute holding them by ARN: "rooms"
    index: str  # the RegionState attribute listing them in order: "room_index"
    example: str  # an id to show in messages


ROOM = Kind(
    "room",
    "room",
    "CreateRoom",
    "GetRoom",
    "RoomID",
    "RoomArn",
    "rooms",
    "room_index",
    "abcdEFGH1234",
)
LOGGING_CONFIGURATION = Kind(
    "logging configuration",
    "logging-configuration",
    "CreateLoggingConfiguration",
    "GetLoggingConfiguration",
    "LoggingConfigurationID",
    "LoggingConfigurationArn",
    "logging_configurations",
    "logging_configuration_index",
    "ABCDefgh5678",
)
_ARN = re.compile(
    r"arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):"
    r"(?P<account>[^:]*):(?P<kind>[^/]*)/(?P<id>.*)"
)


@dataclass(frozen=True)
class Identity:
    """Where an arranged resource lives, and its id (None: drawn as the service draws one)."""

    account_id: str
    region: str
    resource_id: str | None


def arrange(
    state: ServiceState,
    kind: Kind,
    identity: Identity,
    times: tuple[datetime | None, datetime | None],
    params: dict[str, Any],
) -> dict[str, Any]:
    """Make the resource through ``kind.create`` with ``params``; return its description (the
    body of ``kind.describe``). ValueError for anything the service would refuse."""
    create_ms, update_ms = _times(*times)
    method = model.method_name(kind.create)
    region = state.region(identity.account_id, identity.region)
    if identity.resource_id is not None:
        arn = arn_of(kind, identity.account_id, identity.region, identity.resource_id)
        if arn in getattr(region, kind.table):
            raise ValueError(f"a {kind.noun} {arn} already exists in this fake")
    try:
        validate(kind.create, params)
        with state.ids.choosing(identity.resource_id):
            arn = getattr(region, method)(params)["arn"]
    except ServiceError as error:
        raise ValueError(
            f"{kind.create} would refuse this {kind.noun}: {error.code}: {error.message}"
        ) from None
    resource: Room | LoggingConfiguration = getattr(region, kind.table)[arn]
    if isinstance(resource, LoggingConfiguration):  # there before the test: settled
        resource.state, resource.polls_left = "ACTIVE", 0
    resource.create_ms = create_ms
    resource.update_ms = update_ms
    getattr(region, kind.index).put(arn, update_ms, create_ms, resource)
    described: dict[str, Any] = getattr(region, model.method_name(kind.describe))(
        {"identifier": arn}
    )
    return described


def identity(
    kind: Kind,
    arn_or_id: str | None,
    region_name: str | None,
    account_id: str | None,
    default_account: str,
) -> Identity:
    """The account, region and id named by an ARN or an id (with ``region_name`` and
    ``account_id``, which must agree with an ARN); TypeError or ValueError saying what to pass."""
    for name, value in (
        ("arn_or_id", arn_or_id),
        ("region_name", region_name),
        ("account_id", account_id),
    ):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str or None, got {describe(value)}")
    if arn_or_id is None or not arn_or_id.startswith("arn:"):
        account = account_id or default_account
        region = region_name or DEFAULT_REGION
        check_region(region)
        if arn_or_id is not None:
            _check_id(kind, arn_or_id)
        _check_arn(kind, arn_of(kind, account, region, arn_or_id or kind.example))
        return Identity(account, region, arn_or_id)
    parts = _ARN.fullmatch(arn_or_id)
    if parts is None or (parts["partition"], parts["service"]) != ("aws", "ivschat"):
        raise ValueError(f"{arn_or_id!r} is not an ivschat ARN; {_wanted(kind)}")
    if parts["kind"] != kind.arn_kind:
        raise ValueError(
            f"{arn_or_id!r} is the ARN of a {parts['kind']}, not of a {kind.noun}; {_wanted(kind)}"
        )
    for name, given, found in (
        ("region_name", region_name, parts["region"]),
        ("account_id", account_id, parts["account"]),
    ):
        if given is not None and given != found:
            raise ValueError(f"{name}={given!r} disagrees with the ARN {arn_or_id!r}; pass either")
    _check_id(kind, parts["id"])
    _check_arn(kind, arn_or_id)
    return Identity(parts["account"], parts["region"], parts["id"])


def arn_of(kind: Kind, account_id: str, region: str, resource_id: str) -> str:
    return f"arn:aws:ivschat:{region}:{account_id}:{kind.arn_kind}/{resource_id}"


def _wanted(kind: Kind) -> str:
    example = arn_of(kind, "123456789012", "us-west-2", kind.example)
    return f"pass a {kind.noun} ARN such as {example!r}, or just its id ({kind.example!r})"


def _check_id(kind: Kind, resource_id: str) -> None:
    if problems(model.service_model().shape_for(kind.id_shape), resource_id):
        raise ValueError(
            f"{resource_id!r} is not a {kind.noun} id: the service's ids are 12 letters or digits,"
            f" such as {kind.example!r}"
        )


def _check_arn(kind: Kind, arn: str) -> None:
    """The ARN fits the model's shape, with a 12-digit account (the shape takes any digits) and
    a region name (the shape takes any ``[a-z0-9-]+``)."""
    _, _, _, region, account, _ = arn.split(":", 5)
    check_region(region)
    if not re.fullmatch(r"[0-9]{12}", account):
        raise ValueError(f"the account must be a 12-digit AWS account ID, got {account!r}")
    if problems(model.service_model().shape_for(kind.arn_shape), arn):  # cannot happen now
        raise ValueError(f"{arn!r} does not fit the model's {kind.arn_shape}")


def _times(create: datetime | None, update: datetime | None) -> tuple[int, int]:
    """The creation and update times in milliseconds: now and the creation time by default."""
    for name, value in (("create_time", create), ("update_time", update)):
        if value is None:
            continue
        if not isinstance(value, datetime):
            raise TypeError(f"{name} must be a datetime or None, got {describe(value)}")
        if value.utcoffset() is None:
            raise ValueError(
                f"{name} must be timezone-aware, such as datetime(2024, 5, 1,"
                f" tzinfo=timezone.utc), got {value!r}"
            )
    create_ms = _ms(create) if create is not None else clock.to_ms(clock.now_ns())
    update_ms = _ms(update) if update is not None else create_ms
    if update_ms < create_ms:
        raise ValueError(f"update_time {update} is before create_time {create}")
    return create_ms, update_ms


def _ms(value: datetime) -> int:
    # Exact integer arithmetic: a float timestamp could round a millisecond off.
    return (value - _EPOCH) // timedelta(milliseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


__all__ = ["LOGGING_CONFIGURATION", "ROOM", "Identity", "Kind", "arrange", "identity"]
