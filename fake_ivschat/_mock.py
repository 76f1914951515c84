"""What ``mock_ivschat()`` returns: a context manager and decorator that runs code inside a fresh,
active fake (around a block, each call of a function, or each test of a class). It takes the
fake's factory, and imports nothing of the package."""

from __future__ import annotations

import contextlib
import functools
import inspect
import unittest
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar, cast

NewContext = Callable[[], AbstractContextManager[Any]]  # a fresh active fake per use
T = TypeVar("T")
F = TypeVar("F")


class MockContext(Generic[F]):
    """``with mock_ivschat() as fake:`` or ``@mock_ivschat()``: a fresh context from ``new``
    (an active fake), entered around the block, each call or each test."""

    def __init__(self, new: Callable[[], AbstractContextManager[F]]) -> None:
        self._new = new
        self._entered: list[AbstractContextManager[F]] = []

    def __enter__(self) -> F:
        context = self._new()
        fake = context.__enter__()
        self._entered.append(context)
        return fake

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._entered.pop().__exit__(exc_type, exc, traceback)

    def __call__(self, target: T) -> T:
        return decorate(target, self._new)


# A wrapper made by decorate() carries what it wraps, and whether a class decorator made it:
# a decorated subclass then re-wraps the original of an inherited test with its own options.
_WRAPPED = "__fake_ivschat_wrapped__"
# Set on a TestCase instance from the moment one wrapped setUp starts its test's fake.
_TEST_HAS_FAKE = "_fake_ivschat_test_has_fake"


@dataclass(frozen=True)
class _Wrapped:
    original: Callable[..., Any]
    by_class: bool


def decorate(target: T, new: NewContext, *, by_class: bool = False) -> T:
    """Run ``target`` (function, coroutine function, generator function or class) inside a fresh
    ``new()`` context per call; for a ``unittest.TestCase``, per test, from setUp to cleanups.
    On classes, the closest decorator wins: a decorated subclass of a decorated class runs each
    test in one fresh context, its own."""
    if isinstance(target, type):
        if issubclass(target, unittest.TestCase):
            _decorate_test_case(target, new)
        else:
            _decorate_test_methods(target, new)
        return target
    if inspect.isasyncgenfunction(target):
        raise TypeError(
            "mock_ivschat() cannot decorate an async generator function; "
            "use `with mock_ivschat():` inside it instead."
        )
    if not callable(target):
        raise TypeError(
            "mock_ivschat() decorates functions, coroutine functions and classes, "
            f"not {type(target).__name__}."
        )
    decorated: Any = functools.wraps(target)(_wrapper(target, new))
    setattr(decorated, _WRAPPED, _Wrapped(target, by_class))
    return cast(T, decorated)


def _wrapper(function: Callable[..., Any], new: NewContext) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(function):

        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with new():
                return await function(*args, **kwargs)

        return run_async
    if inspect.isgeneratorfunction(function):

        def run_generator(*args: Any, **kwargs: Any) -> Any:
            with new():
                return (yield from function(*args, **kwargs))

        return run_generator

    def run(*args: Any, **kwargs: Any) -> Any:
        with new():
            return function(*args, **kwargs)

    return run


def _decorate_test_case(cls: type[unittest.TestCase], new: NewContext) -> None:
    set_up = cls.setUp

    @functools.wraps(set_up)
    def setUp(self: unittest.TestCase) -> None:
        state = vars(self)
        if state.get(_TEST_HAS_FAKE):
            # A closer decorator (a decorated subclass, whose setUp runs first) already started
            # this test's fake: this inherited or super() setUp must not start a second one.
            set_up(self)
            return
        stack = contextlib.ExitStack()
        stack.enter_context(new())
        state[_TEST_HAS_FAKE] = True
        stack.callback(state.pop, _TEST_HAS_FAKE, None)
        # Cleanups run after tearDown and even when setUp fails; ours was added first, so it
        # runs last: the fake stays active for the test's own cleanups.
        self.addCleanup(stack.close)
        set_up(self)

    cls.setUp = setUp  # type: ignore[method-assign]


def _decorate_test_methods(cls: type, new: NewContext) -> None:
    for name in dir(cls):
        if not name.startswith("test"):
            continue
        raw = inspect.getattr_static(cls, name)
        kind = type(raw) if isinstance(raw, (staticmethod, classmethod)) else None
        function = raw.__func__ if kind is not None else raw
        if not inspect.isfunction(function):
            continue
        wrapped: _Wrapped | None = getattr(function, _WRAPPED, None)
        if wrapped is not None and not wrapped.by_class:
            continue  # the test's own decorator is closer than any class's
        original = wrapped.original if wrapped is not None else function
        decorated: Any = decorate(original, new, by_class=True)
        setattr(cls, name, kind(decorated) if kind is not None else decorated)
