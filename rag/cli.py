"""The `rag` command: the corpus commands (ingest, watch, stats) and the doors.

The doors (ask, chat, web, slack, mcp, api, eval: everything outside rag/)
register under the `rag.commands` entry-point group (pyproject.toml), so this
library names none of them. A door is imported only when run (see `LazyGroup`),
so `rag --help` answers without loading torch, Chroma or Gradio. Errors a user
can fix are printed as one line, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import cache, wraps
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from rag.assistant import Assistant
    from rag.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
# Kept in step with `rag.settings.AnswererName` (a test checks), so `--help` needs no pydantic import.
ANSWERERS = ["extractive", "openai", "ollama", "llamacpp"]
# The entry-point group a door registers its click command under: `name = "package.module:command"`.
DOORS = "rag.commands"


@cache
def doors() -> dict[str, EntryPoint]:
    """The registered doors by command name (entry points are read once per process)."""
    from importlib.metadata import entry_points

    return {entry.name: entry for entry in entry_points(group=DOORS)}


def door_help(entry: EntryPoint) -> str:
    """The first line of a door command's docstring, read from its source: listing imports no door."""
    import ast

    spec = find_spec(entry.module)
    if spec is None or spec.origin is None:
        return ""
    module = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == entry.attr:
            return (ast.get_docstring(node) or "").split("\n", 1)[0]
    return ""


class LazyGroup(click.Group):
    """The corpus commands and the doors, listed by name; a door is imported when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *doors()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name in doors():
            command: click.Command = doors()[cmd_name].load()
            return command
        if not doors():
            raise click.UsageError(
                f"No such command {cmd_name!r}: no doors are registered ({DOORS} entry points); "
                "run `pip install -e .` again",
                ctx,
            )
        return None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, self._short_help(name)) for name in self.list_commands(ctx)])

    def _short_help(self, name: str) -> str:
        if name in self.commands:
            return (self.commands[name].help or "").strip().split("\n", 1)[0]
        return door_help(doors()[name])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home", type=click.Path(path_type=Path), help="Folder for the store and caches [RAG_HOME; .rag]."
)
@click.option("--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 [RAG_CHROMA_URL].")
@click.version_option(package_name="rag-news")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, chroma_url: str | None) -> None:
    """Ask questions about a corpus of news articles; every claim cites its sentence.

    \b
    Start here:
      rag ingest                       index corpus/ (again: only what changed)
      rag ask "why did Putin move talks from Astana?"
      rag web                          chat in the browser on http://127.0.0.1:7860

    Settings come from RAG_* environment variables, an optional rag.toml, and
    the flags below (flags win).
    """
    ctx.obj = {"home": home, "chroma_url": chroma_url}


answerer_option = click.option(
    "--answerer",
    type=click.Choice(ANSWERERS),
    help="extractive quotes sentences; the others have a language model write the answer, "
    "then check every sentence against the sources [RAG_ANSWERER; extractive].",
)

reader_option = click.option(
    "--reader/--no-reader",
    default=None,
    help="Choose what to quote by the trained reader, or by the hand-set evidence score alone "
    "[RAG_READER; --reader].",
)


as_of_option = click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Answer as if asked on this day: nothing published later is used [today].",
)


def load_settings(ctx: click.Context, **overrides: object) -> Settings:
    """Settings from env/toml, with the group's and the command's flags applied."""
    from rag.settings import Settings

    return Settings().with_overrides(**(ctx.find_root().obj or {}), **overrides)


def friendly_errors(function: F) -> F:
    """Turn the errors a user can fix into one clear line and exit status 1."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError

        from rag.assistant import QuestionError
        from rag.components.llm import LLMConfigError
        from rag.components.reader import ReaderError
        from rag.components.vector_store import StoreError
        from rag.ingest.pipeline import IngestBusyError

        try:
            return function(*args, **kwargs)
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise click.ClickException(f"setting {where}: {problem['msg']}") from None
        except (
            QuestionError,
            StoreError,
            IngestBusyError,
            LLMConfigError,
            ReaderError,
            FileNotFoundError,
        ) as error:
            raise click.ClickException(str(error)) from None

    return wrapper  # type: ignore[return-value]


