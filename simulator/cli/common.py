"""What every command shares: option types, declared-once options, errors to messages, output."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from simulator.atomic import write_text
from simulator.errors import SimulatorError
from simulator.output import FORMATS

F = TypeVar("F", bound=Callable[..., Any])


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2025-04-12", param, ctx)


DATE = DateType()
SCENARIO_PATH = click.Path(dir_okay=False, path_type=Path)
# options shared by several commands, declared once
FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format."
)
OUTPUT_OPTION = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of stdout ('-' is stdout).",
)
CHARTS_OPTION = click.option(
    "--charts", "charts_dir", type=click.Path(file_okay=False, path_type=Path), help="Also draw the charts into DIR."
)
CHART_FORMAT_OPTION = click.option(
    "--chart-format", type=click.Choice(["png", "svg"]), default="png", show_default=True, help="Chart file format."
)


def friendly(func: F) -> F:
    """Turn library errors into clean messages with exit code 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SimulatorError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            quiet_exit_on_closed_pipe()
        except OSError as exc:
            raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}") from None

    return wrapper  # type: ignore[return-value]


def quiet_exit_on_closed_pipe() -> None:
    """`tariffsim list | head -1`: the reader has what it wanted; not an error. Point stdout at devnull
    so the interpreter's final flush does not complain, and exit 0."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(0)


def emit(text: str, output: Path | None, warnings: tuple[str, ...] | list[str] = (), fmt: str = "table") -> None:
    """Write to stdout (no --output, or `-o -`) or atomically to a file. Warnings reach the user in
    every format: CSV has no place for them, so they go to stderr."""
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
    else:
        write_text(output, text)
        click.echo(f"wrote {output}", err=True)
    if fmt in ("csv", "tidy"):
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)


class ProgressBar:
    """A progress bar on stderr for long sweeps and draws, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.stack = contextlib.ExitStack()
        self.bar: Any = None

    def __enter__(self) -> ProgressBar | None:
        return self if sys.stderr.isatty() else None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = self.stack.enter_context(click.progressbar(length=total, label=self.label, file=sys.stderr))
        self.bar.update(done)

    def __exit__(self, *exc: object) -> None:
        self.stack.close()


def percent_option(text: str, name: str) -> float:
    value = text.strip()
    try:
        if not value.endswith("%"):
            raise ValueError
        number = float(value[:-1]) / 100
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a percentage; write e.g. 125%", param_hint=name) from None
    if not 0 <= number <= 10:
        raise click.BadParameter(f"{text} is outside 0%-1000%", param_hint=name)
    return number


def plural(n: int, word: str) -> str:
    """'1 line', '2 lines', '1,000 categories'.

    >>> plural(1, "line"), plural(2, "category"), plural(1000, "line")
    ('1 line', '2 categories', '1,000 lines')
    """
    many = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{n:,} {word if n == 1 else many}"
