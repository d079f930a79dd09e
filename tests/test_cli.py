"""The `rag` command as a user types it: ingest, ask, stats, and the errors they can fix."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import rag.cli
from rag.cli import cli
from rag.schema import Answer
from tests.paths import ROOT, SEED_ARTICLE, SEED_ARTICLE_ID


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store filled by `rag ingest corpus` once for this module."""
    home = tmp_path_factory.mktemp("cli-home")
    result = run(home, "ingest", "--quiet", "corpus")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 added, 0 changed, 0 unchanged, 0 removed;")
    return home


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(home), *args], prog_name="rag")


def test_help_teaches_every_command_and_an_example() -> None:
    result = CliRunner().invoke(cli, ["--help"], prog_name="rag")

    assert result.exit_code == 0
    for command in ("ingest", "watch", "stats", *DOORS):
        assert f"  {command} " in result.output
    assert 'rag ask "why did Putin move talks from Astana?"' in result.output


DOORS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["rag.commands"]


def test_the_library_names_no_door_each_registers_itself() -> None:
    """Every door in pyproject.toml's `rag.commands` is installed as declared (else: `pip install -e .`)."""
    installed = {name: entry.value for name, entry in rag.cli.doors().items()}

    assert installed == DOORS
    assert not any(door.split(":")[0] in (ROOT / "rag" / "cli.py").read_text() for door in DOORS.values())


@pytest.mark.parametrize("name", sorted(DOORS))
def test_every_door_is_listed_with_the_first_line_of_its_own_help_and_runs(name: str) -> None:
    listing = CliRunner().invoke(cli, ["--help"], prog_name="rag").output
    command = rag.cli.doors()[name].load()
    first_line = command.help.strip().splitlines()[0]

    listed = " ".join(re.split(r"\n  (?=\S)", listing.partition(f"\n  {name} ")[2])[0].split())
    assert listed == " ".join(first_line.split())
    result = CliRunner().invoke(cli, [name, "--help"], prog_name="rag")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: rag {name} [OPTIONS]")


def test_with_no_door_installed_a_door_command_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rag.cli, "doors", dict)

    result = CliRunner().invoke(cli, ["web"], prog_name="rag")

    assert result.exit_code == 2
    assert "No such command 'web': no doors are registered" in result.output
    assert "pip install -e ." in result.output


def test_help_does_not_import_the_heavy_libraries() -> None:
    probe = (
        "import sys; from rag.cli import main; sys.argv = ['rag', '--help']\n"
        "try: main()\n"
        "except SystemExit: pass\n"
        "heavy = ('torch', 'chromadb', 'gradio', 'sentence_transformers', 'mcp', 'fastapi')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)

    assert out.stdout.strip().endswith("[]")


def test_asking_with_the_default_backend_never_loads_torch(home: Path) -> None:
    """The ONNX backend keeps torch and sentence-transformers (seconds of import) off the question path."""
    probe = (
        "import sys; from rag.cli import main\n"
        f"sys.argv = ['rag', '--home', {str(home)!r}, 'ask', 'why did Putin move talks from Astana?']\n"
        "try: main()\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)

    assert "Kazakhstan" in out.stdout
    assert out.stdout.strip().endswith("[]")


def test_reingesting_an_unchanged_corpus_embeds_nothing(home: Path) -> None:
    result = run(home, "ingest", "-q")

    assert result.exit_code == 0
    assert result.output.startswith("0 added, 0 changed, 1 unchanged, 0 removed; 0 chunks embedded")


def test_ask_prints_the_answer_then_numbered_sources_with_quotes(home: Path) -> None:
    result = run(home, "ask", "why did Putin move talks from Astana?")

    assert result.exit_code == 0, result.output
    answer, _, sources = result.output.partition("\n\n")
    assert answer.startswith("Convinced that Kazakhstan was trying to prove its political independence")
    assert answer.rstrip().endswith("[1]")
    assert sources.startswith("[1] Syria talks yield minimal results for Russia")
    assert '"Convinced that Kazakhstan' in sources


def test_ask_json_is_the_whole_answer_object(home: Path) -> None:
    result = run(home, "ask", "-k", "3", "--json", "Who is the UN Syria envoy?")

    answer = Answer.model_validate_json(result.output)
    assert "Staffan de Mistura" in answer.text
    assert len(answer.retrieved) <= 3
    assert answer.citations[0].article_id == SEED_ARTICLE_ID


def test_ask_says_when_the_corpus_does_not_answer(home: Path) -> None:
    result = run(home, "ask", "Who won the 2018 World Cup?")

    assert result.exit_code == 0
    assert "do not answer" in result.output
    assert "Nearest articles:" in result.output


def test_stats_reports_what_the_store_holds(home: Path) -> None:
    result = run(home, "stats", "--json")

    figures = json.loads(result.output)
    assert figures["articles"] == 1
    assert figures["chunks"] >= 4
    assert figures["store"] == str(home / "chroma")
    assert figures["embedding model"] == "all-MiniLM-L6-v2"
    assert figures["last ingest"] != "never"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "   "), "Error: the question is empty"),
        (("ask", "-k", "0", "why?"), "Invalid value for '-k'"),
        (("ingest", "no/such/folder"), "Error: no such file or directory: no/such/folder"),
        (("ask", "--since", "yesterday", "why?"), "Invalid value for '--since'"),
        (("ingest", "--encoding", "fast"), "Invalid value for '--encoding'"),
    ],
)
def test_mistakes_get_one_clear_line_and_change_nothing(
    home: Path, args: tuple[str, ...], message: str
) -> None:
    before = run(home, "stats", "--json").output
    result = run(home, *args)

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert run(home, "stats", "--json").output == before


