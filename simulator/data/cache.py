"""A validated CSV table (or the bundled table, as a direction reads it) kept in the user's private
cache folder, so the next run skips parsing it.

Reading and checking the bundled China table costs about 65 ms, reading it back from here a few: the
difference is what a teacher waits for on every `tariffsim run`. A cache must never be a way in, so:
entries are numpy arrays read with `allow_pickle=False` (data, never code), each signed with a key only the user can read (HMAC-SHA256),
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
CHECKS = ("load.py", "validate.py", "columns.py", "cache.py", "parquet.py")
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


def cached(files: Path | tuple[Path, ...], build: Callable[[], pd.DataFrame], variant: str = "") -> pd.DataFrame:
    """`build()`'s table for the CSV at `files` (or the table built from several files, such as the
    bundled table's parts read together), from the cache when no file has changed. `variant` names
    what else shapes the table (the columns and direction read), so each shape is its own entry."""
    paths = (files,) if isinstance(files, Path) else files
    where = folder()
    try:
        size = sum(path.stat().st_size for path in paths)
    except OSError:
        return build()
    if where is None or size > CACHE_MAX_BYTES:
        return build()
    where = private_folder(where)
    key = secret(where) if where is not None else None
    if where is None or key is None:
        return build()
    digest = hashlib.blake2b(digest_size=16)
    try:
        for path in paths:  # the content, so no edit is ever missed
            digest.update(hashlib.blake2b(path.read_bytes(), digest_size=16).digest())
    except OSError:
        return build()
    digest.update(f"|{__version__}|{pd.__version__}|{variant}".encode())
    for module in CHECKS:  # a changed reader or check, even within one version, reads the table afresh
        with contextlib.suppress(OSError):
            digest.update((HERE / module).read_bytes())
    named = "|".join(str(path.resolve()) for path in paths) + (f"|{variant}" if variant else "")
    family = hashlib.blake2b(named.encode(), digest_size=6).hexdigest()
    file = where / f"flows-{family}-{digest.hexdigest()}.npz"
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
    except Exception:  # signed by us but unreadable (another numpy): read the table afresh
        return None


def _frame(body: bytes) -> pd.DataFrame:
    """The table as validate_flows left it, from arrays only (`allow_pickle=False`: nothing can run)."""
    import numpy as np

    with np.load(io.BytesIO(body), allow_pickle=False) as arrays:
        names = arrays["columns"].tolist()
        out: dict[str, object] = {}
        for i, name in enumerate(names):
            if f"{i}.codes" in arrays:
                kind = "str" if f"{i}.str" in arrays else object  # pandas' text type (Parquet), or Python's (CSV)
                categories = pd.Index(_texts(arrays, f"{i}.categories"), dtype=kind)
                out[name] = pd.Categorical.from_codes(
                    arrays[f"{i}.codes"], dtype=pd.CategoricalDtype(categories), validate=False
                )
            elif f"{i}.text.bytes" in arrays:
                out[name] = pd.Series(_texts(arrays, f"{i}.text"), dtype=object)
            else:
                out[name] = arrays[f"{i}.numbers"]
    return pd.DataFrame(out)


def _write(file: Path, frame: pd.DataFrame, key: bytes) -> None:
    import numpy as np

    arrays: dict[str, object] = {"columns": np.array([str(c) for c in frame.columns], dtype=str)}
    for i, name in enumerate(frame.columns):
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            arrays[f"{i}.codes"] = column.cat.codes.to_numpy()
            arrays |= _packed(f"{i}.categories", [str(c) for c in column.cat.categories])
            if isinstance(column.cat.categories.dtype, pd.StringDtype):
                arrays[f"{i}.str"] = np.array(True)
        elif pd.api.types.is_numeric_dtype(column.dtype):
            arrays[f"{i}.numbers"] = column.to_numpy()
        else:
            arrays |= _packed(f"{i}.text", [str(v) for v in column])
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    body = buffer.getvalue()
    with atomic_path(file) as tmp:
        tmp.write_bytes(hmac.new(key, body, hashlib.sha256).digest() + body)
    os.chmod(file, 0o600)  # atomic_path gives the umask's permissions; the folder is 0700 in any case


def _packed(name: str, texts: list[str]) -> dict[str, object]:
    """Strings as one UTF-8 byte array, NUL between them (a CSV the cache keeps cannot hold a NUL: the
    reader refuses binary files): compact, where numpy's fixed-width text would pad every
    description to the longest (44 MB for the China table), and read back with one split."""
    import numpy as np

    if any("\x00" in t for t in texts):
        raise ValueError("a NUL in the text: not cached")
    blob = "\x00".join(texts).encode("utf-8")
    return {f"{name}.bytes": np.frombuffer(blob, dtype=np.uint8), f"{name}.count": np.array(len(texts))}


def _texts(arrays: object, name: str) -> list[str]:
    count = int(arrays[f"{name}.count"])  # type: ignore[index]
    texts = arrays[f"{name}.bytes"].tobytes().decode("utf-8").split("\x00") if count else []  # type: ignore[index]
    if len(texts) != count:
        raise ValueError("damaged text column")
    return texts


def _evict(where: Path, *, keep: Path, family: str) -> None:
    """Remove the same table's older entries and, beyond MAX_ENTRIES, the least recently written."""
    entries = [p for p in where.glob("flows-*") if p != keep and p.suffix in (".npz", ".parquet", ".pkl")]
    for old in [p for p in entries if p.name.startswith(f"flows-{family}-") or p.suffix != ".npz"]:
        with contextlib.suppress(OSError):
            old.unlink()
    rest = sorted((p for p in entries if p.exists()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in rest[MAX_ENTRIES - 1 :]:
        with contextlib.suppress(OSError):
            old.unlink()
