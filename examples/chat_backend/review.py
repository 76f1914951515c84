"""The message review Lambda: IVS Chat calls ``handler`` with each message before delivering it."""

from __future__ import annotations

import re
from typing import Any

LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
BLOCKED_WORDS = frozenset({"spoiler"})


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Deny links and blocked words; deliver everything else with its whitespace trimmed."""
    content = event["Content"].strip()
    if LINK.search(content):
        return {"ReviewResult": "DENY", "Attributes": {"Reason": "links are not allowed"}}
    if BLOCKED_WORDS & set(content.lower().split()):
        return {"ReviewResult": "DENY", "Attributes": {"Reason": "no spoilers"}}
    return {"ReviewResult": "ALLOW", "Content": content, "Attributes": event["Attributes"]}
