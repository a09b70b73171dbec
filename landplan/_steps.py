"""The steps of a check: each one timed and logged, and shown on a progress display.

Library code wraps each step of its work in :func:`step`: reading a layer, normalising it,
the overlay, each rule, the messages, the statuses, each file written. When the step ends
its seconds are logged at ``INFO`` by the logger ``landplan.steps``, one line per step::

    INFO landplan.steps: read decisions: 1.62 s (1,000,000 features)
    INFO landplan.steps: rule double-allocation: 2.10 s (0 findings)
    INFO landplan.steps: write decisions.csv: 1.05 s

(the command line shows them with ``--verbose``). It also shows the steps as they go
(:func:`showing` installs a display for the duration of a run: ``landplan.cli``'s progress
line on a terminal); library code does not know whether anything is shown. The display is
a context variable: a thread that was not started inside :func:`showing` (the GeoPackage
writer) only logs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from ._memory import release_memory

__all__ = ["Display", "Step", "log", "showing", "step"]

log = logging.getLogger("landplan.steps")
"""The logger of the steps' seconds (``INFO``)."""
_RELEASE_AFTER = 0.1  # seconds: a step this long gives the memory it freed back


@dataclass
class Step:
    """A step as a display sees it; the code running it may fill ``count`` and ``note``."""

    key: str
    """What the step does: ``read_decisions``, ``overlay``, ``rule``, ``write`` …
    (``progress.<key>`` in ``labels.toml`` says it in words)."""
    detail: str = ""
    """Which one: a rule id, a file name."""
    index: int | None = None
    """Its position among steps of the same kind (rule 3 of 20), from 1."""
    total: int | None = None
    """How many steps of that kind there are."""
    count: int | None = None
    """How many records it handles, when known (shown as it is known)."""
    note: str = ""
    """What the log line adds in brackets after the seconds."""
    seconds: float = 0.0
    """How long it took (set when it ends)."""

    @property
    def name(self) -> str:
        """The step in the log: ``"read decisions"``, ``"rule double-allocation"``."""
        words = self.key.replace("_", " ")
        return f"{words} {self.detail}" if self.detail else words


class Display(Protocol):
    """What shows the steps (:func:`showing`): told when each starts and ends."""

    def started(self, step: Step) -> None:
        """Show that ``step`` begins."""

    def finished(self, step: Step) -> None:
        """Show that ``step`` ended (its ``seconds`` are set)."""


_DISPLAY: ContextVar[Display | None] = ContextVar("landplan_display", default=None)


@contextmanager
def showing(display: Display | None) -> Iterator[None]:
    """Show the steps run inside the block on ``display`` (None: show nothing)."""
    token = _DISPLAY.set(display)
    try:
        yield
    finally:
        _DISPLAY.reset(token)


@contextmanager
def step(key: str, detail: str = "", *, index: int | None = None, total: int | None = None,
         count: int | None = None, logged: bool = True) -> Iterator[Step]:
    """Time the block as one step: log its seconds at ``INFO`` (:data:`log`) and show it.

    A step of 0.1 s or more gives the memory it freed back to the system when it ends
    (:func:`landplan._memory.release_memory`): the steps after it start from what is in
    use, not from the high-water mark of the ones before.

    Parameters
    ----------
    key, detail, index, total, count
        See :class:`Step`.
    logged
        False shows the step without logging it (waiting for work that logs its own line).

    Yields
    ------
    Step
        The step: set its ``count`` or ``note`` inside the block if they are known then.
        A step that raises is neither logged nor shown as finished.
    """
    current = Step(key, detail, index=index, total=total, count=count)
    display = _DISPLAY.get()
    if display is not None:
        display.started(current)
    start = time.perf_counter()
    yield current
    current.seconds = time.perf_counter() - start
    if current.seconds >= _RELEASE_AFTER:
        release_memory()
    if logged:
        log.info("%s: %.2f s%s", current.name, current.seconds,
                 f" ({current.note})" if current.note else "")
    if display is not None:
        display.finished(current)
