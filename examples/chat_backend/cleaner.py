"""A scheduled job: delete the chat rooms of streams that have ended."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .config import ivschat
from .rooms import APP, APP_TAG, STREAM_TAG


def delete_rooms_of_ended_streams(live_streams: Collection[str], page_size: int = 50) -> list[str]:
    """Delete this backend's rooms whose stream is not live; returns their ARNs."""
    ended = []
    request: dict[str, Any] = {"maxResults": page_size}
    while True:  # ivschat has no boto3 paginator: follow nextToken by hand
        page = ivschat().list_rooms(**request)
        for room in page["rooms"]:
            tags = room.get("tags", {})
            if tags.get(APP_TAG) == APP and tags.get(STREAM_TAG) not in live_streams:
                ended.append(str(room["arn"]))
        if "nextToken" not in page:
            break
        request["nextToken"] = page["nextToken"]
    # Delete after listing: deleting while paging would change the pages still to come.
    for arn in ended:
        ivschat().delete_room(identifier=arn)
    return ended
