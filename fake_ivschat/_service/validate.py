"""Server-side input validation compiled from botocore's model: one walker, one closure per shape.

botocore checks only types, required members and minimums before sending (and none of them with
``parameter_validation=False``); the service checks the rest (maximums, patterns, enums, unions).
Each operation's input shape is compiled once into closures with their bounds, compiled regexes
and enum sets bound up front. Each closure first checks that its value has the JSON type of its
shape: a wrong type anywhere is a request the service cannot deserialize (SerializationException,
before any constraint), never a Python error.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

from . import model
from .errors import MESSAGES, SerializationException, ServiceError, ValidationException

# The model's own defects and documented-but-unmodelled rules, by shape name. Keep them here,
# visible, rather than scattered over the operations.
PATTERN_OVERRIDES: dict[str, str] = {
    # The model writes `...:[a-z-]/...` (one character before the slash): no real ARN matches.
    "ResourceArn": r"arn:aws:ivschat:[a-z0-9-]+:[0-9]+:(room|logging-configuration)/[a-zA-Z0-9-]+",
    # The model starts with `$|`, which makes the pattern match anything when searched.
    "LambdaArn": r"|arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:.+",
}
# Documented 1 KB limits on attribute maps: UTF-8 bytes of every key and value, summed.
MAP_BYTE_LIMITS: dict[str, int] = {"ChatTokenAttributes": 1024, "EventAttributes": 1024}
# JSON escapes can carry half of a UTF-16 pair alone; no service can store or forward that.
_SURROGATE = re.compile("[\ud800-\udfff]")

# The JSON types a value of each shape type is read from, and how to name them. A JSON boolean
# is never a number, and a number with a fraction never an integer.
JSON_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "string": ((str,), "a string"),
    "integer": ((int,), "an integer"),
    "long": ((int,), "an integer"),
    "float": ((int, float), "a number"),
    "double": ((int, float), "a number"),
    "boolean": ((bool,), "a boolean"),
    "timestamp": ((int, float, str), "a timestamp"),
    "blob": ((str,), "a base64 string"),
    "list": ((list,), "an array"),
    "map": ((dict,), "an object"),
    "structure": ((dict,), "an object"),
}


def json_type(value: Any) -> str:
    """How a decoded JSON value's type is named in messages: ``a string``, ``an integer``..."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a number with a fraction"
    for kinds, name in JSON_TYPES.values():
        if isinstance(value, kinds):
            return name
    return "null" if value is None else f"a {type(value).__name__}"


class TypeMismatch(Exception):
    """A value of the wrong JSON type for its shape, at ``path``."""

    def __init__(self, path: str, kinds: tuple[type, ...], expected: str, value: Any) -> None:
        self.path = path
        self.kinds = kinds  # the Python types a value of the shape may have
        self.value = value
        super().__init__(
            MESSAGES["type_mismatch"].format(path=path, expected=expected, kind=json_type(value))
        )


@dataclass(frozen=True)
class FieldError:
    """One violated constraint: the member path, the offending value and the constraint text."""

    path: str
    value: str | None  # None for sensitive members, whose value is never echoed
    constraint: str
    null: bool = False  # the member is absent: the service prints ``Value null at ...``

    def sentence(self) -> str:
        shown = " null" if self.null else "" if self.value is None else f" '{self.value}'"
        return f"Value{shown} at '{self.path}' failed to satisfy constraint: {self.constraint}"


Check = Callable[[Any, str, "list[FieldError]"], None]


def validate(operation_name: str, params: dict[str, Any]) -> None:
    """Raise SerializationException for the first value of a wrong JSON type, else
    ValidationException listing every violated constraint of ``params``."""
    errors: list[FieldError] = []
    try:
        _compiled(operation_name)(params, "", errors)
    except TypeMismatch as mismatch:
        raise SerializationException(
            MESSAGES["not_deserializable"].format(mismatch=mismatch)
        ) from None
    if errors:
        raise validation_error(errors)


def problems(shape: model.Shape, value: Any) -> list[FieldError]:
    """Every constraint that ``value`` breaks as a value of ``shape`` (a shape of the model,
    compiled once); TypeMismatch for the first value of a wrong type."""
    errors: list[FieldError] = []
    _compiled_shape(shape)(value, "", errors)
    return errors


def validation_error(errors: list[FieldError]) -> ServiceError:
    """The ValidationException listing ``errors``, as the service words and lists them."""
    count = len(errors)
    sentences = "; ".join(error.sentence() for error in errors)
    by_path: dict[str, list[str]] = {}
    for error in errors:
        by_path.setdefault(error.path, []).append(error.constraint)
    return ValidationException(
        MESSAGES["invalid"].format(count=count, s="s" if count > 1 else "", sentences=sentences),
        reason="FIELD_VALIDATION_FAILED",
        fieldList=[{"name": path, "message": "; ".join(msgs)} for path, msgs in by_path.items()],
    )


def invalid(path: str, value: Any, *constraints: str) -> ServiceError:
    """The ValidationException for ``value`` at ``path``, breaking each of ``constraints``."""
    shown = java_repr(value)
    return validation_error([FieldError(path, shown, constraint) for constraint in constraints])


