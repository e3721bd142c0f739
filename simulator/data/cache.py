"""A validated CSV table kept as a pickle in the user's cache folder, so the next run skips parsing it.

Reading and checking the bundled table costs about 65 ms, unpickling it 3 ms: the difference is what a
teacher waits for on every `tariffsim run`. The key is a hash of the file's bytes (about 2 ms) and
the tariffsim and pandas versions, so an edited table or an upgrade is read afresh. Tables over
CACHE_MAX_BYTES are not kept. TARIFFSIM_CACHE=off turns the cache off; TARIFFSIM_CACHE_DIR moves it.
A cache that cannot be read or written is ignored: it only ever saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from simulator import __version__
from simulator.atomic import atomic_path

CACHE_MAX_BYTES = 64 * 1024 * 1024
HERE = Path(__file__).parent
CHECKS = ("load.py", "validate.py", "columns.py")


def folder() -> Path | None:
    if os.environ.get("TARIFFSIM_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    if os.environ.get("TARIFFSIM_CACHE_DIR"):
        return Path(os.environ["TARIFFSIM_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tariffsim"


def cached(path: Path, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """`build()`'s table for the CSV at `path`, from the cache when the file has not changed."""
    where = folder()
    try:
        stat = path.stat()
    except OSError:
        return build()
    if where is None or stat.st_size > CACHE_MAX_BYTES:
        return build()
    try:
        digest = hashlib.blake2b(path.read_bytes(), digest_size=16)  # the content, so no edit is ever missed
    except OSError:
        return build()
    digest.update(f"|{__version__}|{pd.__version__}".encode())
    for module in CHECKS:  # a changed reader or check, even within one version, reads the table afresh
        with contextlib.suppress(OSError):
            digest.update((HERE / module).read_bytes())
    file = where / f"flows-{digest.hexdigest()}.pkl"
    with contextlib.suppress(Exception):  # a missing, stale-format or damaged cache: read the table
        with open(file, "rb") as f:
            frame = pickle.load(f)
        if isinstance(frame, pd.DataFrame):
            return frame
    frame = build()
    with contextlib.suppress(OSError), atomic_path(file) as tmp:
        tmp.write_bytes(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL))
    return frame
