"""Writing a file all at once: into a temporary file beside it, then a rename.

A reader, or a run interrupted half-way, sees the old file or the new one, never half of
one. Temporary files are hidden (`.<name>.<random>.tmp<suffix>`), keep the final suffix
(openpyxl wants `.xlsx`) and are removed if writing fails.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def temporary(path: str | Path, mode: int = 0o644) -> Path:
    """A new empty hidden temporary file beside `path`, for a write that is moved into place
    with `os.replace` later (several files committed together, or a file another library
    writes step by step). The caller removes it if the write fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    os.chmod(tmp, mode)
    return Path(tmp)


def write_with(path: str | Path, write: Callable[[str], object], mode: int = 0o644) -> Path:
    """Call `write(temporary_path)`, then move the result to `path`; return `path`."""
    path = Path(path)
    tmp = str(temporary(path, mode))
    try:
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_bytes(path: str | Path, data: bytes, mode: int = 0o644) -> Path:
    return write_with(path, lambda tmp: Path(tmp).write_bytes(data), mode)


def write_text(path: str | Path, text: str, encoding: str = "utf-8", mode: int = 0o644) -> Path:
    """Text exactly as given: no newline translation, so files are the same on every OS."""
    return write_bytes(path, text.encode(encoding), mode)
