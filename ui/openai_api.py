"""An OpenAI-compatible API over `Assistant.ask`: `GET /v1/models`, `POST /v1/chat/completions`.

So Open WebUI, LibreChat, the `openai` client and LangChain's `ChatOpenAI` ask the
archive unchanged. The last user message is the question, earlier user and
assistant messages the conversation (system prompts are not obeyed: the answer
is quoted, not sampled). The reply's content is the cited answer as the chat
shows it, with its sources listed; the response also carries the citations as
data, as Perplexity's API does: `citations` (URLs in marker order, [1] first;
`article://ID` for an article without one) and `sources` (title, outlet, date,
quote). `as_of` (YYYY-MM-DD) is an extra body field. Streaming sends the role at
once and the verified answer when it is ready: an SSE stream cannot take back
words, so a model's unverified draft is never sent. Every error is one line in
OpenAI's shape (`{"error": {"message", "type", "param", "code"}}`), never a trace.

`build_api` is a FastAPI app mounted at /v1 by `rag web`, and served alone by `rag api`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import click
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from rag.cli import answerer_option, friendly_errors, load_settings
from ui.access import AccessError, BodyLimit, UserRate, bearer_key, check_binding
from ui.cited import cited_answer

if TYPE_CHECKING:
    from rag.assistant import Assistant
    from rag.schema import Answer

MODEL = "rag-news"


class ApiError(Exception):
    """A request the API refuses: HTTP status and OpenAI's error fields."""

    def __init__(
        self,
        status: int,
        message: str,
        kind: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.param, self.code = status, message, kind, param, code
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        """The text of the message; image and audio parts are not read."""
        if isinstance(self.content, list):
            return "\n".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """The fields read; the other OpenAI fields (temperature, max_tokens, tools, ...) are ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    n: int = 1
    as_of: str | None = Field(None, description="Answer as if asked on this day (YYYY-MM-DD).")


def build_api(assistant: Assistant) -> FastAPI:
    """The /v1 app: bearer key checked before anything else, then the body's size (before it is
    parsed), questions rate-limited per key."""
    settings = assistant.settings
    keys = settings.api_keys
    rate = UserRate(settings.api_rate)
    api = FastAPI(
        title="Ask the news: OpenAI-compatible API", docs_url=None, redoc_url=None, openapi_url=None
    )
    # Added before the key check below, so it runs inside it: a stranger's body is never read.
    api.add_middleware(
        BodyLimit,
        limit=settings.api_max_body_bytes,
        refusal=lambda message: ApiError(413, message, code="request_too_large").response(),
    )

    @api.middleware("http")
    async def authenticate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        key = bearer_key(request.headers.get("authorization"), keys)
        if key is None:
            return ApiError(
                401,
                "Incorrect or missing API key: send `Authorization: Bearer <RAG_API_KEY>`",
                code="invalid_api_key",
                headers={"WWW-Authenticate": "Bearer"},
            ).response()
        request.state.key = key
        return await call_next(request)

    @api.exception_handler(ApiError)
    async def refused(_: Request, error: ApiError) -> JSONResponse:
        return error.response()

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return _invalid_body(error).response()

    @api.exception_handler(Exception)
    async def failed(_: Request, error: Exception) -> JSONResponse:
        return _failure(error).response()

    @api.get("/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [_model()]}

    @api.get("/models/{model}")
    def model(model: str) -> dict[str, Any]:
        if model != MODEL:
            raise ApiError(404, f"the model {model!r} does not exist: use {MODEL!r}", code="model_not_found")
        return _model()

    @api.post("/chat/completions", response_model=None)
    async def chat_completions(body: ChatRequest, request: Request) -> dict[str, Any] | StreamingResponse:
        question, history, as_of = _question(body)
        _check(assistant, question)
        wait = rate.wait(request.state.key)
        if wait:
            raise ApiError(
                429,
                f"rate limit: {rate.per_minute} questions a minute per key (RAG_API_RATE); "
                f"try again in {wait:.0f} s",
                kind="requests",
                code="rate_limit_exceeded",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        reply = Reply(body.model)
        if body.stream:
            return StreamingResponse(
                reply.stream(lambda: _ask(assistant, question, history, as_of)),
                media_type="text/event-stream",
            )
        return reply.whole(await run_in_threadpool(_ask, assistant, question, history, as_of))

    return api


def _check(assistant: Assistant, question: str) -> None:
    """Refuse an unusable question before a stream starts (its error then has a status of its own),
    and before it counts against the key's rate."""
    from rag.assistant import QuestionError

    try:
        assistant.check_question(question)
    except QuestionError as error:
        raise ApiError(400, str(error), param="messages") from None


def _question(body: ChatRequest) -> tuple[str, list[dict[str, str]], date | None]:
    """The last user message, the conversation before it, and the as-of day."""
    if body.n != 1:
        raise ApiError(400, "n: this API gives one answer per request (n=1)", param="n")
    last = body.messages[-1]
    if last.role != "user":
        raise ApiError(400, "the last message must be the user's question", param="messages")
    history = [
        {"role": message.role, "content": message.text}
        for message in body.messages[:-1]
        if message.role in ("user", "assistant")
    ]
    as_of = None
    if body.as_of:
        try:
            as_of = date.fromisoformat(body.as_of.strip())
        except ValueError:
            raise ApiError(
                400, f"as_of {body.as_of!r} is not a day: write YYYY-MM-DD", param="as_of"
            ) from None
    return last.text, history, as_of


