"""The declarative parameter checks shared by the estimators (hdc._parameters)."""

import numpy as np
import pytest

from hdc._parameters import (
    Boolean,
    HasMethods,
    Integer,
    Options,
    Real,
    Verbose,
    check_params,
    check_value,
)

TRANSFORMER = (Options("auto"), HasMethods("fit", "transform", what="a transformer"))


@pytest.mark.parametrize(
    "value, rule",
    [
        (3, Integer(1)), (np.int64(32), Integer(1, 32)), (0.0, Real(0)), (0.5, Real(0, 1)),
        ("auto", TRANSFORMER), (np.str_("binary"), Options("integer", "binary")),
        (None, (Options(None), Integer(1))), (np.True_, Boolean()), (2, Verbose()),
        (1e300, Real(0, low_open=True)),
    ],
)
def test_accepted_values_are_returned_unchanged(value, rule):
    assert check_value(value, "p", rule) is value


@pytest.mark.parametrize(
    "value, rule, error, message",
    [
        (0, Integer(1), ValueError, "p must be an integer >= 1, got 0"),
        (33, Integer(1, 32), ValueError, r"p must be an integer in \[1, 32\], got 33"),
        (2.0, Integer(1), TypeError, "p must be an integer >= 1, got 2.0 of type float"),
        (True, Integer(0), TypeError, "of type bool"),
        (0, Real(0, low_open=True), ValueError, "p must be a finite number > 0, got 0"),
        (np.inf, Real(0), ValueError, "finite number >= 0, got inf"),
        (np.nan, Real(0), ValueError, "got nan"),
        (0.5, Real(0, 0.5, low_open=True, high_open=True), ValueError, r"in \(0, 0.5\)"),
        ("hot", Real(0, low_open=True), TypeError, "got 'hot' of type str"),
        ("0.5", Real(0, 1, type_error=False), ValueError, "p must be a finite number in"),
        ("magic", TRANSFORMER, ValueError, "p must be 'auto' or a transformer with fit/transform"),
        (3, TRANSFORMER, TypeError, "got 3 of type int"),
        (object(), TRANSFORMER, TypeError, "got an instance of object"),
        (3, Options("a", "b", "c"), ValueError, "p must be one of 'a', 'b', 'c', got 3"),
        (0, (Options(None), Integer(1)), ValueError, "p must be None or an integer >= 1"),
        (2.5, (Options(None), Integer(1)), TypeError, "None or an integer >= 1"),
        ("yes", Boolean(), TypeError, "p must be True or False"),
        (-1, Verbose(), TypeError, r"p must be a bool or an int >= 0 \(true shows"),
    ],
)
def test_refusals_name_the_parameter_the_value_and_what_is_accepted(value, rule, error, message):
    with pytest.raises(error, match=message):
        check_value(value, "p", rule)


def test_check_params_reads_the_estimator_parameters_in_order():
    class Model:
        _parameter_rules = {"epochs": Integer(0), "kind": Options("a", "b")}

        def __init__(self, epochs=1, kind="a"):
            self.epochs, self.kind = epochs, kind

    check_params(Model(), Model._parameter_rules)
    with pytest.raises(ValueError, match="kind must be 'a' or 'b', got 'c'"):
        check_params(Model(kind="c"), Model._parameter_rules)
    with pytest.raises(ValueError, match="epochs"):  # the first rule that fails
        check_params(Model(epochs=-1, kind="c"), Model._parameter_rules)
