"""Remove page furniture that would otherwise be embedded and quoted.

News text copied from the web carries share buttons, navigation and the
headline repeated as the first line; none of it should become a chunk, and a
citation must never quote it.
"""

from __future__ import annotations

import re
import unicodedata

_FURNITURE = re.compile(
    r"""^(
        share(\s+(on|via)\s+[\w+ ]+|\s+this(\s+article)?)?
      | (tweet|email|print|whatsapp|pinterest|reddit|facebook|twitter|linkedin|google\+)
      | [+•|·>]
      | advertisement | skip\s+to\s+(main\s+)?content | read\s+more | (click|tap)\s+here.*
      | follow\s+us(\s+on\s+[\w+ ]+)?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
# No-break and other fixed-width spaces: a quote must match what a reader types.
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")


def clean_text(title: str, body: str) -> str:
    """The article body without furniture, repeated title or blank-line runs."""
    body = unicodedata.normalize("NFC", body.replace("\r\n", "\n").replace("\r", "\n"))
    body = _SPACES.sub(" ", _CONTROL.sub("", body))
    lines = [line.rstrip() for line in body.split("\n")]
    kept = [line for line in lines if not _FURNITURE.match(line.strip())]
    kept = _drop_leading_title(title, kept)
    return _collapse_blank_lines(kept).strip("\n")


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def _drop_leading_title(title: str, lines: list[str]) -> list[str]:
    """Drop copies of the title at the top of the body (blank lines between allowed)."""
    wanted = _key(title.lstrip("# "))
    index = 0
    while index < len(lines) and (not lines[index].strip() or _key(lines[index].lstrip("# ")) == wanted):
        index += 1
    return lines[index:] if wanted else lines


def _collapse_blank_lines(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line if line.strip() else "")
    return "\n".join(out)
