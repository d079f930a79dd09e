"""Uploaded files land inside the corpus folder under a safe name, or nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.ingest.uploads import UploadError, safe_name, save_upload


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("report.txt", "report.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\Windows\\evil.MD", "evil.md"),
        ("My Report (final).html", "My-Report-final.html"),
        ("résumé;rm -rf ~.json", "r-sum-rm--rf.json"),
        ("/abs/path/.hidden.txt", "hidden.txt"),
    ],
)
def test_a_stranger_s_file_name_is_reduced_to_a_plain_name(given: str, kept: str) -> None:
    assert safe_name(given) == kept


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("photo.png", "is not an article file"),
        ("no-suffix", "is not an article file"),
        ("../.txt", "has no usable file name"),
        ("???.txt", "has no usable file name"),
    ],
)
def test_names_that_cannot_be_articles_are_refused(given: str, reason: str) -> None:
    with pytest.raises(UploadError, match=reason):
        safe_name(given)


def test_an_upload_never_overwrites_and_never_leaves_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    first = save_upload(folder, "../a.txt", b"Title\n\nBody.", max_mb=1)
    second = save_upload(folder, "a.txt", b"Other\n\nText.", max_mb=1)

    assert (first, second) == (folder / "a.txt", folder / "a-2.txt")
    assert first.read_bytes() == b"Title\n\nBody."
    assert sorted(path.name for path in tmp_path.rglob("*") if path.is_file()) == ["a-2.txt", "a.txt"]


@pytest.mark.parametrize(
    ("data", "reason"), [(b"", "is empty"), (b" \n ", "is empty"), (b"x" * 2_000_001, "the limit is 2 MB")]
)
def test_empty_and_oversized_uploads_are_refused(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(UploadError, match=reason):
        save_upload(tmp_path, "a.txt", data, max_mb=2)
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_upload_leaves_neither_file_nor_chunks(make_settings, tmp_path: Path) -> None:
    assistant = Assistant(make_settings(corpus_dir=tmp_path / "corpus"))

    with pytest.raises(UploadError, match="was not indexed: binary file"):
        assistant.add_upload("scan.txt", b"\x89PNG\r\n\x1a\n\x00\x00")

    assert list((tmp_path / "corpus").iterdir()) == []
    assert assistant.store.count() == 0
