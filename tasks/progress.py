"""Progress of a long command (seed_demo, generate_portfolio, run_arrears, run_reconciliation,
bench): a bar on a terminal, plain lines when the output is a file, a pipe or a log, so a CI log
holds a dozen lines, not thousands of redraws.

    with progress(self.stdout, "Sổ vay", total=n) as advance:
        for done in ...:
            advance(done)        # or advance(done, total) when the total is learnt late
        advance.say("a line")    # printed above the bar, not through it
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

# Plain lines: one each time another tenth is done (and at the end).
PLAIN_STEPS = 10


def is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress(stream, label: str, *, total: int | None = None) -> Iterator:
    """A function `advance(done, total=None)` that shows how far `label` has got on `stream`
    (a management command's stdout, or any text stream)."""
    if is_terminal(stream):
        with _bar(stream, label, total) as advance:
            yield advance
    else:
        yield _Lines(stream, label, total)


@contextmanager
def _bar(stream, label: str, total: int | None) -> Iterator:
    # Django's OutputWrapper adds a newline to every write; rich draws on the stream beneath.
    console = Console(file=getattr(stream, "_out", stream))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        yield _BarTask(bar, bar.add_task(label, total=total))


class _BarTask:
    def __init__(self, bar: Progress, task) -> None:
        self.bar, self.task = bar, task

    def __call__(self, done: int, total: int | None = None) -> None:
        if total:
            self.bar.update(self.task, completed=done, total=total)
        else:
            self.bar.update(self.task, completed=done)

    def say(self, text: str) -> None:
        self.bar.console.print(text, highlight=False, markup=False)


class _Lines:
    """Plain progress lines: `label: done/total (pct%, seconds)` at each tenth."""

    def __init__(self, stream: TextIO, label: str, total: int | None) -> None:
        self.stream, self.label, self.total = stream, label, total
        self.started = time.monotonic()
        self.shown = -1

    def __call__(self, done: int, total: int | None = None) -> None:
        self.total = total or self.total
        if not self.total:
            return
        step = done * PLAIN_STEPS // self.total
        if step <= self.shown:
            return
        self.shown = step
        seconds = time.monotonic() - self.started
        self.say(
            f"{self.label}: {done:,}/{self.total:,} ({done * 100 // self.total}%, {seconds:.1f}s)"
        )

    def say(self, text: str) -> None:
        self.stream.write(text + "\n")
