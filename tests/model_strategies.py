"""Hypothesis strategies generated from botocore's ivschat input shapes, and a world to aim them at.

Every operation's input shape is walked once per mode:

- ``valid``: values inside every bound, enum and (anchored) pattern of the model;
- ``broken``: a valid request except for exactly one violated constraint (a bound, a pattern, an
  enum, a missing required member, a union with no or two members, a map over its byte limit);
- ``wrong_type``: a valid request except for one value of the wrong JSON type (for clients made
  with ``parameter_validation=False``);
- ``unicode``: a valid request in which any string may be made of edge cases (emoji and ZWJ
  sequences, combining marks, unpaired surrogates, NUL, characters that mean something in a URL,
  as long as allowed).

Members that must name something (``roomIdentifier``, ``resourceArn``, ...) are drawn as
:class:`Ref` placeholders, made real against the :class:`World` of one example: usually an ARN of a
resource that exists, sometimes a well-formed ARN of a missing one.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.loaders import Loader
from botocore.model import ServiceModel
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from fake_ivschat import ChatConnection, FakeIvsChat

Shape = Any  # botocore.model.Shape
Strategy = SearchStrategy[Any]
# botocore's model, read without the user's AWS configuration (and not through the fake).
MODEL = ServiceModel(Loader().load_service_model("ivschat", "service-2"), "ivschat")
OPERATIONS = sorted(MODEL.operation_names)
MODES = ("valid", "broken", "wrong_type", "unicode")

# Collections are kept short (a list or map at its maximum is a case of its own).
MAX_ITEMS = 3
# A string "without bound" (no max in the model) is made this long to count as very long.
LONG = 2000
CAPABILITIES = ["SEND_MESSAGE", "DISCONNECT_USER", "DELETE_MESSAGE"]

# The service's rules that the model states wrongly or not at all (service-behavior.md): the
# model's ResourceArn pattern matches no real ARN and its LambdaArn pattern matches anything; the
# attribute maps are limited to 1 KB (UTF-8 bytes of every key and value).
PATTERN_FIXES = {
    "ResourceArn": r"arn:aws:ivschat:[a-z0-9-]+:[0-9]+:(room|logging-configuration)/[a-zA-Z0-9-]+",
    "LambdaArn": r"|arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:.+",
}
BYTE_LIMITS = {"ChatTokenAttributes": 1024, "EventAttributes": 1024}


def budget(examples: int) -> int:
    """``examples`` scaled by the loaded profile (``HYPOTHESIS_PROFILE=dev`` explores more)."""
    loaded: int = settings().max_examples
    return max(1, examples * loaded // 100)


# ------------------------------------------------------------------------- references


@dataclass(frozen=True)
class Ref:
    """An identifier to make real against a :class:`World`: resource ``index`` of ``kind`` if it
    exists, else a well-formed name of a missing one (``missing`` is its id part)."""

    kind: str  # "room", "logging-configuration", "user" or "lambda"
    index: int | None
    missing: str = "AAAAAAAAAAAA"


# Shapes whose values must name something of the example's world, and the kinds they name.
REFERENCES: dict[str, tuple[str, ...]] = {
    "RoomIdentifier": ("room",),
    "LoggingConfigurationIdentifier": ("logging-configuration",),
    "ResourceArn": ("room", "logging-configuration"),
    "UserID": ("user",),
    "LambdaArn": ("lambda",),
}
_MISSING_ID = st.from_regex(r"[a-zA-Z0-9]{12}", fullmatch=True)


def _refs(kinds: tuple[str, ...]) -> Strategy:
    kind = st.sampled_from(kinds)
    existing = st.builds(Ref, kind, st.integers(0, 1))
    missing = st.builds(Ref, kind, st.none(), _MISSING_ID)
    return st.one_of(existing, existing, existing, missing)


class World:
    """Resources of one example: two logging configurations, two rooms (the first one logged
    and tagged) and an open connection of user ``alice`` to the first room."""

    def __init__(self, fake: FakeIvsChat, client: Any) -> None:
        region = client.meta.region_name
        configs = [
            client.create_logging_configuration(destinationConfiguration=destination)["arn"]
            for destination in (
                {"s3": {"bucketName": "chat-logs"}},
                {"cloudWatchLogs": {"logGroupName": "/chat/logs"}},
            )
        ]
        rooms = [
            client.create_room(
                name="fuzz", loggingConfigurationIdentifiers=[configs[0]], tags={"team": "a"}
            )["arn"],
            client.create_room()["arn"],
        ]
        token = client.create_chat_token(
            roomIdentifier=rooms[0], userId="alice", capabilities=CAPABILITIES
        )["token"]
        self.connection: ChatConnection = fake.connect(token)
        prefix = f"arn:aws:ivschat:{region}:{fake.account_id}"
        self.names: dict[str, tuple[list[str], Callable[[str], str]]] = {
            "room": (rooms, lambda rid: f"{prefix}:room/{rid}"),
            "logging-configuration": (configs, lambda rid: f"{prefix}:logging-configuration/{rid}"),
            "user": (["alice", "bob"], lambda rid: f"nobody-{rid}"),
            "lambda": (
                [f"arn:aws:lambda:{region}:{fake.account_id}:function:review", ""],
                lambda rid: f"arn:aws:lambda:{region}:{fake.account_id}:function:{rid}",
            ),
        }

    def resolve(self, value: Any) -> Any:
        """``value`` with every :class:`Ref` in it made real."""
        if isinstance(value, Ref):
            existing, missing = self.names[value.kind]
            if value.index is None:
                return missing(value.missing)
            return existing[value.index % len(existing)]
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value


# ----------------------------------------------------------------------- valid values


def enforced_pattern(shape: Shape) -> str | None:
    """The pattern the service applies: the model's, or its fix from ``PATTERN_FIXES``."""
    pattern: str | None = shape.metadata.get("pattern")
    return PATTERN_FIXES.get(shape.name, pattern)


