"""Server-side input validation compiled from botocore's model: one walker, one closure per shape.

botocore checks only types, required members and minimums before sending; the service checks the
rest (maximums, patterns, enums, unions). Each operation's input shape is compiled once into
closures with their bounds, compiled regexes and enum sets bound up front.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable

from . import _model
from ._errors import ValidationException

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


NOT_NULL = "Member must not be null"


Check = Callable[[Any, str, "list[FieldError]"], None]


def validate(operation_name: str, params: dict[str, Any]) -> None:
    """Raise ValidationException listing every violated constraint of ``params``."""
    errors: list[FieldError] = []
    _compiled(operation_name)(params, "", errors)
    if errors:
        raise validation_error(errors)


def validation_error(errors: list[FieldError]) -> ValidationException:
    count = len(errors)
    head = f"{count} validation error{'s' if count > 1 else ''} detected: "
    by_path: dict[str, list[str]] = {}
    for error in errors:
        by_path.setdefault(error.path, []).append(error.constraint)
    return ValidationException(
        head + "; ".join(error.sentence() for error in errors),
        reason="FIELD_VALIDATION_FAILED",
        fieldList=[{"name": path, "message": "; ".join(msgs)} for path, msgs in by_path.items()],
    )


def java_repr(value: Any) -> str:
    """Values as the service's error messages print them (Java's toString style)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_repr(k)}={java_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_repr(v) for v in value) + "]"
    return str(value)


@functools.cache
def _compiled(operation_name: str) -> Check:
    shape = _model.operation(operation_name).input_shape
    return _compile(shape) if shape is not None else _nothing


def _nothing(value: Any, path: str, errors: list[FieldError]) -> None:
    return None


def _compile(shape: _model.Shape) -> Check:
    compiler = _COMPILERS.get(shape.type_name)
    return compiler(shape) if compiler else _nothing


def _bounds(shape: _model.Shape, noun: str) -> list[tuple[Callable[[int], bool], str]]:
    meta = shape.metadata
    rules: list[tuple[Callable[[int], bool], str]] = []
    if "max" in meta:
        top = meta["max"]
        rules.append((lambda n: n <= top, f"Member must have {noun} less than or equal to {top}"))
    if "min" in meta:
        low = meta["min"]
        rules.append(
            (lambda n: n >= low, f"Member must have {noun} greater than or equal to {low}")
        )
    return rules


Rule = tuple[Callable[[Any], bool], str]


def _sized(rules: list[tuple[Callable[[int], bool], str]]) -> list[Rule]:
    """Bounds on a number, applied to a value's length."""

    def on_length(ok: Callable[[int], bool]) -> Callable[[Any], bool]:
        return lambda value: ok(len(value))

    return [(on_length(ok), text) for ok, text in rules]


def _constraints(shape: _model.Shape) -> Callable[[Any], list[str]]:
    """The messages of every constraint of a scalar or collection ``shape`` that a value breaks."""
    meta = shape.metadata
    if shape.type_name == "string":
        rules = _sized(_bounds(shape, "length"))
        pattern = enforced_pattern(shape.name, meta.get("pattern"))
        if pattern is not None:
            regex = re.compile(pattern)
            text = f"Member must satisfy regular expression pattern: {pattern}"
            rules.append((lambda v: regex.fullmatch(v) is not None, text))
        if shape.enum:
            allowed = frozenset(shape.enum)
            text = f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
            rules.append((lambda v: v in allowed, text))
    elif shape.type_name in ("integer", "long"):
        rules = [(ok, text) for ok, text in _bounds(shape, "value")]
    else:  # list, map: their own size only; members are checked by the collection's closure
        rules = _sized(_bounds(shape, "length"))
        limit = MAP_BYTE_LIMITS.get(shape.name)
        if limit is not None:
            text = (
                "Member must have a total size of keys and values less than or equal to"
                f" {limit} bytes"
            )
            rules.append((lambda v: _utf8_size(v) <= limit, text))
    return lambda value: [text for ok, text in rules if not ok(value)]


