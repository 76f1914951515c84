"""The service's state for one (account, region), with one method per API operation.

Methods take the request parameters as the wire decoded them (already validated against the
model) and return the JSON-ready response body, or raise a modelled ServiceError. Nothing here
knows about botocore or HTTP.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from .._frozen import FrozenDict
from .._records import made
from . import clock
from .connection import ROOM_DELETED
from .errors import (
    MESSAGES,
    ConflictException,
    ResourceNotFoundException,
    ServiceError,
    ServiceQuotaExceededException,
    ThrottlingException,
)
from .ids import IdGenerator
from .messaging import Messaging
from .options import Options, Quotas
from .pagination import SortedIndex, page
from .resources import LoggingConfiguration, Room, copy_destination
from .tags import check_tags, tags_added, tags_removed
from .tokens import ChatTokenClaims, TokenSealer
from .validate import invalid

RESOURCE_TYPE = "ROOM"  # the model's only ResourceType, used for logging configurations too


class Shared(Protocol):
    """What a RegionState uses of the state every region of a fake shares (state.ServiceState)."""

    ids: IdGenerator
    sealer: TokenSealer
    quotas: Quotas
    options: Options
    messaging: Messaging
    retry_wait_ns: int


class RegionState:
    """Rooms, logging configurations and rate windows of one account in one region."""

    def __init__(self, account_id: str, region: str, shared: Shared) -> None:
        self.account_id = account_id
        self.region = region
        self.shared = shared
        self.rooms: dict[str, Room] = {}
        self.room_index: SortedIndex[Room] = SortedIndex()
        self.logging_configurations: dict[str, LoggingConfiguration] = {}
        self.logging_configuration_index: SortedIndex[LoggingConfiguration] = SortedIndex()
        self._api_rates = clock.PerSecondLimiter()

    # ----------------------------------------------------------------------------- rooms

    def create_room(self, params: dict[str, Any]) -> dict[str, Any]:
        tags = params.get("tags", {})
        check_tags(tags)
        logging_ids = self._logging_references(
            params.get("loggingConfigurationIdentifiers", []), may_conflict=True
        )
        handler = params.get("messageReviewHandler")
        if handler is not None:
            handler = self._review_handler(handler, None)
        # The request is checked before the quota: a bad request is reported as such even when
        # the quota is also reached.
        self._check_quota("rooms", len(self.rooms), self.shared.quotas.rooms)
        now = clock.to_ms(clock.now_ns())
        room_id = self.shared.ids.resource_id()
        room = Room(
            arn=self._arn("room", room_id),
            id=room_id,
            name=params.get("name", ""),
            create_ms=now,
            update_ms=now,
            maximum_message_length=params.get("maximumMessageLength", 500),
            maximum_message_rate_per_second=params.get("maximumMessageRatePerSecond", 10),
            message_review_handler=handler,
            tags=dict(tags),
            logging_configuration_identifiers=logging_ids,
        )
        self.rooms[room.arn] = room
        self.room_index.put(room.arn, room.update_ms, room.create_ms, room)
        return room.describe()

    def get_room(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.room(params["identifier"]).describe()

    def update_room(self, params: dict[str, Any]) -> dict[str, Any]:
        room = self.room(params["identifier"])
        if "loggingConfigurationIdentifiers" in params:
            ids = self._logging_references(
                params["loggingConfigurationIdentifiers"], may_conflict=False
            )
        if "messageReviewHandler" in params:
            handler = self._review_handler(params["messageReviewHandler"], room)
        # Everything is checked: now apply, so that a failed call changes nothing.
        if "loggingConfigurationIdentifiers" in params:
            room.logging_configuration_identifiers = ids
        if "messageReviewHandler" in params:
            room.message_review_handler = handler
        room.name = params.get("name", room.name)
        room.maximum_message_length = params.get(
            "maximumMessageLength", room.maximum_message_length
        )
        room.maximum_message_rate_per_second = params.get(
            "maximumMessageRatePerSecond", room.maximum_message_rate_per_second
        )
        room.update_ms = max(clock.to_ms(clock.now_ns()), room.update_ms)
        self.room_index.put(room.arn, room.update_ms, room.create_ms, room)
        return room.describe()

    def delete_room(self, params: dict[str, Any]) -> None:
        room = self.room(params["identifier"])
        self.shared.messaging.close_room(room.arn, ROOM_DELETED)
        del self.rooms[room.arn]
        self.room_index.remove(room.arn)

    def list_rooms(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("name")
        uri = params.get("messageReviewHandlerUri")
        logging_id = params.get("loggingConfigurationIdentifier")
        if logging_id is not None:
            self.logging_configuration(logging_id)

        def keep(room: Room) -> bool:
            return (
                (name is None or room.name == name)
                # A room without a handler matches the empty URI, like one whose URI was cleared.
                and (uri is None or (room.message_review_handler or {}).get("uri", "") == uri)
                and (logging_id is None or logging_id in room.logging_configuration_identifiers)
            )

        scope = self._scope("ListRooms", name=name, uri=uri, logging=logging_id)
        rooms, token = page(
            self.room_index, scope, params.get("nextToken"), params.get("maxResults", 50), keep
        )
        return _with_token({"rooms": [room.summary() for room in rooms]}, token)

    # ------------------------------------------------------------ logging configurations

    def create_logging_configuration(self, params: dict[str, Any]) -> dict[str, Any]:
        tags = params.get("tags", {})
        check_tags(tags)
        existing = sum(1 for config in self.logging_configurations.values() if not config.gone)
        quota = self.shared.quotas.logging_configurations
        self._check_quota("logging configurations", existing, quota)
        now = clock.to_ms(clock.now_ns())
        config_id = self.shared.ids.resource_id()
        config = LoggingConfiguration(
            arn=self._arn("logging-configuration", config_id),
            id=config_id,
            name=params.get("name", ""),
            destination=copy_destination(params["destinationConfiguration"]),
            create_ms=now,
            update_ms=now,
            tags=dict(tags),
        )
        config.enter("CREATING", self.shared.options.logging_state_polls)
        self.logging_configurations[config.arn] = config
        self.logging_configuration_index.put(config.arn, now, now, config)
        return config.describe("ACTIVE")  # the model allows only ACTIVE in this response

    def get_logging_configuration(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.logging_configuration(params["identifier"]).observed().describe()

    def update_logging_configuration(self, params: dict[str, Any]) -> dict[str, Any]:
        config = self.logging_configuration(params["identifier"])
        self._require_active(config)
        if "destinationConfiguration" in params:
            config.destination = copy_destination(params["destinationConfiguration"])
        config.name = params.get("name", config.name)
        config.update_ms = max(clock.to_ms(clock.now_ns()), config.update_ms)
        self.logging_configuration_index.put(config.arn, config.update_ms, config.create_ms, config)
        config.enter("UPDATING", self.shared.options.logging_state_polls)
        return config.describe("ACTIVE")

    def delete_logging_configuration(self, params: dict[str, Any]) -> None:
        config = self.logging_configuration(params["identifier"])
        self._require_active(config)
        users = [
            room
            for room in self.rooms.values()
            if config.arn in room.logging_configuration_identifiers
        ]
        if users and self.shared.options.conflict_on_attached_logging_delete:
            raise ConflictException(
                MESSAGES["attached"].format(arn=config.arn, rooms=len(users)),
                resourceId=config.id,
                resourceType=RESOURCE_TYPE,
            )
        for room in users:
            room.logging_configuration_identifiers.remove(config.arn)
        if not config.enter("DELETING", self.shared.options.logging_state_polls):
            self._forget(config)

    def list_logging_configurations(self, params: dict[str, Any]) -> dict[str, Any]:
        scope = self._scope("ListLoggingConfigurations")
        configs, token = page(
            self.logging_configuration_index,
            scope,
            params.get("nextToken"),
            params.get("maxResults", 50),
            lambda config: not config.gone,
        )
        described = [self.logging_configuration(c.arn).observed().describe() for c in configs]
        return _with_token({"loggingConfigurations": described}, token)

    def _require_active(self, config: LoggingConfiguration) -> None:
        if config.state != "ACTIVE":
            raise ConflictException(
                MESSAGES["unsettled"].format(arn=config.arn, state=config.state),
                resourceId=config.id,
                resourceType=RESOURCE_TYPE,
            )

    def _check_quota(self, noun: str, existing: int, quota: int) -> None:
        if existing >= quota:
            raise ServiceQuotaExceededException(
                MESSAGES["quota"].format(quota=quota, noun=noun),
                resourceId=self.account_id,
                resourceType=RESOURCE_TYPE,
                limit=quota,
            )

    def _forget(self, config: LoggingConfiguration) -> None:
        self.logging_configurations.pop(config.arn, None)
        self.logging_configuration_index.remove(config.arn)

    # ------------------------------------------------------------------ chat and events

    def create_chat_token(self, params: dict[str, Any]) -> dict[str, Any]:
        room = self.room(params["roomIdentifier"])
        now = clock.now_ns()
        minutes = params.get("sessionDurationInMinutes", 60)
        claims = made(
            ChatTokenClaims,
            token_id=self.shared.ids.resource_id(),
            room_arn=room.arn,
            user_id=params["userId"],
            capabilities=tuple(params.get("capabilities", ())),
            attributes=FrozenDict(params.get("attributes", {})),
            session_duration_minutes=minutes,
            token_expiration_ns=now
            + self.shared.quotas.token_lifetime_seconds * clock.NS_PER_SECOND,
            session_expiration_ns=now + minutes * 60 * clock.NS_PER_SECOND,
        )
        return {
            "token": self.shared.sealer.seal(claims),
            "tokenExpirationTime": clock.iso_ms(claims.token_expiration_ns // clock.NS_PER_MS),
            "sessionExpirationTime": clock.iso_ms(claims.session_expiration_ns // clock.NS_PER_MS),
        }

    def send_event(self, params: dict[str, Any]) -> dict[str, Any]:
        room = self._throttled_room("SendEvent", params["roomIdentifier"])
        event_id = self.shared.messaging.publish_event(
            room, params["eventName"], params.get("attributes", {})
        )
        return {"id": event_id}

    def delete_message(self, params: dict[str, Any]) -> dict[str, Any]:
        room = self._throttled_room("DeleteMessage", params["roomIdentifier"])
        event_id = self.shared.messaging.publish_delete(
            room, params["id"], params.get("reason", "")
        )
        return {"id": event_id}

    def disconnect_user(self, params: dict[str, Any]) -> dict[str, Any]:
        room = self._throttled_room("DisconnectUser", params["roomIdentifier"])
        self.shared.messaging.publish_disconnect(room, params["userId"], params.get("reason", ""))
        return {}

    def _throttled_room(self, operation: str, identifier: str) -> Room:
        # The rate is enforced before the room is looked up, as a front door does: a call about
        # a missing room still uses up the second's allowance. Retries never sleep against the
        # fake, so the windows add the backoff they skipped: a retry lands where it would have.
        limit = self.shared.quotas.api_rates.get(operation)
        if limit is not None and not self._api_rates.take(
            operation, limit, clock.now_ns() + self.shared.retry_wait_ns
        ):
            raise ThrottlingException(
                MESSAGES["throttled"].format(operation=operation, limit=limit),
                resourceId=_resource_id(identifier),
                resourceType=RESOURCE_TYPE,
                limit=limit,
            )
        return self.room(identifier)

    # ---------------------------------------------------------------------------- tags

    def tag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        resource = self._taggable(params["resourceArn"])
        resource.tags = tags_added(resource.tags, params["tags"])
        return {}

    def untag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        resource = self._taggable(params["resourceArn"])
        resource.tags = tags_removed(resource.tags, params["tagKeys"])
        return {}

    def list_tags_for_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"tags": dict(self._taggable(params["resourceArn"]).tags)}

    def _taggable(self, arn: str) -> Room | LoggingConfiguration:
        if ":logging-configuration/" in arn:
            return self.logging_configuration(arn)
        return self.room(arn)

    # ------------------------------------------------------------------------- lookups

    def room(self, arn: str) -> Room:
        room = self.rooms.get(arn)
        if room is None:
            raise _not_found(arn)
        return room

    def logging_configuration(self, arn: str) -> LoggingConfiguration:
        config = self.logging_configurations.get(arn)
        if config is not None and not config.settle():
            self._forget(config)
            config = None
        if config is None:
            raise _not_found(arn)
        return config

    def _logging_references(self, arns: list[str], *, may_conflict: bool) -> list[str]:
        """The checked list of a room's logging configurations.

        One that is not ACTIVE is a ConflictException where the operation models it (CreateRoom);
        UpdateRoom cannot raise Conflict, so there one being deleted is already not found and one
        being created or updated is accepted.
        """
        if len(set(arns)) != len(arns):
            raise invalid("loggingConfigurationIdentifiers", arns, MESSAGES["duplicate_logging"])
        for arn in arns:
            config = self.logging_configuration(arn)
            if may_conflict:
                self._require_active(config)
            elif config.state == "DELETING":
                raise _not_found(arn)
        return list(arns)

    def _review_handler(self, given: dict[str, str], room: Room | None) -> dict[str, str]:
        current = (room.message_review_handler if room else None) or {}
        uri = given.get("uri", current.get("uri", ""))
        fallback = given.get("fallbackResult", current.get("fallbackResult", "ALLOW"))
        if uri:
            parts = uri.split(":")
            region, account = parts[3], parts[4]
            if (region, account) != (self.region, self.account_id):
                constraint = MESSAGES["foreign_lambda"].format(
                    account=self.account_id, region=self.region
                )
                raise invalid("messageReviewHandler.uri", uri, constraint)
        return {"uri": uri, "fallbackResult": fallback}

    def _arn(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:ivschat:{self.region}:{self.account_id}:{kind}/{resource_id}"

    def _scope(self, operation: str, **filters: Any) -> dict[str, Any]:
        return {"op": operation, "account": self.account_id, "region": self.region, **filters}


_NOT_IN_ID = re.compile(r"[^a-zA-Z0-9]")


def _not_found(arn: str) -> ServiceError:
    noun = "Logging configuration" if ":logging-configuration/" in arn else "Room"
    return ResourceNotFoundException(
        MESSAGES["not_found"].format(noun=noun, arn=arn),
        resourceId=_resource_id(arn),
        resourceType=RESOURCE_TYPE,
    )


def _resource_id(arn: str) -> str:
    """The id part of a resource ARN, as the modelled errors carry it in ``resourceId``.

    Identifiers may hold ``-`` in their id part, resource ids never do (the model's ResourceId is
    ``[a-zA-Z0-9]+``): such an id is shown without its other characters, and as ``none`` when
    nothing is left, so that the error always fits the model.
    """
    return _NOT_IN_ID.sub("", arn.rpartition("/")[2]) or "none"


def _with_token(body: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token is not None:
        body["nextToken"] = token
    return body


__all__ = ["RegionState"]
