"""Small helpers the behaviour tests share."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

# botocore retries ThrottlingException with backoff. One attempt in total: no retry at all
# (``max_attempts`` would count retries only, so 1 would still retry once).
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def body(response: dict[str, Any]) -> dict[str, Any]:
    """A response without its ResponseMetadata."""
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def error(call: Any, **kwargs: Any) -> dict[str, Any]:
    """The ClientError response of ``call(**kwargs)``, which must fail."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response: dict[str, Any] = info.value.response
    return response
