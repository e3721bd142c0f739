"""Independent evaluations side by side: the dates of a timeline, the chunks of a sweep.

numpy releases the GIL inside its loops, so two threads on two cores each do a date's array work
while the other pays its Python steps. Only worth it when each item is large: below `WORTH` cells
a thread's start costs more than it saves, and items run in order in this thread. Results come back
in the items' order and are the same as one after another (each item reads only what the
preparation holds; what it caches per date or per share vector is the same whichever thread finds it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K")

WORTH = 1_000_000  # cells (keys x layers, or rows) per item from which a second thread pays
KEPT = 6  # entries `remember` keeps: two runs of dates and the date asked for, each at its last and next date


def threads() -> int:
    """Threads to use: the cores this process may run on, at most 2 (more measured no faster here)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


def ordered_map(work: Callable[[T], R], items: Iterable[T], cells: int) -> Iterator[R]:
    """work(item) for each item, in order; on threads when each item is `cells` large or more. On
    threads every item is started at once, so the caller can do other work before reading them."""
    items = list(items)
    if cells < WORTH or len(items) < 2 or threads() < 2:
        return map(work, items)
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=threads())
    started = [pool.submit(work, item) for item in items]
    pool.shutdown(wait=False)  # the threads end when the last item is done

    def results() -> Iterator[R]:
        for future in started:
            yield future.result()

    return results()


def remember(cache: dict[K, R], key: K, value: R, most: int = KEPT) -> R:
    """`cache[key] = value`, keeping only the `most` latest entries. A path's dates are walked in order
    (one run of them per thread), so what a date finds is asked for again at the next dates or not at
    all: after a world run every entry kept held 176 MB (waived shares and tables' rows), six each
    124 MB. Safe beside other threads: `list` of a dict is one step under the GIL, and an entry another
    thread dropped first is skipped."""
    cache[key] = value
    for old in list(cache)[:-most]:
        cache.pop(old, None)
    return value
