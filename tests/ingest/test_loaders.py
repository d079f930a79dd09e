"""Every supported format becomes clean articles; bad files are reported, not fatal."""

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.ingest.loaders import LoadError, discover, load_file

HTML = """<html><head><title>Kazakhstan refuses troops | The Daily</title>
<meta property="og:site_name" content="The Daily"><meta name="date" content="2018-02-01"></head>
<body><nav>Home | World | Sport</nav><article><h1>Kazakhstan refuses troops</h1>
<p>Astana said on Thursday it would not send troops to Syria, a foreign ministry spokesman told reporters.</p>
<p>The decision follows weeks of talks with Moscow about peacekeepers for de-escalation zones.</p>
</article><footer>Copyright 2018</footer></body></html>"""


def test_txt_first_line_is_the_title(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Sochi congress ends\n\nDelegates left early. Few agreed.\n")
    [article] = load_file(path, "a.txt")
    assert (article.id, article.title, article.text) == (
        "a.txt",
        "Sochi congress ends",
        "Delegates left early. Few agreed.",
    )
    assert article.path == str(path.resolve())


def test_markdown_front_matter_gives_metadata(tmp_path):
    path = tmp_path / "b.md"
    path.write_text(
        "---\ntitle: Lavrov reads statement\nsource: Example Times\nurl: https://example.org/x\n"
        "published: 2018-01-30\n---\n# Lavrov reads statement\n\nThe audience booed.\n"
    )
    [article] = load_file(path, "b.md")
    assert article.title == "Lavrov reads statement"
    assert (article.source, article.url, article.published) == (
        "Example Times",
        "https://example.org/x",
        date(2018, 1, 30),
    )
    assert article.text == "The audience booed."


def test_markdown_without_front_matter_takes_its_heading(tmp_path):
    path = tmp_path / "c.md"
    path.write_text("# Turkey and Iran attend\n\nBoth sent delegations.")
    [article] = load_file(path, "c.md")
    assert (article.title, article.text) == ("Turkey and Iran attend", "Both sent delegations.")


def test_html_main_text_is_extracted_without_navigation(tmp_path):
    path = tmp_path / "d.html"
    path.write_text(HTML)
    [article] = load_file(path, "d.html")
    assert article.title == "Kazakhstan refuses troops"
    assert article.source == "The Daily" and article.published == date(2018, 2, 1)
    assert article.text.startswith("Astana said on Thursday")
    assert "Home | World" not in article.text and "Copyright" not in article.text


def test_json_and_jsonl_records(tmp_path):
    record = {
        "title": "Peacekeepers",
        "body": "Kyrgyzstan was asked too.",
        "url": "https://e.org/p",
        "source": "Wire",
        "published_at": "2018-02-02T10:00:00Z",
        "id": "p1",
    }
    (tmp_path / "e.json").write_text(json.dumps([record]))
    (tmp_path / "f.jsonl").write_text(json.dumps(record) + "\n\n" + json.dumps({**record, "id": "p2"}) + "\n")
    [one] = load_file(tmp_path / "e.json", "e.json")
    assert (one.id, one.title, one.published, one.source) == (
        "e.json#p1",
        "Peacekeepers",
        date(2018, 2, 2),
        "Wire",
    )
    assert [a.id for a in load_file(tmp_path / "f.jsonl", "f.jsonl")] == ["f.jsonl#p1", "f.jsonl#p2"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        ("latin.txt", "Título\n\nAñadido en Sochi.".encode("latin-1"), "not UTF-8"),
        ("empty.md", b"", "empty file"),
        ("broken.jsonl", b'{"title": "ok", "body": "fine"}\n{"title": oops}\n', "invalid JSON on line 2"),
        ("nobody.json", b'{"title": "x"}', "has no body"),
        ("front.md", b"---\ntitle: [unclosed\n---\nbody", "front matter is not valid YAML"),
    ],
)
def test_unreadable_files_raise_a_load_error_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load_file(path, name)


def test_discover_skips_unknown_types_hidden_files_and_links_leaving_the_folder(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("T\n\nBody.")
    (corpus / "photo.png").write_bytes(b"\x89PNG")
    (corpus / ".hidden.txt").write_text("T\n\nBody.")
    secret = tmp_path / "secret.txt"
    secret.write_text("Password\n\nhunter2")
    (corpus / "link.txt").symlink_to(secret)
    found, skipped = discover([corpus])
    assert found == [corpus / "good.txt"]
    assert {(s.path.rsplit("/", 1)[-1], s.reason) for s in skipped} == {
        ("link.txt", "links outside the folder being ingested"),
        ("photo.png", "unsupported file type .png"),
    }


def test_discover_refuses_a_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or directory"):
        discover([tmp_path / "nope"])


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as out:
        out.write(b"Title\n\n")
        out.truncate(50_000_000)
    with pytest.raises(LoadError, match=r"file is 50.0 MB; the limit is 20 MB \(RAG_MAX_FILE_MB\)"):
        load_file(path, "huge.txt", max_mb=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode)),
    suffix=st.sampled_from([".txt", ".md", ".html", ".json", ".jsonl"]),
)
def test_any_bytes_either_load_as_articles_or_raise_a_load_error(tmp_path, content, suffix):
    path = tmp_path / f"any{suffix}"
    path.write_bytes(content)
    try:
        articles = load_file(path, path.name)
    except LoadError as error:
        assert str(error)
    else:
        for article in articles:  # cleaned: its text may be empty (the ingest then says it skipped it)
            assert article.text == article.text.strip() and article.id.startswith(path.name)