def _bounds(shape: Shape, cap: int | None = None) -> tuple[int, int]:
    low = shape.metadata.get("min", 0)
    high = shape.metadata.get("max", cap if cap is not None else LONG)
    return low, high if cap is None else max(low, min(high, cap))


def matching(pattern: str, low: int, high: int) -> Strategy:
    """Strings fully matching ``pattern`` with ``low <= len <= high``."""
    # A lone repeated character class (most of the model's patterns) takes the bounds as its
    # repeat count, so no example is wasted on a filter.
    simple = re.fullmatch(r"(\[[^\]]*\])([*+])", pattern)
    if simple is not None:
        least = max(low, 1 if simple.group(2) == "+" else 0)
        return st.from_regex(f"{simple.group(1)}{{{least},{high}}}", fullmatch=True)
    return st.from_regex(pattern, fullmatch=True).filter(lambda s: low <= len(s) <= high)


def _valid_string(shape: Shape) -> Strategy:
    if shape.enum:
        return st.sampled_from(list(shape.enum))
    low, high = _bounds(shape)
    pattern = enforced_pattern(shape)
    made = matching(pattern, low, high) if pattern else st.text(min_size=low, max_size=high)
    kinds = REFERENCES.get(shape.name)
    return st.one_of(_refs(kinds), made) if kinds else made


def _valid_integer(shape: Shape) -> Strategy:
    return st.integers(shape.metadata.get("min", -(2**31)), shape.metadata.get("max", 2**31 - 1))


def _valid_list(shape: Shape) -> Strategy:
    low, high = _bounds(shape, MAX_ITEMS)
    return st.lists(valid(shape.member), min_size=low, max_size=high, unique_by=_identity)


def _identity(value: Any) -> str:
    # Lists of identifiers must not repeat one (a documented rule): keep items distinct.
    return repr(value)


def _valid_map(shape: Shape) -> Strategy:
    low, high = _bounds(shape, MAX_ITEMS)
    made = st.dictionaries(valid(shape.key), valid(shape.value), min_size=low, max_size=high)
    limit = BYTE_LIMITS.get(shape.name)
    return made if limit is None else made.filter(lambda m: utf8_size(m) <= limit)


def utf8_size(mapping: dict[str, str]) -> int:
    return sum(len(k.encode()) + len(v.encode()) for k, v in mapping.items())


def _valid_structure(shape: Shape) -> Strategy:
    members = {name: valid(member) for name, member in shape.members.items()}
    if shape.metadata.get("union"):
        return st.one_of([st.fixed_dictionaries({name: value}) for name, value in members.items()])
    required = set(shape.required_members)
    return st.fixed_dictionaries(
        {name: value for name, value in members.items() if name in required},
        optional={name: value for name, value in members.items() if name not in required},
    )


_VALID: dict[str, Callable[[Shape], Strategy]] = {
    "structure": _valid_structure,
    "list": _valid_list,
    "map": _valid_map,
    "string": _valid_string,
    "integer": _valid_integer,
    "long": _valid_integer,
}


def valid(shape: Shape) -> Strategy:
    """Values of ``shape`` that satisfy every constraint of the model (Refs for identifiers)."""
    return _valid_cached(shape.name)


