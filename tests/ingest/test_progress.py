"""The ingest bar counts articles (and shows chunks), whatever the files hold."""

from __future__ import annotations

import json

from click.testing import CliRunner

from rag.assistant import Assistant
from rag.cli import cli


class Bar:
    """What a progress bar is told: its total, each step, and the chunk count it shows."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.postfix, self.closed = total, 0, {}, False

    def update(self, n: int = 1) -> None:
        self.done += n

    def set_postfix(self, refresh: bool = True, **values: object) -> None:
        self.postfix = values

    def close(self) -> None:
        self.closed = True


def write_corpus(folder, records: int) -> None:
    folder.mkdir()
    lines = [
        json.dumps(
            {"id": f"r{i}", "title": f"Report {i}", "body": f"Harbour number {i} reopened after repairs."}
        )
        for i in range(records)
    ]
    (folder / "dump.jsonl").write_text("\n".join(lines) + "\n\n")
    (folder / "one.txt").write_text("A title\n\nThe ferry to the island runs again from Monday.\n")
    (folder / "broken.jsonl").write_text('{"id": "x", "body": "fine"}\n{not json\n')


def test_the_bar_total_is_the_number_of_records(make_settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_corpus(tmp_path / "corpus", 7)
    bars: list[Bar] = []

    def progress(total: int) -> Bar:
        bars.append(Bar(total))
        return bars[-1]

    report = Assistant(make_settings()).ingest([tmp_path / "corpus"], progress=progress)

    [bar] = bars
    assert bar.total == 7 + 1 + 2, "7 JSONL records, a .txt, and a broken 2-line JSONL counted as 2"
    assert bar.done == bar.total and bar.closed
    assert bar.postfix["chunks"] == report.chunks_written == 8
    assert bar.postfix["sentences"] == f"{report.sentences_embedded}/{report.sentences_embedded}"
    assert report.added == 8 and len(report.skipped) == 1


def test_the_cli_bar_names_articles_and_quiet_hides_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_corpus(tmp_path / "corpus", 3)
    home = str(tmp_path / "home")
    loud = CliRunner().invoke(cli, ["--home", home, "ingest", "corpus"], prog_name="rag")
    assert "6/6" in loud.stderr and "article" in loud.stderr
    quiet = CliRunner().invoke(cli, ["--home", home, "ingest", "-q", "corpus"], prog_name="rag")
    assert quiet.stderr.startswith("skipped") and "article/s" not in quiet.stderr