def open_assistant(settings: Settings) -> Assistant:
    from rag.assistant import Assistant

    return Assistant(settings)


def _duration(value: str | None) -> float | None:
    from rag.ingest.watch import parse_duration

    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--every") from None


def _feed_file(path: Path | None) -> list[str]:
    """URLs listed one per line; blank lines and # comments ignored."""
    if path is None:
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


feeds_option = click.option(
    "--feeds",
    "feeds_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A text file of feed URLs, one per line (# comments allowed).",
)
every_option = click.option(
    "--every", metavar="DURATION", help="Poll interval: 90s, 15m, 1h [RAG_POLL_INTERVAL; 15m]."
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bars; summary lines only.")


@cli.command()
@click.argument("sources", nargs=-1)
@feeds_option
@every_option
@click.option(
    "--prune/--no-prune",
    default=True,
    show_default=True,
    help="Remove articles whose files are gone from the folders given.",
)
@click.option(
    "--encoding",
    type=click.Choice(["chunk", "segments"]),
    help="chunk: each chunk read whole; segments: each sentence read once, alone, the chunk their "
    "mean: ~2-3.7x faster, slightly lower retrieval. Switching re-embeds the store once, so set it "
    "in rag.toml to keep it [RAG_INGEST_ENCODING; chunk].",
)
@quiet_option
@click.pass_context
@friendly_errors
def ingest(
    ctx: click.Context,
    sources: tuple[str, ...],
    feeds_file: Path | None,
    every: str | None,
    prune: bool,
    encoding: str | None,
    quiet: bool,
) -> None:
    """Index articles: load (or fetch), clean, group copies into stories, chunk, embed, store.

    SOURCES are files, folders, feed URLs and web page URLs (default: the
    corpus folder, RAG_CORPUS_DIR, and the feeds listed in rag.toml).

    \b
    Files: .txt (first line is the title), .md with YAML front matter
    (title, source, url, published), .html, .json and .jsonl records
    (title, body, url, source, published_at).
    URLs: an RSS or Atom feed (its items' pages are fetched) or a page; the
    main text, title, author, outlet and date are extracted. A feed read
    before costs one request when unchanged and brings only new items.

    \b
    Examples:
      rag ingest                                   corpus/ (again: only what changed)
      rag ingest https://example.org/feed.xml      a feed's items
      rag ingest https://example.org/2025/06/story.html
      rag ingest --feeds feeds.txt --every 15m     keep polling (same as rag watch)

    Only new and changed articles are embedded; an unchanged corpus costs
    nothing. An article whose file has gone from a folder you ingest is
    removed from the index (use --no-prune to keep it). A source that fails
    is reported on its own line, the others go on, and the exit status is 1.
    """
    from rag.ingest.priority import yielding_cpu

    settings = load_settings(ctx, poll_interval=_duration(every), ingest_encoding=encoding)
    with yielding_cpu(settings.ingest_niceness):
        _ingest(ctx, settings, sources, feeds_file, every, prune, quiet)


def _ingest(
    ctx: click.Context,
    settings: Settings,
    sources: tuple[str, ...],
    feeds_file: Path | None,
    every: str | None,
    prune: bool,
    quiet: bool,
) -> None:
    urls = [source for source in sources if "://" in source]
    paths = [Path(source) for source in sources if "://" not in source]
    feeds = _feed_file(feeds_file)
    if every is not None:
        if paths:
            raise click.UsageError("--every polls feeds and URLs; give files and folders without it")
        _watch(ctx, settings, [*settings.feeds, *feeds], urls, quiet)
        return
    if not sources and feeds_file is None:
        paths, feeds = [settings.corpus_dir], list(settings.feeds)
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise click.ClickException(f"no such file or directory: {', '.join(missing)}")
    assistant = open_assistant(settings)
    if paths:
        report = assistant.ingest(paths, prune=prune, progress=_bar("ingest", "article", quiet))
        for skipped in report.skipped:
            click.echo(str(skipped), err=True)
        click.echo(report.summary())
    if feeds or urls:
        fetched = assistant.ingest_urls(
            feeds,
            urls,
            fetch_progress=_bar("fetch", "url", quiet),
            progress=_bar("ingest", "article", quiet),
        )
        for error in fetched.collected.errors:
            click.echo(str(error), err=True)
        for skipped in fetched.ingest.skipped if fetched.ingest else ():
            click.echo(str(skipped), err=True)
        click.echo(fetched.summary())
        if fetched.failed:
            ctx.exit(1)


def _bar(desc: str, unit: str, quiet: bool) -> Callable[[int], Any]:
    """A tqdm bar on stderr counting `unit`s, with rate and ETA."""

    def make(total: int) -> Any:
        from tqdm import tqdm

        return tqdm(total=total, unit=unit, desc=desc, disable=quiet, file=sys.stderr, dynamic_ncols=True)

    return make


@cli.command()
@click.argument("urls", nargs=-1)
@feeds_option
@every_option
@quiet_option
@click.pass_context
@friendly_errors
def watch(
    ctx: click.Context, urls: tuple[str, ...], feeds_file: Path | None, every: str | None, quiet: bool
) -> None:
    """Poll feeds every 15 minutes (or --every) and index their new items; Ctrl+C stops.

    Polls the URLs given, the feeds listed in --feeds FILE and the `feeds`
    list of rag.toml (RAG_FEEDS). Each poll is a conditional GET (an unchanged
    feed costs one 304), ingests only items not seen before, and prints one
    line. Ctrl+C or SIGTERM stops it between two articles, never inside one.

    \b
    Examples:
      rag watch https://example.org/feed.xml
      rag watch --feeds feeds.txt --every 5m
      rag web --watch                        the same, inside the chat server
    """
    from rag.ingest.priority import yielding_cpu

    settings = load_settings(ctx, poll_interval=_duration(every))
    with yielding_cpu(settings.ingest_niceness):
        _watch(ctx, settings, [*settings.feeds, *_feed_file(feeds_file)], list(urls), quiet)


def _watch(ctx: click.Context, settings: Settings, feeds: list[str], urls: list[str], quiet: bool) -> None:
    from rag.ingest.watch import stop_on_signals
    from rag.ingest.watch import watch as watch_loop

    if not feeds and not urls:
        raise click.UsageError("nothing to watch: give feed URLs, --feeds FILE, or a feeds list in rag.toml")
    assistant = open_assistant(settings)

    def poll(stop: Any) -> Any:
        return assistant.ingest_urls(feeds, urls, stop=stop, fetch_progress=_bar("fetch", "url", quiet))

    count = len(feeds) + len(urls)
    click.echo(
        f"watching {count} source{'s' * (count != 1)} every {settings.poll_interval:g}s (Ctrl+C stops)"
    )
    with stop_on_signals() as stop:
        watch_loop(poll, settings.poll_interval, click.echo, stop)
    click.echo("stopped")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
@friendly_errors
def stats(ctx: click.Context, as_json: bool) -> None:
    """Articles, stories (copies grouped), events (one happening across outlets), chunks, store, model."""
    figures = open_assistant(load_settings(ctx)).stats()
    last = figures.last_ingest.isoformat(timespec="seconds") if figures.last_ingest else "never"
    rows = {
        "articles": figures.articles,
        "stories": figures.stories,
        "copies": figures.copies,
        "events": figures.events,
        # events by number of outlets: "1 outlet: 900, 2 outlets: 120"
        "outlets per event": figures.outlets_per_event
        if as_json
        else ", ".join(
            f"{n} outlet{'s' * (n != 1)}: {count}" for n, count in figures.outlets_per_event.items()
        ),
        "chunks": figures.chunks,
        "store": figures.store,
        "embedding model": figures.embedding_model,
        "last ingest": last,
    }
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo("\n".join(f"{name:>16}: {value}" for name, value in rows.items()))


def main() -> None:
    cli(prog_name="rag")