def _utf8_size(mapping: dict[str, str]) -> int:
    return sum(len(k.encode()) + len(v.encode()) for k, v in mapping.items())


def _sensitive(shape: _model.Shape) -> bool:
    """Whether a value of ``shape`` may hold a sensitive value anywhere (never echoed then)."""
    if shape.metadata.get("sensitive"):
        return True
    if isinstance(shape, _model.ListShape):
        return _sensitive(shape.member)
    if isinstance(shape, _model.MapShape):
        return _sensitive(shape.key) or _sensitive(shape.value)
    if isinstance(shape, _model.StructureShape):
        return any(_sensitive(member) for member in shape.members.values())
    return False


def _scalar(shape: _model.Shape) -> Check:
    broken = _constraints(shape)
    sensitive = _sensitive(shape)

    def check(value: Any, path: str, errors: list[FieldError]) -> None:
        for text in broken(value):
            errors.append(FieldError(path, None if sensitive else java_repr(value), text))

    return check


def _inner(check: Check) -> Callable[[Any], list[str]]:
    """The constraint texts a nested value breaks, for the service's nested message form."""

    def texts(value: Any) -> list[str]:
        found: list[FieldError] = []
        check(value, "", found)
        return [error.constraint for error in found]

    return texts


def _collection(shape: _model.Shape) -> Check:
    own = _constraints(shape)
    sensitive = _sensitive(shape)
    nested: list[tuple[Callable[[Any], list[Any]], Callable[[Any], list[str]], str]] = []
    if isinstance(shape, _model.ListShape):
        nested.append((list, _inner(_compile(shape.member)), "Member must satisfy constraint"))
    elif isinstance(shape, _model.MapShape):
        nested.append((list, _inner(_compile(shape.key)), "Map keys must satisfy constraint"))
        nested.append((_values, _inner(_compile(shape.value)), "Map value must satisfy constraint"))

    def check(value: Any, path: str, errors: list[FieldError]) -> None:
        shown = None if sensitive else java_repr(value)
        texts = own(value)
        for items, inner, lead in nested:
            broken: dict[str, None] = {}
            for item in items(value):
                broken.update(dict.fromkeys(inner(item)))
            if broken:
                texts.append(f"{lead}: [{', '.join(broken)}]")
        errors.extend(FieldError(path, shown, text) for text in texts)

    return check


def _values(mapping: dict[str, Any]) -> list[Any]:
    return list(mapping.values())


def _structure(shape: _model.Shape) -> Check:
    assert isinstance(shape, _model.StructureShape)
    required = set(shape.required_members)
    members = [(name, _compile(member), name in required) for name, member in shape.members.items()]
    members = [entry for entry in members if entry[1] is not _nothing or entry[2]]
    is_union = bool(shape.metadata.get("union"))
    union_text = f"Member must have exactly one of [{', '.join(shape.members)}] set"
    shown = None if _sensitive(shape) else java_repr

    def check(value: Any, path: str, errors: list[FieldError]) -> None:
        prefix = f"{path}." if path else ""
        for name, member_check, is_required in members:
            if value.get(name) is not None:
                member_check(value[name], prefix + name, errors)
            elif is_required:
                # botocore sends every required member, except where the wire cannot carry it
                # (an empty list in the query string) or parameter validation is turned off.
                errors.append(FieldError(prefix + name, None, NOT_NULL, null=True))
        if is_union and sum(1 for v in value.values() if v is not None) != 1:
            errors.append(FieldError(path, shown(value) if shown else None, union_text))

    return check


_COMPILERS: dict[str, Callable[[_model.Shape], Check]] = {
    "structure": _structure,
    "list": _collection,
    "map": _collection,
    "string": _scalar,
    "integer": _scalar,
    "long": _scalar,
}


@functools.cache
def enforced_pattern(shape_name: str, model_pattern: str | None) -> str | None:
    """The pattern enforced for a shape: the model's, unless the defect table overrides it."""
    return PATTERN_OVERRIDES.get(shape_name, model_pattern)
