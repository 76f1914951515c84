"""Resource tags: the limits the service documents (at most 50 per resource, no ``aws:`` keys),
broken limits answered as a ValidationException."""

from __future__ import annotations

from .errors import MESSAGES
from .validate import invalid

MAX_TAGS = 50
RESERVED_PREFIX = "aws:"


def check_tags(tags: dict[str, str], total: int | None = None) -> None:
    """A ValidationException at ``tags`` if a key is reserved, or if the resource would have more
    than MAX_TAGS tags (``total``; default: as many as ``tags``)."""
    broken: list[str] = []
    if any(key.startswith(RESERVED_PREFIX) for key in tags):
        broken.append(MESSAGES["reserved_tags"].format(prefix=RESERVED_PREFIX))
    total = len(tags) if total is None else total
    if total > MAX_TAGS:
        broken.append(MESSAGES["too_many_tags"].format(limit=MAX_TAGS, total=total))
    if broken:
        raise invalid("tags", tags, *broken)


def tags_added(current: dict[str, str], added: dict[str, str]) -> dict[str, str]:
    """``current`` with ``added`` set (TagResource), once checked."""
    merged = {**current, **added}
    check_tags(added, total=len(merged))
    return merged


def tags_removed(current: dict[str, str], keys: list[str]) -> dict[str, str]:
    """``current`` without ``keys`` (UntagResource); reserved keys cannot be removed."""
    if any(key.startswith(RESERVED_PREFIX) for key in keys):
        raise invalid("tagKeys", keys, MESSAGES["reserved_tag_keys"].format(prefix=RESERVED_PREFIX))
    removed = set(keys)
    return {key: value for key, value in current.items() if key not in removed}
