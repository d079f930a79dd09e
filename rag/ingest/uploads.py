"""Files people hand us through a door (browser upload, chat attachment).

The name comes from a stranger, so only its last component survives, reduced
to safe characters; the file lands inside the corpus folder and nowhere else,
and never overwrites an article already there.
"""

from __future__ import annotations

import re
from pathlib import Path

from rag.ingest.loaders import SUFFIXES

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120


class UploadError(ValueError):
    """An upload refused before anything was written; the message says why."""


def safe_name(name: str) -> str:
    """`name` reduced to a plain file name with a supported suffix, or `UploadError`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUFFIXES:
        raise UploadError(f"{base!r} is not an article file: use one of {', '.join(SUFFIXES)}")
    clean = _UNSAFE.sub("-", stem).strip(".-_")[:MAX_NAME]
    if not clean:
        raise UploadError(f"{base!r} has no usable file name")
    return f"{clean}.{suffix.lower()}"


def save_upload(folder: Path, name: str, data: bytes, max_mb: float) -> Path:
    """Write `data` as a new file in `folder` under a safe, unused name; returns its path."""
    if len(data) > max_mb * 1_000_000:
        raise UploadError(f"{name!r} is {len(data) / 1_000_000:.1f} MB; the limit is {max_mb:g} MB")
    if not data.strip():
        raise UploadError(f"{name!r} is empty")
    clean = safe_name(name)
    folder.mkdir(parents=True, exist_ok=True)
    stem, _, suffix = clean.rpartition(".")
    target = folder / clean
    number = 1
    while target.exists():
        number += 1
        target = folder / f"{stem}-{number}.{suffix}"
    with target.open("xb") as out:
        out.write(data)
    return target
