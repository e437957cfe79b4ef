"""What every ``hdkit`` subcommand shares: one-line errors, argument types, checks, output.

An *expected* failure (a missing file, a bad option value, a missing optional dependency) is a
:class:`CommandError`: :func:`run` prints ``hdkit: error: <message>`` on one line and returns
exit status 2. Anything else is a bug and keeps its traceback. A subcommand checks what it can
before it starts working, so that a typo costs no minutes of fitting:

- argument types (:func:`positive_int`, :func:`non_negative_int`, :func:`subset_of`,
  :func:`names_list`, :func:`text_encoding`, :func:`existing_file`, :func:`output_file`)
  reject bad values while the command line is parsed;
- :func:`require_module` checks an optional dependency before any work starts;
- ``with expected(SomeError):`` turns the errors of a step that reads user input (loading a
  dataset, decoding an image) into one-line errors.

Importing this module loads no numpy: ``hdkit --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

EXIT_ERROR = 2


class CommandError(Exception):
    """An expected failure of a command; its message is printed as one line, exit status 2."""


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors are :class:`CommandError` (one line, status 2).

    The description is wrapped to 79 columns; the epilog is printed as written (lists, examples).
    Subparsers made with ``add_subparsers`` are of this class too.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        if kwargs.get("description"):
            kwargs["description"] = textwrap.fill(kwargs["description"], width=79)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        raise CommandError(f"{message} (see: {self.prog} --help)")


def run(func: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run a subcommand: its exit status, or 2 after one ``hdkit: error:`` line on stderr."""
    try:
        return int(func(args) or 0)
    except CommandError as exc:
        fail(str(exc))
        return EXIT_ERROR


def fail(message: str) -> None:
    """Print ``hdkit: error: <message>`` on one line of stderr."""
    print(f"hdkit: error: {' '.join(message.split())}", file=sys.stderr)


@contextmanager
def expected(*errors: type[BaseException]) -> Iterator[None]:
    """Turn the given exception types raised inside the block into :class:`CommandError`.

    Examples
    --------
    >>> with expected(FileNotFoundError):  # doctest: +SKIP
    ...     data = load(path)
    """
    try:
        yield
    except errors as exc:
        raise CommandError(str(exc)) from exc


def require_module(module: str, *, option: str, install: str) -> None:
    """Raise :class:`CommandError` when the optional ``module`` that ``option`` needs is missing.

    ``install`` says how to get it, e.g. ``"pip install matplotlib"``.
    """
    if importlib.util.find_spec(module) is None:
        raise CommandError(f"{option} needs {module}, which is not installed: {install}")


# ------------------------------------------------------------------ argument types
def positive_int(text: str) -> int:
    """An ``argparse`` type: an integer >= 1."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """An ``argparse`` type: an integer >= 0."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def names_list(text: str) -> list[str]:
    """An ``argparse`` type: a comma-separated, non-empty list of names (e.g. column names)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return list(dict.fromkeys(names))


def text_encoding(text: str) -> str:
    """An ``argparse`` type: the name of a text encoding that Python knows (``latin-1``)."""
    import codecs

    try:
        return codecs.lookup(text).name
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"unknown encoding {text!r}; e.g. utf-8, latin-1, cp1252, utf-16"
        ) from None


def subset_of(choices: Sequence[str]) -> Callable[[str], list[str]]:
    """An ``argparse`` type: a comma-separated, non-empty subset of ``choices``, in order given."""

    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in choices]
        if unknown or not names:
            what = f"unknown {', '.join(map(repr, unknown))}" if unknown else "nothing given"
            raise argparse.ArgumentTypeError(
                f"{what}; expected a comma-separated list of {', '.join(choices)}"
            )
        return list(dict.fromkeys(names))

    return parse


def existing_file(text: str) -> Path:
    """An ``argparse`` type: a path to an existing file."""
    path = Path(text).expanduser()
    if not path.is_file():
        reason = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise argparse.ArgumentTypeError(f"{text} {reason}")
    return path


def output_file(text: str) -> Path:
    """An ``argparse`` type: a file to write, in a folder that exists and is writable."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {text}: no folder {folder}")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot write {text}: folder {folder} is read-only")
    return path


def described(entries: dict[str, str], indent: int = 2, width: int = 79) -> str:
    """``name  text`` lines for an epilog, the text wrapped under itself."""
    column = indent + max(len(name) for name in entries) + 2
    return "\n".join(
        textwrap.fill(text, width=width, initial_indent=f"{' ' * indent}{name:<{column - indent}}",
                      subsequent_indent=" " * column)
        for name, text in entries.items()
    )


def write_json(path: Path, value: object) -> None:
    """Write ``value`` as indented JSON (floats at full precision)."""
    path.write_text(json.dumps(value, indent=2) + "\n")


# ------------------------------------------------------------------ output for people
def seconds(value: float) -> str:
    """A duration for people: ``0.42 s``, ``3.1 s``, ``26 s``, ``4 min 05 s``."""
    if value < 10:
        return f"{value:.2f} s" if value < 1 else f"{value:.1f} s"
    if value < 120:
        return f"{value:.0f} s"
    minutes, rest = divmod(math.floor(value + 0.5), 60)
    return f"{minutes} min {rest:02d} s"