def _ask(assistant: Assistant, question: str, history: list[dict[str, str]], as_of: date | None) -> Answer:
    from rag.assistant import QuestionError
    from rag.components.vector_store import StoreError

    try:
        return assistant.ask(question, history, as_of=as_of)
    except QuestionError as error:
        raise ApiError(400, str(error), param="messages") from None
    except StoreError as error:
        raise ApiError(503, str(error), kind="server_error") from None


class Reply:
    """One chat completion, whole or as `chat.completion.chunk` events."""

    def __init__(self, model: str) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model or MODEL

    def whole(self, answer: Answer) -> dict[str, Any]:
        from ui.render import reply_markdown

        message = {"role": "assistant", "content": reply_markdown(answer)}
        return {
            **self._head("chat.completion"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            **citations(answer),
        }

    async def stream(self, ask: Callable[[], Answer]) -> AsyncIterator[str]:
        from ui.render import reply_markdown

        yield self._event({"role": "assistant", "content": ""})
        try:
            answer = await run_in_threadpool(ask)
        except Exception as error:  # the status line is gone: the error travels as an event, in one line
            refused = error if isinstance(error, ApiError) else _failure(error)
            yield f"data: {json.dumps(refused.body())}\n\n"
            yield "data: [DONE]\n\n"
            return
        for line in reply_markdown(answer).splitlines(keepends=True):
            yield self._event({"content": line})
        yield self._event({}, finish="stop", extra=citations(answer))
        yield "data: [DONE]\n\n"

    def _head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def _event(
        self, delta: dict[str, Any], finish: str | None = None, extra: dict[str, Any] | None = None
    ) -> str:
        chunk = {
            **self._head("chat.completion.chunk"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **(extra or {}),
        }
        return f"data: {json.dumps(chunk)}\n\n"


def citations(answer: Answer) -> dict[str, Any]:
    """`citations`: one URL per [n], in marker order; `sources`: what each [n] quotes, with its dateline."""
    data = cited_answer(answer)
    quotes: dict[int, list[str]] = {}
    for citation in data.citations:
        quotes.setdefault(citation.number, []).append(citation.quote)
    return {
        "citations": [source.url or f"article://{source.article_id}" for source in data.sources],
        "sources": [
            {
                "number": source.number,
                "title": source.title,
                "outlet": source.outlet,
                "date": source.date,
                "url": source.url,
                "article_id": source.article_id,
                "quote": " … ".join(quotes.get(source.number or 0, [])),
            }
            for source in data.sources
        ],
    }


def _failure(error: Exception) -> ApiError:
    line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ApiError(500, f"the assistant failed: {line}", kind="server_error")


def _model() -> dict[str, Any]:
    return {"id": MODEL, "object": "model", "created": 0, "owned_by": "rag-news"}


def _invalid_body(error: RequestValidationError) -> ApiError:
    problem = error.errors()[0] if error.errors() else {}
    if problem.get("type") == "json_invalid":
        return ApiError(400, "the request body is not valid JSON")
    where = [str(part) for part in problem.get("loc", ()) if part != "body"]
    param = ".".join(where) or None
    return ApiError(400, f"{param or 'body'}: {problem.get('msg', 'invalid request')}", param=param)


def create_server(assistant: Assistant) -> FastAPI:
    """The API alone, for servers: /v1 and GET /health."""
    server = FastAPI(title="Ask the news: API", docs_url=None, redoc_url=None, openapi_url=None)

    @server.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    server.mount("/v1", build_api(assistant))
    return server


@click.command()
@click.option("--host", help="Interface to bind [RAG_API_HOST; 127.0.0.1]; others need RAG_API_KEY.")
@click.option("--port", type=int, help="Port [RAG_API_PORT; 8080].")
@answerer_option
@click.pass_context
@friendly_errors
def command(ctx: click.Context, host: str | None, port: int | None, answerer: str | None) -> None:
    """Serve the OpenAI-compatible API alone (no chat): /v1/models, /v1/chat/completions.

    Point any OpenAI client at http://HOST:PORT/v1 with model "rag-news"; the
    reply is the cited answer, and `citations` / `sources` carry what it quotes.
    `rag web` serves the same API at /v1 beside the chat.

    \b
    Settings:
      RAG_API_KEY=key1,key2   keys clients send as `Authorization: Bearer KEY`
                              (required to bind anything but loopback)
      RAG_API_RATE=10         questions per key per minute; 0 = no limit
    """
    import uvicorn

    from rag.assistant import Assistant

    settings = load_settings(ctx, api_host=host, api_port=port, answerer=answerer)
    try:
        line = check_binding(settings.api_host, settings.api_keys, "OpenAI-compatible API")
    except AccessError as error:
        raise click.ClickException(str(error)) from None
    server = create_server(Assistant(settings))
    click.echo(line)
    click.echo(f"API on http://{settings.api_host}:{settings.api_port}/v1  (Ctrl+C stops)")
    uvicorn.run(server, host=settings.api_host, port=settings.api_port, log_level="warning")