@functools.cache
def _valid_cached(name: str) -> Strategy:
    shape = MODEL.shape_for(name)
    return st.deferred(lambda: _VALID[shape.type_name](shape))


# --------------------------------------------------- one site changed, the rest valid

Local = Callable[[Shape], "Strategy | None"]


def one_site(shape: Shape, local: Local) -> Strategy | None:
    """Values of ``shape`` where exactly one site (this value, or one member, item, key or value
    somewhere inside it) is drawn from ``local`` and everything else is valid; None if ``local``
    applies nowhere inside ``shape``."""
    options = [s for s in (local(shape), *_inner_sites(shape, local)) if s is not None]
    return st.one_of(options) if options else None


def _inner_sites(shape: Shape, local: Local) -> list[Strategy | None]:
    if shape.type_name == "structure":
        return [_member_site(shape, name, local) for name in shape.members]
    if shape.type_name == "list":
        item = one_site(shape.member, local)
        if item is None:
            return []
        return [st.tuples(valid(shape), item).map(lambda pair: [*pair[0], pair[1]])]
    if shape.type_name == "map":
        key, value = one_site(shape.key, local), one_site(shape.value, local)
        sites: list[Strategy | None] = []
        if key is not None:  # JSON keys are strings whatever botocore is given: hashable ones
            key = key.filter(_hashable)
            sites.append(st.tuples(valid(shape), key, valid(shape.value)).map(_put_entry))
        if value is not None:
            sites.append(st.tuples(valid(shape), valid(shape.key), value).map(_put_entry))
        return sites
    return []


def _hashable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None)))


def _put_entry(triple: tuple[dict[Any, Any], Any, Any]) -> dict[Any, Any]:
    mapping, key, value = triple
    return {**mapping, key: value}


def _member_site(shape: Shape, name: str, local: Local) -> Strategy | None:
    changed = one_site(shape.members[name], local)
    if changed is None:
        return None
    if shape.metadata.get("union"):
        return st.fixed_dictionaries({name: changed})
    required = set(shape.required_members) - {name}
    others = {n: valid(m) for n, m in shape.members.items() if n != name}
    return st.fixed_dictionaries(
        {name: changed, **{n: s for n, s in others.items() if n in required}},
        optional={n: s for n, s in others.items() if n not in required},
    )


# ------------------------------------------------------------- one constraint broken


def _broken_here(shape: Shape) -> Strategy | None:
    """Values of ``shape`` itself that break exactly one of its own constraints."""
    options = [s for s in _BROKEN[shape.type_name](shape) if s is not None]
    return st.one_of(options) if options else None


def _broken_string(shape: Shape) -> list[Strategy | None]:
    meta, pattern = shape.metadata, enforced_pattern(shape)
    low, high = _bounds(shape)
    plain = _valid_string_plain(shape)
    options: list[Strategy | None] = []
    if meta.get("min", 0) > 0:
        options.append(plain.map(lambda v: _resized(pattern, v, low - 1)))
    if "max" in meta:
        longer = st.tuples(plain, st.integers(high + 1, high + 3))
        options.append(longer.map(lambda p: _resized(pattern, *p)))
    if pattern is not None:
        regex = re.compile(pattern)
        off = st.one_of(
            plain.map(lambda v: _off_pattern(pattern, v)),
            st.text(min_size=max(low, 1), max_size=min(high, 40)),
        )
        options.append(off.filter(lambda v: low <= len(v) <= high and not regex.fullmatch(v)))
    if shape.enum:
        allowed = set(shape.enum)
        near = st.sampled_from([e.lower() for e in shape.enum] + [e + " " for e in shape.enum])
        options.append(st.one_of(near, st.text(max_size=20)).filter(lambda v: v not in allowed))
    return options


def _valid_string_plain(shape: Shape) -> Strategy:
    """Valid strings of ``shape`` as literal text (no Refs), to start a broken one from."""
    if shape.enum:
        return st.sampled_from(list(shape.enum))
    low, high = _bounds(shape)
    pattern = enforced_pattern(shape)
    return matching(pattern, low, high) if pattern else st.text(min_size=low, max_size=high)


def _resized(pattern: str | None, value: str, length: int) -> str:
    """``value`` made ``length`` long at its end, still matching ``pattern`` if it can;
    otherwise cut or padded (then it breaks the pattern too: the length is the point)."""
    regex = re.compile(pattern) if pattern is not None else None

    def fits(candidate: str) -> bool:
        return regex is None or regex.fullmatch(candidate) is not None

    while len(value) != length:
        if len(value) < length:
            step = next((value + ch for ch in "a0A-_." if fits(value + ch)), None)
        else:
            step = value[:-1] if fits(value[:-1]) else None
        if step is None:
            return value[:length] if length < len(value) else value + "a" * (length - len(value))
        value = step
    return value