def java_repr(value: Any) -> str:
    """Values as the service's error messages print them (Java's toString style)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_repr(k)}={java_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_repr(v) for v in value) + "]"
    return str(value)


@functools.cache
def _compiled(operation_name: str) -> Check:
    shape = model.operation(operation_name).input_shape
    return _compile(shape) if shape is not None else _nothing


@functools.cache  # the model's shapes live as long as the model, which is loaded once
def _compiled_shape(shape: model.Shape) -> Check:
    return _compile(shape)


def _nothing(value: Any, path: str, errors: list[FieldError]) -> None:
    return None


def _compile(shape: model.Shape) -> Check:
    check = _COMPILERS.get(shape.type_name, _scalar)(shape)
    read_from = JSON_TYPES.get(shape.type_name)
    if read_from is None:
        return check
    kinds, expected = read_from
    bool_is_wrong = bool not in kinds

    def typed(value: Any, path: str, errors: list[FieldError]) -> None:
        if not isinstance(value, kinds) or (bool_is_wrong and isinstance(value, bool)):
            raise TypeMismatch(path, kinds, expected, value)
        check(value, path, errors)

    return typed


Rule = tuple[Callable[[Any], bool], str]


@dataclass(frozen=True)
class _Limits:
    """A scalar's or collection's constraints, read from the model once."""

    low: float  # min of the value, or of its length (``sized``)
    top: float
    sized: bool
    noun: str
    regex: re.Pattern[str] | None = None
    pattern: str = ""
    allowed: frozenset[str] | None = None
    enum: tuple[str, ...] = ()
    no_surrogate: bool = False
    byte_limit: int | None = None


def _limits(shape: model.Shape) -> _Limits:
    meta = shape.metadata
    sized = shape.type_name in ("string", "list", "map")
    bounds = {"low": meta.get("min", -math.inf), "top": meta.get("max", math.inf)}
    if shape.type_name == "string":
        pattern = enforced_pattern(shape.name, meta.get("pattern"))
        enum = tuple(shape.enum or ())
        return _Limits(
            **bounds,
            sized=True,
            noun="length",
            regex=re.compile(pattern) if pattern is not None else None,
            pattern=pattern or "",
            allowed=frozenset(enum) if enum else None,
            enum=enum,
            no_surrogate=True,
        )
    limit = MAP_BYTE_LIMITS.get(shape.name) if shape.type_name == "map" else None
    return _Limits(**bounds, sized=sized, noun="length" if sized else "value", byte_limit=limit)


def _rules(limits: _Limits) -> list[Rule]:
    """One closure per constraint, each with the text it reports."""
    low, top, rules = limits.low, limits.top, []
    measure: Callable[[Any], Any] = len if limits.sized else _itself
    if top != math.inf:
        text = MESSAGES["at_most"].format(noun=limits.noun, limit=top)
        rules.append((lambda v: measure(v) <= top, text))
    if low != -math.inf:
        text = MESSAGES["at_least"].format(noun=limits.noun, limit=low)
        rules.append((lambda v: measure(v) >= low, text))
    regex, allowed, byte_limit = limits.regex, limits.allowed, limits.byte_limit
    if regex is not None:
        text = MESSAGES["pattern"].format(pattern=limits.pattern)
        rules.append((lambda v: regex.fullmatch(v) is not None, text))
    if allowed is not None:
        text = MESSAGES["enum"].format(values=", ".join(limits.enum))
        rules.append((lambda v: v in allowed, text))
    if limits.no_surrogate:
        rules.append((_no_surrogate, MESSAGES["surrogate"]))
    if byte_limit is not None:
        text = MESSAGES["map_bytes"].format(limit=byte_limit)
        rules.append((lambda v: _utf8_size(v) <= byte_limit, text))
    return rules


def _fine(limits: _Limits) -> Callable[[Any], bool]:
    """Every constraint of ``limits`` at once, in one call: True only if no rule breaks (a value
    that passes this skips the rules, which run for every member of every request)."""
    low, top, regex, allowed = limits.low, limits.top, limits.regex, limits.allowed
    if limits.no_surrogate:  # a string

        def fine_string(v: str) -> bool:
            return (
                low <= len(v) <= top
                and (regex is None or regex.fullmatch(v) is not None)
                and (allowed is None or v in allowed)
                and _no_surrogate(v)
            )

        return fine_string
    if limits.sized:
        byte_limit = limits.byte_limit
        return lambda v: (
            low <= len(v) <= top and (byte_limit is None or _utf8_size(v) <= byte_limit)
        )
    return lambda v: low <= v <= top


# The shape types the model constrains (a timestamp's or blob's bounds are not checked).
_CONSTRAINED = frozenset({"string", "integer", "long", "float", "double", "list", "map"})


def _itself(value: Any) -> Any:
    return value


def _constraints(shape: model.Shape) -> Callable[[Any], list[str]]:
    """The messages of every constraint of a scalar or collection ``shape`` that a value breaks."""
    if shape.type_name not in _CONSTRAINED:
        return lambda value: []
    limits = _limits(shape)
    rules, fine = _rules(limits), _fine(limits)
    if not rules:
        return lambda value: []
    return lambda value: [] if fine(value) else [text for ok, text in rules if not ok(value)]


def _no_surrogate(value: str) -> bool:
    return value.isascii() or _SURROGATE.search(value) is None


def _utf8_size(mapping: dict[str, str]) -> int:
    # A lone surrogate is reported on its own; here it counts as the 3 bytes it would take.
    return sum(
        len(k.encode(errors="surrogatepass")) + len(v.encode(errors="surrogatepass"))
        for k, v in mapping.items()
    )


def _sensitive(shape: model.Shape) -> bool:
    """Whether a value of ``shape`` may hold a sensitive value anywhere (never echoed then)."""
    if shape.metadata.get("sensitive"):
        return True
    if isinstance(shape, model.ListShape):
        return _sensitive(shape.member)
    if isinstance(shape, model.MapShape):
        return _sensitive(shape.key) or _sensitive(shape.value)
    if isinstance(shape, model.StructureShape):
        return any(_sensitive(member) for member in shape.members.values())
    return False


def _scalar(shape: model.Shape) -> Check:
    broken = _constraints(shape)
    sensitive = _sensitive(shape)

    def check(value: Any, path: str, errors: list[FieldError]) -> None:
        for text in broken(value):
            errors.append(FieldError(path, None if sensitive else java_repr(value), text))

    return check


def _inner(check: Check) -> Callable[[Any, str], list[str]]:
    """The constraint texts a nested value breaks, for the service's nested message form; its
    own path only names it when its type is wrong."""

    def texts(value: Any, path: str) -> list[str]:
        found: list[FieldError] = []
        check(value, path, found)
        return [error.constraint for error in found]

    return texts


Items = Callable[[Any, str], "list[tuple[Any, str]]"]


def _collection(shape: model.Shape) -> Check:
    own = _constraints(shape)
    sensitive = _sensitive(shape)
    nested: list[tuple[Items, Callable[[Any, str], list[str]], str]] = []
    if isinstance(shape, model.ListShape):
        nested.append((_items, _inner(_compile(shape.member)), MESSAGES["items"]))
    elif isinstance(shape, model.MapShape):
        nested.append((_keys, _inner(_compile(shape.key)), MESSAGES["keys"]))
        nested.append((_values, _inner(_compile(shape.value)), MESSAGES["values"]))

    def check(value: Any, path: str, errors: list[FieldError]) -> None:
        inside: list[str] = []  # first: an item of a wrong type stops everything
        for items, inner, template in nested:
            broken: dict[str, None] = {}
            for item, where in items(value, path):
                broken.update(dict.fromkeys(inner(item, where)))
            if broken:
                inside.append(template.format(constraints=", ".join(broken)))
        texts = own(value) + inside
        if texts:
            shown = None if sensitive else java_repr(value)
            errors.extend(FieldError(path, shown, text) for text in texts)

    return check


def _items(values: list[Any], path: str) -> list[tuple[Any, str]]:
    return [(value, f"{path}[{index}]") for index, value in enumerate(values)]


def _keys(mapping: dict[str, Any], path: str) -> list[tuple[Any, str]]:
    return [(key, path) for key in mapping]


def _values(mapping: dict[str, Any], path: str) -> list[tuple[Any, str]]:
    return [(value, f"{path}.{key}") for key, value in mapping.items()]


def _structure(shape: model.Shape) -> Check:
    assert isinstance(shape, model.StructureShape)
    required = set(shape.required_members)
    members = [(name, _compile(member), name in required) for name, member in shape.members.items()]
    members = [entry for entry in members if entry[1] is not _nothing or entry[2]]
    is_union = bool(shape.metadata.get("union"))
    union_text = MESSAGES["one_member"].format(members=", ".join(shape.members))
    shown = None if _sensitive(shape) else java_repr

    def check(value: Any, path: str, errors: list[FieldError]) -> None:
        # A JSON null member is an absent one, as in every AWS JSON protocol. botocore drops
        # top-level Nones but sends nested ones (with parameter validation off): drop them here,
        # on the freshly decoded request, so that nothing after validation ever sees a null.
        for name in [name for name, member in value.items() if member is None]:
            del value[name]
        prefix = f"{path}." if path else ""
        for name, member_check, is_required in members:
            if name in value:
                member_check(value[name], prefix + name, errors)
            elif is_required:
                # botocore sends every required member, except where the wire cannot carry it
                # (an empty list in the query string) or parameter validation is turned off.
                errors.append(FieldError(prefix + name, None, MESSAGES["not_null"], null=True))
        if is_union and len(value) != 1:
            errors.append(FieldError(path, shown(value) if shown else None, union_text))

    return check


_COMPILERS: dict[str, Callable[[model.Shape], Check]] = {  # any other type: _scalar
    "structure": _structure,
    "list": _collection,
    "map": _collection,
}


@functools.cache
def enforced_pattern(shape_name: str, model_pattern: str | None) -> str | None:
    """The pattern enforced for a shape: the model's, unless the defect table overrides it."""
    return PATTERN_OVERRIDES.get(shape_name, model_pattern)
