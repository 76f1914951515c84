"""What a region name can be: one rule for the fake's own clients, routed and served requests and
arranged resources, so that no path makes a resource whose ARN the service would reject."""

from __future__ import annotations

import re

from .errors import MESSAGES, InvalidSignatureException, ServiceError

# A region is a label of its endpoint's host name (``ivschat.<region>.amazonaws.com``) that the
# ARN patterns of the model take (``[a-z0-9-]+``); 63 characters keep every ARN within 128.
_REGION = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
RULE = (
    "1 to 63 lowercase letters, digits and '-', neither first nor last a '-', such as 'us-west-2'"
)


def is_region(name: object) -> bool:
    """Whether ``name`` is a region name the service could have."""
    return isinstance(name, str) and _REGION.fullmatch(name) is not None


def check_region(name: object) -> None:
    """ValueError naming ``name`` unless it is a region name (a str: callers pass text)."""
    if not is_region(name):
        raise ValueError(f"{name!r} is not a region name ({RULE})")


def refusal(region: str) -> ServiceError | None:
    """What the service answers a request whose credential is scoped to ``region``: None for a
    region name, else the 403 AWS gives a credential scoped to an invalid region."""
    if is_region(region):
        return None
    return InvalidSignatureException(MESSAGES["bad_region"].format(region=region, rule=RULE))


__all__ = ["RULE", "check_region", "is_region", "refusal"]