def _off_pattern(pattern: str, value: str) -> str:
    """``value`` with one character changed (or one added) so that it no longer matches."""
    regex = re.compile(pattern)
    for i in range(len(value)):
        for ch in "!~ \n":
            candidate = value[:i] + ch + value[i + 1 :]
            if regex.fullmatch(candidate) is None:
                return candidate
    return value + "\n"  # "." never matches a line break


def _broken_integer(shape: Shape) -> list[Strategy | None]:
    meta = shape.metadata
    return [
        st.integers(max_value=meta["min"] - 1) if "min" in meta else None,
        st.integers(min_value=meta["max"] + 1) if "max" in meta else None,
    ]


def _broken_list(shape: Shape) -> list[Strategy | None]:
    meta, item = shape.metadata, valid(shape.member)
    return [
        st.lists(item, max_size=meta["min"] - 1) if meta.get("min", 0) > 0 else None,
        _distinct_list(shape, meta["max"] + 1) if "max" in meta else None,
    ]


def _distinct_list(shape: Shape, size: int) -> Strategy:
    if shape.member.name in REFERENCES:  # more identifiers than the world has: missing ones
        return st.lists(_MISSING_ID, min_size=size, max_size=size, unique=True).map(
            lambda ids: [Ref(REFERENCES[shape.member.name][0], None, i) for i in ids]
        )
    return st.lists(valid(shape.member), min_size=size, max_size=size, unique_by=_identity)


def _broken_map(shape: Shape) -> list[Strategy | None]:
    meta, options = shape.metadata, list[Strategy | None]()
    key, value = valid(shape.key), valid(shape.value)
    if meta.get("min", 0) > 0:
        options.append(st.dictionaries(key, value, max_size=meta["min"] - 1))
    if "max" in meta:
        size = meta["max"] + 1
        options.append(st.dictionaries(key, value, min_size=size, max_size=size))
    limit = BYTE_LIMITS.get(shape.name)
    if limit is not None:  # one entry over the limit on its own
        big = st.tuples(key, st.integers(limit + 1, limit + 50)).map(lambda p: {p[0]: "v" * p[1]})
        options.append(big)
    return options


def _broken_structure(shape: Shape) -> list[Strategy | None]:
    members = {name: valid(member) for name, member in shape.members.items()}
    options: list[Strategy | None] = []
    if shape.metadata.get("union"):
        options.append(st.just({}))
        options.append(
            st.lists(st.sampled_from(sorted(members)), min_size=2, unique=True).flatmap(
                lambda names: st.fixed_dictionaries({n: members[n] for n in names})
            )
        )
        return options
    required = list(shape.required_members)
    for missing in required:
        options.append(
            st.fixed_dictionaries(
                {n: s for n, s in members.items() if n in required and n != missing},
                optional={n: s for n, s in members.items() if n not in required},
            )
        )
    return options


_BROKEN: dict[str, Callable[[Shape], list[Strategy | None]]] = {
    "structure": _broken_structure,
    "list": _broken_list,
    "map": _broken_map,
    "string": _broken_string,
    "integer": _broken_integer,
    "long": _broken_integer,
}


# ------------------------------------------------------------------------ wrong types

_SCALARS = {
    "string": st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans()),
    "integer": st.one_of(
        st.integers(1, 100).map(str),
        st.integers(-100, 100).map(lambda n: n + 0.5),
        st.booleans(),
        st.text(max_size=5),
    ),
}
_CONTAINERS = st.one_of(st.lists(st.integers(), max_size=2), st.just({"k": 1}))


def _wrong_type_here(shape: Shape) -> Strategy:
    """Values of another JSON type than ``shape``'s (JSON null included)."""
    kind = "integer" if shape.type_name in ("integer", "long") else shape.type_name
    if kind in _SCALARS:
        return st.one_of(_SCALARS[kind], _CONTAINERS, st.none())
    if kind == "list":
        return st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.just({"k": "v"}))
    # structures and maps
    return st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.just(["x"]))


# ------------------------------------------------------------------------ unicode edges

