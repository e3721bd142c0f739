"""Write outputs so that a crash or error never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | Path, *, replace: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds.

    With replace=False an existing `path` is kept and FileExistsError raised, checked atomically
    (a hard link, which never replaces), so a file appearing meanwhile is not destroyed either.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix or ".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        if replace:
            os.replace(tmp, target)
        else:
            _create(Path(tmp), target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _create(tmp: Path, target: Path) -> None:
    """Give `tmp`'s content the name `target` only if no file has it; FileExistsError otherwise."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: create exclusively, then copy
        with open(target, "xb") as out:
            try:
                out.write(tmp.read_bytes())
            except BaseException:
                target.unlink()
                raise


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
