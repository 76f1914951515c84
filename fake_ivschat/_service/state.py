"""The whole state of one fake's service: what every account and region shares (ids, the token
key, quotas, options, messaging, chat logs, one lock) and the state of each (account, region)."""

from __future__ import annotations

import threading

from .backend import RegionState
from .chatlog_records import ChatLog
from .chatlogs import ChatLogDelivery
from .ids import IdGenerator
from .messaging import Messaging
from .options import Options, Quotas
from .resources import Room
from .tokens import TokenSealer
from .waiting import Changes

# The close_reason of the connections a reset closes.
RESET = "reset"


class ServiceState:
    """One fake's service: what every (account, region) shares, and each one's RegionState."""

    def __init__(self, seed: int | None, quotas: Quotas, options: Options) -> None:
        self.lock = threading.RLock()  # one fake, one lock: every call and publish holds it
        # Notified on each record and delivery; kept across resets, which waits span.
        self.changes = Changes(self.lock)
        self.seed = seed
        self.quotas = quotas
        self.options = options
        self._fresh()

    def _fresh(self) -> None:
        """Everything a reset forgets: ids restart, a new token key, no regions, no connections,
        no delivered frames or chat-log records."""
        self.ids = IdGenerator(self.seed)
        self.sealer = TokenSealer()
        self.regions: dict[tuple[str, str], RegionState] = {}
        log_records = ChatLog(self)
        self.messaging = Messaging(
            self.lock, self.ids, self.sealer, self.quotas, self.find_room, log_records, self.changes
        )
        self.log_delivery = ChatLogDelivery(self.lock, log_records)
        # How long clients' retries would have slept so far: API rate windows count it as time.
        self.retry_wait_ns = 0

    def reset(self) -> None:
        """The state of a fresh fake with the same options (quotas as they are now): every open
        connection closed (``close_reason`` "reset"), tokens issued so far invalid."""
        with self.lock:
            self.messaging.close_all(RESET)
            self._fresh()

    def region(self, account_id: str, region: str) -> RegionState:
        """The state of ``account_id`` in ``region``, made on first use."""
        state = self.regions.get((account_id, region))
        if state is None:
            state = self.regions[(account_id, region)] = RegionState(account_id, region, self)
        return state

    def region_of(self, arn: str) -> RegionState | None:
        """The state of the account and region an ARN names, if it has any."""
        parts = arn.split(":")
        return self.regions.get((parts[4], parts[3])) if len(parts) > 5 else None

    def find_room(self, arn: str) -> Room | None:
        """The room ``arn`` names, in whichever account and region it is; None if none is."""
        state = self.region_of(arn)
        return state.rooms.get(arn) if state is not None else None


__all__ = ["ServiceState"]
