"""Content hashes: what decides whether an article or a text needs new work."""

from __future__ import annotations

import hashlib


def content_hash(*parts: str | None) -> str:
    """A short, stable digest of the given parts (``None`` and "" differ)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(b"\x00" if part is None else b"\x01" + part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:16]
