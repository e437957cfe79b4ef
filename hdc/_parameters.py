"""Declarative checks of estimator parameters: a table of constraints per estimator, one checker.

An estimator lists what each parameter accepts, e.g.::

    _parameter_rules = {
        "dim": Integer(1),
        "lr": Real(0, low_open=True),
        "margin": (Options("auto"), Real(0)),
        "prototypes": Options("integer", "binary"),
    }

and calls ``check_params(self, self._parameter_rules)`` at the start of ``fit``. A parameter
that no alternative accepts raises an error that names the parameter, the value received and
what is accepted (``"margin must be 'auto' or a finite number >= 0, got -0.1"``). The error is
a ``TypeError`` when the value is of none of the types the alternatives are about (a string for
a number, an object without the required methods) and a ``ValueError`` when its type fits but
its value does not (a number out of range, a string that is not one of the options). A list of
options alone always gives a ``ValueError``: any value outside it is a wrong value.

Used by the estimators of :mod:`hdc` and :mod:`encoders` (:mod:`vision` stands alone and keeps
its own checks).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "Boolean",
    "Constraint",
    "HasMethods",
    "Integer",
    "Options",
    "Real",
    "Verbose",
    "check_params",
    "check_value",
]


class Constraint:
    """One kind of accepted value.

    ``accepts(value)`` says whether the value is accepted, ``same_type(value)`` whether it is of
    the type the constraint is about (so that a refusal is a ValueError, not a TypeError), and
    ``describe()`` what is accepted, as it reads after "must be". ``checks_type`` is False for
    constraints whose refusals are always ValueErrors.
    """

    checks_type = True

    def accepts(self, value: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def same_type(self, value: Any) -> bool:
        return self.accepts(value)

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


def _is_integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if high is None:
        return f"{'>' if low_open else '>='} {low}"
    if low is None:
        return f"{'<' if high_open else '<='} {high}"
    return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def _inside(value: Any, low, high, low_open: bool, high_open: bool) -> bool:
    if low is not None and (value <= low if low_open else value < low):
        return False
    return not (high is not None and (value >= high if high_open else value > high))


class Integer(Constraint):
    """An integer (numpy integers too, not bools) in ``[low, high]`` (either bound optional).

    ``type_error=False`` makes a value that is not an integer a ValueError too.

    Examples
    --------
    >>> Integer(1).describe(), Integer(1, 32).describe()
    ('an integer >= 1', 'an integer in [1, 32]')
    """

    def __init__(self, low: int | None = None, high: int | None = None, *, type_error: bool = True):
        self.low, self.high = low, high
        self.checks_type = type_error

    def same_type(self, value: Any) -> bool:
        return _is_integer(value)

    def accepts(self, value: Any) -> bool:
        return _is_integer(value) and _inside(value, self.low, self.high, False, False)

    def describe(self) -> str:
        if self.low is None and self.high is None:
            return "an integer"
        return f"an integer {_interval(self.low, self.high, False, False)}"


class Real(Constraint):
    """A finite real number (not a bool) between ``low`` and ``high`` (either bound optional,
    each closed unless ``low_open`` / ``high_open``).

    ``type_error=False`` makes a value that is not a number a ValueError too.

    Examples
    --------
    >>> Real(0, low_open=True).describe(), Real(0, 1, low_open=True, high_open=True).describe()
    ('a finite number > 0', 'a finite number in (0, 1)')
    """

    def __init__(
        self,
        low: float | None = None,
        high: float | None = None,
        *,
        low_open: bool = False,
        high_open: bool = False,
        type_error: bool = True,
    ):
        self.low, self.high = low, high
        self.low_open, self.high_open = low_open, high_open
        self.checks_type = type_error

    def same_type(self, value: Any) -> bool:
        return _is_real(value)

    def accepts(self, value: Any) -> bool:
        return (
            _is_real(value)
            and bool(np.isfinite(value))
            and _inside(value, self.low, self.high, self.low_open, self.high_open)
        )

    def describe(self) -> str:
        if self.low is None and self.high is None:
            return "a finite number"
        return f"a finite number {_interval(self.low, self.high, self.low_open, self.high_open)}"


def _same_kind(value: Any, option: Any) -> bool:
    """Whether ``value`` is of the kind of ``option``: a str (numpy's too), None, or its type."""
    if option is None:
        return value is None
    if isinstance(option, str):
        return isinstance(value, str)
    return type(value) is type(option)


class Options(Constraint):
    """One of a few values (strings, None): ``Options("integer", "binary")``.

    Examples
    --------
    >>> Options("auto").describe(), Options("a", "b", "c").describe()
    ("'auto'", "one of 'a', 'b', 'c'")
    """

    checks_type = False

    def __init__(self, *values: Any):
        self.values = values

    def same_type(self, value: Any) -> bool:
        return any(_same_kind(value, option) for option in self.values)

    def accepts(self, value: Any) -> bool:
        return any(_same_kind(value, option) and value == option for option in self.values)

    def describe(self) -> str:
        shown = [repr(option) for option in self.values]
        if len(shown) == 1:
            return shown[0]
        if len(shown) == 2:
            return f"{shown[0]} or {shown[1]}"
        return f"one of {', '.join(shown)}"


class Boolean(Constraint):
    """``True`` or ``False`` (numpy bools too)."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_))

    def describe(self) -> str:
        return "True or False"


class HasMethods(Constraint):
    """An object with the given methods, e.g. ``HasMethods("fit", "transform", what="a
    transformer")``; ``description`` replaces the generated text."""

    def __init__(self, *methods: str, what: str = "an object", description: str | None = None):
        self.methods = methods
        self.description = description or f"{what} with {'/'.join(methods)}"

    def accepts(self, value: Any) -> bool:
        return all(callable(getattr(value, name, None)) for name in self.methods)

    def describe(self) -> str:
        return self.description


class Verbose(Constraint):
    """A bool, or an int >= 0 as scikit-learn passes it (0 is off); anything else is a
    TypeError."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_)) or (
            isinstance(value, numbers.Integral) and value >= 0
        )

    def same_type(self, value: Any) -> bool:
        return False

    def describe(self) -> str:
        return "a bool or an int >= 0 (true shows a progress bar)"


Rule = Constraint | tuple[Constraint, ...]

_SIMPLE = (str, bytes, numbers.Number, bool, np.bool_, type(None))


def _shown(value: Any, with_type: bool) -> str:
    """The value as an error message shows it: its repr when short and plain (with its type
    when ``with_type``), else the name of its type."""
    if isinstance(value, _SIMPLE) or (
        isinstance(value, (tuple, list)) and all(isinstance(v, _SIMPLE) for v in value)
    ):
        text = repr(value)
        if len(text) <= 80:
            return f"{text} of type {type(value).__name__}" if with_type else text
    return f"an instance of {type(value).__name__}"


def check_value(value: Any, name: str, rule: Rule) -> Any:
    """Check one value against a constraint or a tuple of alternatives; return it unchanged.

    Raises
    ------
    TypeError
        When the value is of none of the types the alternatives are about.
    ValueError
        When its type fits an alternative but its value is not accepted.

    Examples
    --------
    >>> check_value(0.5, "lr", Real(0, low_open=True))
    0.5
    >>> check_value("fast", "mode", Options("exact", "approximate"))
    Traceback (most recent call last):
    ...
    ValueError: mode must be 'exact' or 'approximate', got 'fast'
    """
    alternatives = rule if isinstance(rule, tuple) else (rule,)
    if any(c.accepts(value) for c in alternatives):
        return value
    accepted = " or ".join(c.describe() for c in alternatives)
    wrong_type = any(c.checks_type for c in alternatives) and not any(
        c.same_type(value) for c in alternatives
    )
    message = f"{name} must be {accepted}, got {_shown(value, wrong_type)}"
    raise (TypeError if wrong_type else ValueError)(message)


def check_params(estimator: Any, rules: Mapping[str, Rule]) -> None:
    """Check the parameters of ``estimator`` named in ``rules`` (see the module docstring).

    Examples
    --------
    >>> class Model:
    ...     _parameter_rules = {"epochs": Integer(0), "kind": Options("a", "b")}
    ...     def __init__(self, epochs=1, kind="a"):
    ...         self.epochs, self.kind = epochs, kind
    >>> check_params(Model(epochs=-1), Model._parameter_rules)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be an integer >= 0, got -1
    """
    for name, rule in rules.items():
        check_value(getattr(estimator, name), name, rule)
