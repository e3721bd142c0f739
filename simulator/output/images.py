"""The report's images: drawn once the page's text is written, on both cores where that is safe.

A page of two scenarios holds 16 PNGs (each chart for desktops and for phones), and matplotlib draws
one image in about 0.15 s of Python that holds the GIL: threads cannot share it. On Linux, with two
cores and no other thread running, a forked copy of this process (it has the results and matplotlib
already loaded; nothing is imported or sent to it) draws beside it. Both take the images' numbers one
at a time from a pipe, so the one that draws faster draws more (a slide-sized image costs twice a
phone's); the copy writes its PNGs' text to an unnamed temporary file, read back once it has exited.
Anything the copy did not finish is drawn here, so a failed copy costs time, never an image, and a copy
that outlives its patience (a lock some native thread held at the fork: BLAS and Arrow pools have fork
handlers, but the copy is never trusted to finish) is stopped. In each process a second thread
PNG-encodes one image while the next is drawn (zlib releases the GIL).
"""

from __future__ import annotations

import base64
import io
import os
import re
import secrets
import signal
import struct
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from simulator.engine.parallel import threads

DPI = 110
FORK_FROM = 4  # images: below this, a copy of the process costs about what it saves
FORK_UP_TO = 1024  # images: their numbers fit in one write to an empty pipe (4 kB), which never blocks
_RECORD = struct.Struct("<II")  # image number, length of its data: URI
_NUMBER = struct.Struct("<I")
PATIENCE = 5.0  # seconds the copy may take beyond twice what this process took for its own half


def _data_uri(rgba: Any) -> str:
    import numpy as np
    from PIL import Image  # matplotlib's own dependency

    pixels = np.asarray(rgba)
    if (pixels[..., 3] == 255).all():  # opaque, as every chart is: RGB encodes a fifth faster, 10% smaller
        pixels = np.ascontiguousarray(pixels[..., :3])
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def forkable(images: int) -> bool:
    """Fork only where it is safe and pays: Linux (fork elsewhere is unsafe or missing), two cores, no
    other thread (a thread holding a lock at the fork would leave it held in the copy forever: a
    notebook's kernel or the explorer's server draw in this process alone), and enough images."""
    return (
        sys.platform == "linux"
        and FORK_FROM <= images <= FORK_UP_TO
        and threads() >= 2  # the cores this process may run on
        and threading.active_count() == 1
    )


class Images:
    """Placeholders for the page's images (`add`), then the page with each replaced by its data: URI
    (`fill`). `tick()` after each image drawn, in either process (the report's progress)."""

    def __init__(self, tick: Callable[[], None]) -> None:
        self.tick = tick
        self.jobs: list[Callable[[], Any]] = []
        self.mark = f"\0{secrets.token_hex(8)}:"  # nothing a scenario says can match it by chance

    def add(self, make: Callable[[], Any]) -> str:
        """A placeholder for the figure `make()` returns, drawn later."""
        self.jobs.append(make)
        return f"{self.mark}{len(self.jobs) - 1}\0"

    def fill(self, html: str) -> str:
        uris = self.drawn()
        return re.sub(f"{re.escape(self.mark)}(\\d+)\0", lambda m: uris[int(m[1])], html)

    def drawn(self) -> dict[int, str]:
        """Every image's data: URI, by number."""
        jobs = range(len(self.jobs))
        done = self._shared(jobs) if forkable(len(jobs)) else {}
        missing = [i for i in jobs if i not in done]  # all of them, or what a failed copy left
        return done | dict(self._each(missing, self.tick))

    def _shared(self, jobs: range) -> dict[int, str]:
        """The images this process and a forked copy drew; {} when no copy could be made (no temporary
        file, no process to spare): then this process draws them all."""
        try:
            spool = tempfile.TemporaryFile()  # noqa: SIM115  (unnamed: no other process can open it; closed below)
        except OSError:
            return {}
        with spool:
            try:
                taking, giving = os.pipe()
            except OSError:
                return {}
            try:
                try:
                    os.write(giving, b"".join(_NUMBER.pack(i) for i in jobs))
                finally:
                    os.close(giving)  # so both processes read to the end of what it holds
                with warnings.catch_warnings():  # Python 3.12+ warns of native threads; see the module's docstring
                    warnings.simplefilter("ignore", DeprecationWarning)
                    pid = os.fork()
            except OSError:
                os.close(taking)
                return {}
            if pid == 0:  # the copy: draw what it takes, write it, leave without the parent's exit code
                _child(lambda: self._each(_taken(taking), lambda: None), spool.fileno())
            start = time.monotonic()
            try:
                done = dict(self._each(_taken(taking), self.tick))
            except BaseException:
                _wait(pid, 0)  # this process failed (or was interrupted): stop the copy now
                raise
            finally:
                os.close(taking)
            _wait(pid, 2 * (time.monotonic() - start) + PATIENCE)
            spool.seek(0)
            for number, uri in _records(spool.read()):
                if number in jobs:
                    done[number] = uri
                    self.tick()
        return done

    def _each(self, numbers: Iterable[int], tick: Callable[[], None]) -> Iterator[tuple[int, str]]:
        """(number, data: URI) of each image as it is encoded, one image behind the drawing."""
        from simulator.output.chart_style import pixels

        with ThreadPoolExecutor(1, thread_name_prefix="tariffsim-png") as pool:
            pending = None
            for i in numbers:
                encoding = pool.submit(_data_uri, pixels(self.jobs[i](), DPI))
                tick()
                if pending is not None:
                    yield pending[0], pending[1].result()
                pending = (i, encoding)
            if pending is not None:
                yield pending[0], pending[1].result()


def _taken(fd: int) -> Iterator[int]:
    """Image numbers from the pipe until it is empty; a pipe's reads of 4 bytes never split a number
    (it holds a whole number of them, and each read takes 4 bytes or, at the end, none)."""
    while len(data := os.read(fd, _NUMBER.size)) == _NUMBER.size:
        yield _NUMBER.unpack(data)[0]


def _wait(pid: int, patience: float) -> None:
    """Reap the copy, stopping it first if it has not exited within `patience` seconds."""
    deadline = time.monotonic() + patience
    while os.waitpid(pid, os.WNOHANG)[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return
        time.sleep(0.005)


def _child(draw: Callable[[], Iterable[tuple[int, str]]], fd: int) -> None:
    code = 1
    try:
        for number, uri in draw():
            data = uri.encode("ascii")
            record = memoryview(_RECORD.pack(number, len(data)) + data)
            while record:
                record = record[os.write(fd, record) :]
        code = 0
    finally:
        os._exit(code)  # never returns into the parent's code, its atexit handlers or its buffers


def _records(data: bytes) -> Iterable[tuple[int, str]]:
    """The copy's images; a record cut short (the copy died writing it) is left to be drawn again."""
    at = 0
    while at + _RECORD.size <= len(data):
        number, length = _RECORD.unpack_from(data, at)
        at += _RECORD.size
        if at + length > len(data):
            return
        yield number, data[at : at + length].decode("ascii")
        at += length