EDGE_CHARACTERS = [  # the likeliest to break something first (generation favours them)
    "\ud800",  # unpaired high surrogate
    "\x00",  # NUL
    "\udfff",  # unpaired low surrogate
    "\U0001f600",  # emoji outside the BMP (two UTF-16 units, four UTF-8 bytes)
    "\u0301",  # combining acute accent
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte-order mark
    "\uffff",  # a noncharacter
    "\U0010ffff",  # the last code point
    "\u202e",  # right-to-left override
    "\u0085",  # NEL, a line break to some parsers
    "\n",
    '"',
    "\\",
    "%",
    "+",
    "&",
    "=",
    "?",
    "#",
    "/",
    " ",
    "é",
]
EDGE_STRINGS = [
    "\ud83d",  # half of an emoji's surrogate pair
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # a family: one grapheme, five code points
    "e\u0301",  # é as a letter and a combining mark
    "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag
    "%00",
    "%2F",
    "a+b c",
]


def edge_text(low: int, high: int) -> Strategy:
    """Strings of unicode edge cases, from short mixtures to very long (``high`` code points of
    one character: as long as the member allows)."""
    chars = st.sampled_from(EDGE_CHARACTERS)
    pieces = st.one_of(chars, st.sampled_from(EDGE_STRINGS))
    mixed = st.lists(pieces, min_size=low, max_size=low + 8).map("".join)
    long = chars.map(lambda ch: ch * high)
    return st.one_of(mixed, mixed, long)


def _edge_text_of(shape: Shape) -> Strategy:
    low = max(shape.metadata.get("min", 0), 1)
    # Unbounded strings: long enough to be past any limit that counts bytes.
    return edge_text(low, shape.metadata.get("max", 300))


@st.composite
def _roughened(draw: st.DrawFn, shape: Shape) -> Any:
    """A valid value of ``shape`` in which any string (a map key too) may be edge-case text."""
    return _roughen(draw, shape, draw(valid(shape)))


def _roughen(draw: st.DrawFn, shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return {name: _roughen(draw, shape.members[name], item) for name, item in value.items()}
    if kind == "list":
        return [_roughen(draw, shape.member, item) for item in value]
    if kind == "map":
        return {
            _roughen(draw, shape.key, key): _roughen(draw, shape.value, item)
            for key, item in value.items()
        }
    if kind == "string" and draw(st.booleans()):
        return draw(_edge_text_of(shape))
    return value


# --------------------------------------------------------------------------- requests


@functools.cache
def requests(operation: str, mode: str) -> Strategy:
    """Request parameters of ``operation`` in ``mode`` (see the module docstring), with Refs."""
    shape = MODEL.operation_model(operation).input_shape
    if mode == "valid":
        return valid(shape)
    if mode == "unicode":
        return _roughened(shape)
    local: Local = {"broken": _broken_here, "wrong_type": _wrong_type_here}[mode]
    # The whole request is a site only for a constraint of its own (a missing required
    # member): a request of another type cannot be passed as keyword arguments at all.
    sites = [*(_inner_sites(shape, local)), local(shape) if mode == "broken" else None]
    options = [site for site in sites if site is not None]
    assert options, f"{operation} has no site for {mode}"
    return st.one_of(options)


# ------------------------------------------------------------------- what went where


_JSON_TYPES: dict[str, type] = {
    "structure": dict,
    "map": dict,
    "list": list,
    "string": str,
    "integer": int,
    "long": int,
}


def type_problems(shape: Shape, value: Any, path: str = "$") -> list[str]:
    """Where ``value`` has another JSON type than ``shape`` says (JSON null counts as absent)."""
    kind = shape.type_name
    expected = _JSON_TYPES[kind]
    if value is None:
        return []
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is int):
        return [f"{path}: {value!r} is not a {kind}"]
    found: list[str] = []
    if isinstance(value, list):
        for index, item in enumerate(value):
            found += type_problems(shape.member, item, f"{path}[{index}]")
    elif isinstance(value, dict) and kind == "structure":
        for name, item in value.items():
            if name in shape.members:
                found += type_problems(shape.members[name], item, f"{path}.{name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += type_problems(shape.key, key, f"{path} key")
            found += type_problems(shape.value, item, f"{path}[{key!r}]")
    return found


def on_the_wire(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters the fake should decode from what botocore sends for ``params``: URI labels
    and query strings are text (an empty label or list does not travel), the body is JSON."""
    members = MODEL.operation_model(operation).input_shape.members
    wire: dict[str, Any] = {}
    for name, value in params.items():
        location = members[name].serialization.get("location")
        if location == "uri":
            if value != "":
                wire[name] = str(value)
        elif location == "querystring":
            if value:
                wire[name] = [str(item) for item in value]
        else:
            wire[name] = json.loads(json.dumps(value))
    return wire
