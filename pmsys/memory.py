"""Python's memory management where pmsys makes very many objects at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a very large piece of work runs.

    A city's bundle makes millions of small objects (its JSON, an Item per object, the
    rows to compare and write), and a city's ticket report by community some 100,000,
    hardly any in a reference cycle; as they pile up the collector would traverse them
    all again and again (nearly half the time of checking a bundle; 80-100 ms of a
    ~420 ms report at load 5). Reference counting frees them as usual, and any cycle
    made meanwhile is collected once the collector resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
