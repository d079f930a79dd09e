"""The browser chat's Chat tab: conversations, the answer stream, sources and the event view.

Every conversation is kept (see `ui.conversations`): in the browser's storage
without logins, on the server per user with them. A reload reopens the latest
one; the list on the left reopens any other; "New conversation" and "Delete"
do what they say. Each question is asked with the conversation's earlier turns,
so a follow-up is read in context, and the answer says what it understood.
Everything here renders what `Assistant` returns: no retrieval, no answering.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import gradio as gr

from ui import conversations as kept
from ui.conversations import Conversations, ConversationStore

if TYPE_CHECKING:
    from rag.assistant import Assistant
    from rag.schema import Answer, Turn

SOURCES_PLACEHOLDER = '<div class="sources"><p>Sources of the latest answer appear here.</p></div>'
NO_EVENT = "<p>Ask a question first, then choose one of its sources.</p>"


def chat_tab(app: gr.Blocks, assistant: Assistant, examples: list[str]) -> None:
    """The Chat tab's components and events, inside `app` (a reload reopens the latest conversation)."""
    settings = assistant.settings
    logins = settings.web_auth is not None
    store = ConversationStore(settings.home / "conversations") if logins else None
    chat = _ChatHandlers(assistant, store)
    if logins:
        conversations: gr.State | gr.BrowserState = gr.State({})
    else:
        conversations = gr.BrowserState(
            {}, storage_key="rag-news-conversations", secret=kept.browser_secret(settings.home)
        )
    current = gr.State(None)
    answers = gr.State({})
    with gr.Row():
        with gr.Column(scale=1, min_width=200):
            new = gr.Button("New conversation", elem_id="new-conversation", variant="primary", size="sm")
            listed = gr.Radio(choices=[], label="Conversations", elem_id="conversations")
            delete = gr.Button("Delete conversation", elem_id="delete-conversation", size="sm")
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="Ask the news",
                elem_id="chat",
                height=520,
                placeholder="Ask a question about the indexed articles. Every sentence of the "
                "answer cites the article sentence it came from.",
            )
            question = gr.Textbox(
                placeholder="Ask about the articles…", show_label=False, elem_id="question", submit_btn=True
            )
            with gr.Row(equal_height=True):
                as_of = gr.Textbox(
                    label="As of",
                    placeholder="YYYY-MM-DD (empty = today)",
                    info="Answer as if asked on this day: nothing published later is used.",
                    max_lines=1,
                    elem_id="as-of",
                    scale=1,
                    min_width=220,
                )
                if examples:
                    with gr.Column(scale=2):
                        gr.Examples(examples, inputs=question, label="Try")
        with gr.Column(scale=2):
            sources = gr.HTML(SOURCES_PLACEHOLDER, elem_id="sources")
            with gr.Row(equal_height=True):
                source_choice = gr.Dropdown(
                    choices=[],
                    label="A source's event",
                    info="Who reported it, with outlets and dates, and its timeline.",
                    elem_id="event-choice",
                    scale=3,
                )
                show_event = gr.Button("Open its event", elem_id="open-event", scale=1)
            event_view = gr.HTML(elem_id="event-view")
            top_k = gr.Slider(
                1, 20, value=settings.top_k, step=1, label="Chunks retrieved per question", elem_id="top-k"
            )

    shown = [current, chatbot, answers, sources, source_choice, event_view]
    question.submit(
        chat.respond,
        [question, chatbot, top_k, as_of, answers],
        [chatbot, sources, answers, question],
        api_name="respond",
    ).then(chat.remember, [chatbot, answers, conversations, current], [conversations, listed, current]).then(
        chat.sources_of, [answers], [source_choice]
    )
    new.click(chat.new, None, [*shown, listed])
    chatbot.clear(chat.new, None, [*shown, listed])  # the chat's own 🗑 starts afresh; the kept one stays
    listed.input(chat.open, [listed, conversations], shown)
    delete.click(chat.delete, [current, conversations], [conversations, listed, *shown])
    show_event.click(chat.event, [source_choice, answers, as_of], [event_view], api_name="event")
    chatbot.like(chat.vote, [answers], None)
    gr.api(chat.ask, api_name="ask")
    app.load(chat.restore, [conversations], [conversations, listed, *shown])


