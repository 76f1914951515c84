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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import model
from .constraints import constraints
from .errors import MESSAGES, SerializationException, ServiceError, ValidationException

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
    compiler = _COMPILERS.get(shape.type_name)
    read_from = JSON_TYPES.get(shape.type_name, ((object,), "a value"))
    if compiler is None:
        return _scalar(shape, *read_from)
    check = compiler(shape)
    kinds, expected = read_from
    bool_is_wrong = bool not in kinds

    def typed(value: Any, path: str, errors: list[FieldError]) -> None:
        if not isinstance(value, kinds) or (bool_is_wrong and isinstance(value, bool)):
            raise TypeMismatch(path, kinds, expected, value)
        check(value, path, errors)

    return typed


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


def _scalar(shape: model.Shape, kinds: tuple[type, ...], expected: str) -> Check:
    # One closure for the type and every constraint: scalars are most of every request.
    fine, broken = constraints(shape)
    sensitive = _sensitive(shape)
    bool_is_wrong = bool not in kinds

    def check(value: Any, path: str, errors: list[FieldError]) -> None:
        if not isinstance(value, kinds) or (bool_is_wrong and isinstance(value, bool)):
            raise TypeMismatch(path, kinds, expected, value)
        if not fine(value):
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
    own_fine, own = constraints(shape)
    sensitive = _sensitive(shape)
    nested: list[tuple[Items, Callable[[Any, str], list[str]], str]] = []
    each: list[tuple[Callable[[Any], Any], Check]] = []  # (what to check, its check)
    if isinstance(shape, model.ListShape):
        each.append((_itself, _compile(shape.member)))
        nested.append((_items, _inner(each[0][1]), MESSAGES["items"]))
    elif isinstance(shape, model.MapShape):
        each += [(_itself, _compile(shape.key)), (dict.values, _compile(shape.value))]
        nested.append((_keys, _inner(each[0][1]), MESSAGES["keys"]))
        nested.append((_values, _inner(each[1][1]), MESSAGES["values"]))

    def fine(value: Any) -> bool:
        # The common case, without the paths and messages only a broken value needs; a wrong
        # type inside goes the long way too, to be reported with its path.
        found: list[FieldError] = []
        try:
            for part, item_check in each:
                for item in part(value):
                    item_check(item, "", found)
        except TypeMismatch:
            return False
        return not found and own_fine(value)

    def check(value: Any, path: str, errors: list[FieldError]) -> None:
        if fine(value):
            return
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


def _itself(value: Any) -> Any:
    return value


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
        if None in value.values():
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
