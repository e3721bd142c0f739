"""A validated CSV table kept in the user's private cache folder, so the next run skips parsing it.

Reading and checking the bundled China table costs about 65 ms, reading it back from here a few: the
difference is what a teacher waits for on every `tariffsim run`. A cache must never be a way in, so:
entries are Parquet (data, never code), each signed with a key only the user can read (HMAC-SHA256),
the folder is created 0700 whatever the umask, and a folder (or key) that is not the user's own and
private is not used at all. An entry's name is a hash of the table's bytes and of tariffsim's
version and checks, so an edit or an upgrade is read afresh; an edited table's older entry is
removed, and at most MAX_ENTRIES are kept. TARIFFSIM_CACHE=off turns the cache off;
TARIFFSIM_CACHE_DIR moves it. A cache that cannot be used only costs time: it says why once, on
stderr, when the folder is unsafe.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from simulator import __version__
from simulator.atomic import atomic_path

CACHE_MAX_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 16
HERE = Path(__file__).parent
CHECKS = ("load.py", "validate.py", "columns.py", "cache.py")
KEY_FILE = "key"
TAG_BYTES = 32
_warned: set[str] = set()


def folder() -> Path | None:
    if os.environ.get("TARIFFSIM_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    if os.environ.get("TARIFFSIM_CACHE_DIR"):
        return Path(os.environ["TARIFFSIM_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tariffsim"


def unsafe(path: Path, *, directory: bool) -> str:
    """Why `path` may not be trusted as the user's private cache folder or key ('' when it may)."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if directory != stat.S_ISDIR(info.st_mode) or not (directory or stat.S_ISREG(info.st_mode)):
        return "is not a folder" if directory else "is not a regular file"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return "belongs to another user"
    if info.st_mode & 0o077:
        return f"is open to other users (mode {stat.S_IMODE(info.st_mode):o}; chmod 700 it)"
    return ""


def private_folder(where: Path) -> Path | None:
    """The cache folder, created 0700 whatever the umask; None (said once) when it is not private."""
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        where.mkdir(mode=0o700)
        os.chmod(where, 0o700)  # mkdir's mode is filtered by the umask
    except FileExistsError:
        pass
    except OSError:
        return None
    why = unsafe(where, directory=True)
    if why:
        if str(where) not in _warned:
            _warned.add(str(where))
            print(f"warning: table cache {where} not used: it {why}", file=sys.stderr)
        return None
    return where


def secret(where: Path) -> bytes | None:
    """The folder's signing key, made on first use, readable by the user alone."""
    file = where / KEY_FILE
    with contextlib.suppress(FileExistsError, OSError):
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
    if unsafe(file, directory=False):
        return None
    try:
        key = file.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


def cached(path: Path, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """`build()`'s table for the CSV at `path`, from the cache when the file has not changed."""
    where = folder()
    try:
        size = path.stat().st_size
    except OSError:
        return build()
    if where is None or size > CACHE_MAX_BYTES:
        return build()
    where = private_folder(where)
    key = secret(where) if where is not None else None
    if where is None or key is None:
        return build()
    try:
        digest = hashlib.blake2b(path.read_bytes(), digest_size=16)  # the content, so no edit is ever missed
    except OSError:
        return build()
    digest.update(f"|{__version__}|{pd.__version__}".encode())
    for module in CHECKS:  # a changed reader or check, even within one version, reads the table afresh
        with contextlib.suppress(OSError):
            digest.update((HERE / module).read_bytes())
    family = hashlib.blake2b(str(path.resolve()).encode(), digest_size=6).hexdigest()
    file = where / f"flows-{family}-{digest.hexdigest()}.parquet"
    frame = _read(file, key)
    if frame is not None:
        return frame
    frame = build()
    with contextlib.suppress(Exception):  # a full disk or an unwritable folder only costs time
        _write(file, frame, key)
        _evict(where, keep=file, family=family)
    return frame


def _read(file: Path, key: bytes) -> pd.DataFrame | None:
    """The entry's table if its signature holds; None for a missing, foreign or damaged entry."""
    if unsafe(file, directory=False):
        return None
    try:
        blob = file.read_bytes()
    except OSError:
        return None
    tag, body = blob[:TAG_BYTES], blob[TAG_BYTES:]
    if not hmac.compare_digest(tag, hmac.new(key, body, hashlib.sha256).digest()):
        return None
    try:
        return _frame(body)
    except Exception:  # signed by us but unreadable (another pyarrow): read the table afresh
        return None


def _frame(body: bytes) -> pd.DataFrame:
    """The table as validate_flows left it: categories and text as Python strings, numbers as float."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(body))
    out: dict[str, object] = {}
    for name in table.column_names:
        column = table[name].combine_chunks()
        if pa.types.is_dictionary(column.type):
            categories = pd.Index(np.array(column.dictionary.to_pylist(), dtype=object), dtype=object)
            codes = column.indices.to_numpy(zero_copy_only=False)
            out[name] = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories), validate=False)
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            out[name] = pd.Series(column.to_pylist(), dtype=object)
        else:
            out[name] = column.to_numpy(zero_copy_only=False)
    return pd.DataFrame(out)


def _write(file: Path, frame: pd.DataFrame, key: bytes) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            arrays[name] = pa.DictionaryArray.from_arrays(
                pa.array(column.cat.codes.to_numpy()), pa.array(list(column.cat.categories), pa.string())
            )
        else:
            arrays[name] = pa.array(column.to_numpy())
    buffer = io.BytesIO()
    pq.write_table(pa.table(arrays), buffer, store_schema=True)
    body = buffer.getvalue()
    with atomic_path(file) as tmp:
        tmp.write_bytes(hmac.new(key, body, hashlib.sha256).digest() + body)
    os.chmod(file, 0o600)  # atomic_path gives the umask's permissions; the folder is 0700 in any case


def _evict(where: Path, *, keep: Path, family: str) -> None:
    """Remove the same table's older entries and, beyond MAX_ENTRIES, the least recently written."""
    entries = [p for p in where.glob("flows-*") if p != keep and p.suffix in (".parquet", ".pkl")]
    for old in [p for p in entries if p.name.startswith(f"flows-{family}-") or p.suffix == ".pkl"]:
        with contextlib.suppress(OSError):
            old.unlink()
    rest = sorted((p for p in entries if p.exists()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in rest[MAX_ENTRIES - 1 :]:
        with contextlib.suppress(OSError):
            old.unlink()
