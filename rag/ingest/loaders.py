"""Turn files into articles: .txt, .md (YAML front matter), .html, .json, .jsonl.

Loading never raises for one bad file: `discover` and `load_file` report
problems as `Skipped` so one unreadable file cannot stop an ingest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from rag.ingest.cleaning import clean_text
from rag.schema import Article

if TYPE_CHECKING:
    from trafilatura.settings import Document

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")
_BODY_KEYS = ("body", "text", "content")
_DATE_KEYS = ("published_at", "published", "date")


@dataclass(frozen=True)
class Skipped:
    """A file (or record) that was not loaded, and why, in words for a user."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.path}: {self.reason}"


class LoadError(ValueError):
    """A file that cannot be read as an article."""


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Skipped]]:
    """Files to load under the given files and folders, plus what was skipped.

    Symlinks that lead outside the folder being walked are refused, so nothing
    outside what the user named is read.
    """
    found: list[Path] = []
    skipped: list[Skipped] = []
    for given in paths:
        if not given.exists():
            raise FileNotFoundError(f"no such file or directory: {given}")
        if given.is_file():
            root = given.resolve().parent
            candidates = [given]
        else:
            root = given.resolve()
            candidates = sorted(p for p in given.rglob("*") if p.is_file() and not _hidden(p, given))
        for path in candidates:
            if path.suffix.lower() not in SUFFIXES:
                skipped.append(Skipped(str(path), f"unsupported file type {path.suffix or '(none)'}"))
            elif not path.resolve().is_relative_to(root):
                skipped.append(Skipped(str(path), "links outside the folder being ingested"))
            else:
                found.append(path)
    return found, skipped


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def count_articles(path: Path) -> int:
    """How many articles `load_file` will find, cheaply: records in .jsonl/.json, else one (for progress)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            with path.open("rb") as lines:
                return sum(1 for line in lines if line.strip())
        if suffix == ".json":
            data = json.loads(path.read_bytes())
            return len(data) if isinstance(data, list) else 1
    except (OSError, ValueError):
        return 1
    return 1


def load_file(path: Path, article_id: str, max_mb: float | None = None) -> list[Article]:
    """All articles in one file, cleaned (an article may clean to no text: the ingest says so).
    Raises `LoadError` with a reason.

    Records of a .json/.jsonl file get ids `article_id#key`. A file over
    `max_mb` megabytes is refused before it is read into memory.
    """
    size_mb = path.stat().st_size / 1_000_000
    if max_mb is not None and size_mb > max_mb:
        raise LoadError(f"file is {size_mb:.1f} MB; the limit is {max_mb:g} MB (RAG_MAX_FILE_MB)")
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise LoadError("binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(f"not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise LoadError("empty file")
    suffix = path.suffix.lower()
    if suffix == ".txt":
        articles = [_from_txt(text, article_id)]
    elif suffix in (".md", ".markdown"):
        articles = [_from_markdown(text, article_id)]
    elif suffix in (".html", ".htm"):
        articles = [_from_html(text, article_id)]
    elif suffix == ".json":
        articles = list(_from_records(_json_records(text), article_id))
    else:
        articles = list(_from_records(_jsonl_records(text), article_id))
    for article in articles:
        article.path = str(path.resolve())
        article.text = clean_text(article.title, article.text)
    return articles


def _from_txt(text: str, article_id: str) -> Article:
    title, _, body = text.lstrip().partition("\n")
    return Article(id=article_id, title=title.strip(), text=body, path="")


def _from_markdown(text: str, article_id: str) -> Article:
    meta: dict[str, Any] = {}
    body = text
    if text.startswith("---"):
        _, sep, rest = text.partition("\n")
        front, found, body_after = rest.partition("\n---")
        if sep and found:
            try:
                loaded = yaml.safe_load(front)
            except yaml.YAMLError as error:
                raise LoadError(f"front matter is not valid YAML: {error.problem}") from None
            meta = loaded if isinstance(loaded, dict) else {}
            body = body_after.partition("\n")[2]
    title = str(meta.get("title") or _first_heading(body) or Path(article_id).stem)
    return Article(
        id=article_id,
        title=title,
        text=body,
        path="",
        source=_str_or_none(meta.get("source")),
        url=_str_or_none(meta.get("url")),
        published=parse_date(meta.get("published") or meta.get("date")),
    )


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
        if line.strip():
            return None
    return None


def extract_html(html: str, url: str | None = None) -> Document | None:
    """The page's main text and metadata as trafilatura finds them; None when it finds nothing."""
    import trafilatura
    from trafilatura.settings import Document

    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    # Its return type also admits the dict of the deprecated as_dict=True, which is never asked for.
    return document if isinstance(document, Document) else None


def _from_html(html: str, article_id: str) -> Article:
    document = extract_html(html)
    if document is None or not document.text or not document.text.strip():
        raise LoadError("no article text found in the HTML")
    return Article(
        id=article_id,
        title=document.title or Path(article_id).stem,
        text=document.text,
        path="",
        source=document.sitename or document.hostname,
        url=document.url,
        published=parse_date(document.date),
    )


def _json_records(text: str) -> Iterator[tuple[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LoadError(f"invalid JSON at line {error.lineno}: {error.msg}") from None
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        yield str(index), record


def _jsonl_records(text: str) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield str(number), json.loads(line)
            except json.JSONDecodeError as error:
                raise LoadError(f"invalid JSON on line {number}: {error.msg}") from None


def _from_records(records: Iterable[tuple[str, Any]], file_id: str) -> Iterator[Article]:
    for position, record in records:
        if not isinstance(record, dict):
            raise LoadError(f"record {position} is not an object")
        body = next((record[key] for key in _BODY_KEYS if isinstance(record.get(key), str)), None)
        if body is None:
            raise LoadError(f"record {position} has no body (expected one of {', '.join(_BODY_KEYS)})")
        key = record.get("id") or position
        yield Article(
            id=f"{file_id}#{key}",
            title=str(record.get("title") or f"{Path(file_id).stem} #{key}"),
            text=body,
            path="",
            source=_str_or_none(record.get("source")),
            url=_str_or_none(record.get("url")),
            published=parse_date(next((record[k] for k in _DATE_KEYS if record.get(k)), None)),
        )


def parse_date(value: object) -> date | None:
    """A date from ISO text, a date or a datetime; anything else is unknown."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _str_or_none(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