def test_a_bad_setting_in_the_environment_is_named(home: Path) -> None:
    result = CliRunner(env={"RAG_TOP_K": "many"}).invoke(cli, ["--home", str(home), "stats"], prog_name="rag")

    assert result.exit_code == 1
    assert result.output.startswith("Error: setting top_k")


def test_a_skipped_file_is_reported_and_the_rest_ingested(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_ARTICLE, corpus / "article.txt")
    (corpus / "photo.png").write_bytes(b"\x89PNG\r\n")
    (corpus / "promo.txt").write_text("Subscribe\n\nIf you're already a subscriber, thank you!\n")

    result = run(tmp_path / "home", "ingest", "-q", str(corpus))

    assert result.exit_code == 0
    assert "skipped" in result.output and "photo.png" in result.output
    assert "promo.txt: no text left after cleaning" in result.output
    assert "1 added" in result.output and "2 skipped" in result.output


def test_ingest_encoding_is_a_flag_and_leaving_it_out_goes_back_to_the_default(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_ARTICLE, corpus / "article.txt")

    segments = run(tmp_path / "home", "ingest", "-q", "--encoding", "segments", str(corpus))
    default = run(tmp_path / "home", "ingest", "-q", str(corpus))

    assert segments.output.startswith("1 added"), segments.output
    assert default.output.startswith("0 added, 1 changed"), "the store records the encoding: re-embedded"


@pytest.fixture(scope="module")
def event_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the Valmora floods (tests/events_fixture.py), filled by `rag ingest`."""
    from tests.events_fixture import write_event_corpus

    home = tmp_path_factory.mktemp("cli-events-home")
    corpus = tmp_path_factory.mktemp("cli-events") / "corpus"
    write_event_corpus(corpus)
    result = run(home, "ingest", "--quiet", str(corpus))
    assert result.exit_code == 0, result.output
    return home


def test_stats_count_events_and_outlets_per_event(event_home: Path) -> None:
    figures = json.loads(run(event_home, "stats", "--json").output)
    assert (figures["articles"], figures["stories"], figures["events"]) == (5, 4, 2)
    assert figures["outlets per event"] == {"1": 1, "3": 1}
    assert "outlets per event: 1 outlet: 1, 3 outlets: 1" in run(event_home, "stats").output


def test_ask_prints_who_else_reported_the_event_once(event_home: Path) -> None:
    from tests.events_fixture import AS_OF, COPY_OUTLET, QUESTION

    result = run(event_home, "ask", "--as-of", AS_OF.isoformat(), QUESTION)
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("Also reported by ")]
    assert f"{COPY_OUTLET} (17 Oct)" in line


def test_compare_prints_a_line_per_outlet_then_the_figures_that_differ(event_home: Path) -> None:
    from tests.events_fixture import AS_OF, EVENT_OUTLETS

    result = run(event_home, "compare", "--as-of", AS_OF.isoformat(), "the Valmora floods")
    assert result.exit_code == 0, result.output
    lines = result.output.split("\n\n")[0].splitlines()
    assert [line.split(",")[0] for line in lines[: len(EVENT_OUTLETS)]] == EVENT_OUTLETS
    assert any(
        line.startswith("Differ: Daily Post: 12 dead [1] · Evening Star: at least 14 dead [2]")
        for line in lines
    )