class _ChatHandlers:
    def __init__(self, assistant: Assistant, store: ConversationStore | None) -> None:
        from ui.feedback import FeedbackLog

        self.assistant = assistant
        self.store = store
        self.feedback = FeedbackLog(assistant.settings.feedback_file)

    def respond(
        self,
        message: str,
        history: list[dict[str, Any]],
        top_k: float,
        as_of: str | None,
        answers: dict[str, Any],
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat as of `as_of` (empty: today); the sources panel follows."""
        from rag.assistant import QuestionError
        from rag.components.vector_store import StoreError
        from rag.schema import Answer
        from ui.render import answer_markdown, markdown_text, sources_html

        turns = _turns(history, answers)
        history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": "…"}]
        text = ""
        try:
            for item in self.assistant.stream(message, turns, k=int(top_k), as_of=as_of_day(as_of)):
                if isinstance(item, Answer):
                    history[-1]["content"] = answer_markdown(item)
                    answers = {**answers, str(len(history) - 1): item.model_dump(mode="json")}
                    yield history, sources_html(item), answers, ""
                else:
                    text += item
                    history[-1]["content"] = markdown_text(text)
                    yield history, gr.skip(), answers, ""
        except (QuestionError, StoreError) as error:
            history[-1]["content"] = f"⚠️ {markdown_text(str(error))}"
            yield history, gr.skip(), answers, message  # kept in the box, to be fixed and sent again

    def remember(
        self,
        messages: list[dict[str, Any]],
        answers: dict[str, Any],
        conversations: Conversations,
        current: str | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Keep the conversation as it now stands (a new one gets its id at its first answer)."""
        if not messages:
            return conversations, gr.skip(), current
        item = kept.conversation(current or kept.new_id(), _plain_messages(messages), answers)
        conversations = {**conversations, item["id"]: item}
        if self.store is not None and request.username:
            self.store.put(request.username, item)
        return conversations, gr.Radio(choices=kept.listing(conversations), value=item["id"]), item["id"]

    def restore(self, conversations: Conversations, request: gr.Request) -> tuple[Any, ...]:
        """On page load: the user's conversations listed and the latest one open."""
        if self.store is not None:
            conversations = self.store.load(request.username) if request.username else {}
        latest = kept.latest(conversations)
        listed = gr.Radio(choices=kept.listing(conversations), value=latest["id"] if latest else None)
        return conversations, listed, *self._shown(latest)

    def open(self, conversation_id: str | None, conversations: Conversations) -> tuple[Any, ...]:
        return self._shown(conversations.get(conversation_id or ""))

    def new(self) -> tuple[Any, ...]:
        return *self._shown(None), gr.Radio(value=None)

    def delete(
        self, current: str | None, conversations: Conversations, request: gr.Request
    ) -> tuple[Any, ...]:
        """Forget the open conversation and open the latest one left."""
        if current is None:
            return gr.skip(), gr.skip(), *self._shown(None)
        conversations = {key: value for key, value in conversations.items() if key != current}
        if self.store is not None and request.username:
            self.store.delete(request.username, current)
        latest = kept.latest(conversations)
        listed = gr.Radio(choices=kept.listing(conversations), value=latest["id"] if latest else None)
        return conversations, listed, *self._shown(latest)

    def _shown(self, item: dict[str, Any] | None) -> tuple[Any, ...]:
        """What the chat shows of a conversation: id, messages, answers, sources, source choices, event."""
        from rag.schema import Answer
        from ui.render import sources_html

        if item is None:
            return None, [], {}, SOURCES_PLACEHOLDER, gr.Dropdown(choices=[], value=None), ""
        answers = item["answers"]
        latest = _latest(answers)
        panel = sources_html(Answer.model_validate(latest)) if latest else SOURCES_PLACEHOLDER
        return item["id"], item["messages"], answers, panel, self.sources_of(answers), ""

    def sources_of(self, answers: dict[str, Any]) -> gr.Dropdown:
        """The latest answer's sources, to open the event one belongs to: "[1] Title (CNN, 19 Jun 2025)"."""
        from rag.schema import Answer

        latest = _latest(answers)
        if latest is None:
            return gr.Dropdown(choices=[], value=None)
        answer = Answer.model_validate(latest)
        choices = [
            (
                f"[{source.number}] {source.title}" + (f" ({source.dateline})" if source.dateline else ""),
                str(source.number),
            )
            for source in answer.sources
            if _coverage_of(answer, source.number) is not None
        ]
        return gr.Dropdown(choices=choices, value=choices[0][1] if choices else None)

    def event(self, number: str | None, answers: dict[str, Any], as_of: str | None) -> str:
        """A source's event: its articles (outlet, date), then the latest question's timeline within it."""
        from rag.assistant import QuestionError
        from rag.query.filters import Filters
        from rag.schema import Answer
        from ui.render import event_html, timeline_html

        latest = _latest(answers)
        if not number or latest is None:
            return NO_EVENT
        answer = Answer.model_validate(latest)
        coverage = _coverage_of(answer, int(number))
        if coverage is None:
            return "<p>That source is not among the latest answer's.</p>"
        try:
            timeline = self.assistant.ask(
                answer.standalone_question,
                filters=Filters(event=coverage.event_id),
                as_of=as_of_day(as_of),
                timeline=True,
            )
        except QuestionError as error:
            return f"<p>⚠️ {html.escape(str(error))}</p>"
        return event_html(coverage) + timeline_html(timeline)

    def vote(self, answers: dict[str, Any], data: gr.LikeData) -> None:
        """Store a thumbs up or down with the answer it judges."""
        from rag.schema import Answer

        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        stored = answers.get(str(index))
        if stored is not None and data.liked is not None:
            self.feedback.record(bool(data.liked), Answer.model_validate(stored), self.assistant.settings)

    def ask(
        self,
        question: str,
        k: int = 5,
        history: list[dict[str, str]] | None = None,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        """The whole `Answer` as JSON, for `gradio_client` and scripts; `history`: the earlier turns
        ({"role", "content"}); `as_of`: YYYY-MM-DD, or today."""
        from rag.assistant import QuestionError
        from rag.components.vector_store import StoreError

        try:
            answer = self.assistant.ask(question, history or [], k=k, as_of=as_of_day(as_of))
            return answer.model_dump(mode="json")
        except (QuestionError, StoreError) as error:
            return {"error": str(error)}


def as_of_day(text: str | None) -> date | None:
    """The day typed in the "as of" box; None (today) when empty. Raises `QuestionError` if not a day."""
    from rag.assistant import QuestionError

    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise QuestionError(
            f"the as-of date {text.strip()!r} is not a day: write it as YYYY-MM-DD "
            "(e.g. 2024-01-05), or leave it empty for today"
        ) from None


def _coverage_of(answer: Answer, number: int) -> Any:
    return next((item for item in answer.coverage if number in item.sources), None)


def _latest(answers: dict[str, Any]) -> dict[str, Any] | None:
    """The newest answer of the conversation (answers are keyed by their message index)."""
    return answers[max(answers, key=int)] if answers else None


def _turns(messages: list[dict[str, Any]], answers: dict[str, Any]) -> list[Turn]:
    """The conversation for the assistant: each question, and each answer's own text (not its rendering)."""
    from rag.schema import Turn

    turns = []
    for index, message in enumerate(_plain_messages(messages)):
        answer = answers.get(str(index))
        turns.append(Turn(role=message["role"], content=answer["text"] if answer else message["content"]))
    return turns


def _plain_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages as role and text only (Gradio may hand content back as a list of parts)."""
    return [{"role": message["role"], "content": _text(message["content"])} for message in messages]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)
