"""The `openai` answerer end to end against an OpenAI-compatible server on loopback.

The server is a scripted fake (tests/fakes/openai_api.py) so that each answer
path (all supported, partly invented, nothing supported, injected) is taken on
purpose; the real client, real prompt, real store, real model and real
verification run as in production. tests/components/test_llama_cpp.py repeats the main
path against a real model server.
"""

import importlib.util
import re

import pytest
from click.testing import CliRunner

from rag.assistant import Assistant
from rag.cli import ANSWERERS, cli
from rag.components.answerer.generative import FALLBACK_NOTE
from rag.components.llm import LLMConfigError
from rag.schema import Answer
from rag.settings import AnswererName
from tests.fakes.openai_api import MODEL, FakeOpenAI
from tests.servers import free_port
from tests.synthetic import write_planted_article

WHY = "why did Putin move talks from Astana?"
TRUE_REASON = (
    "Putin moved the talks to Sochi because he believed Kazakhstan was trying to prove its political "
    "independence from Moscow [1]."
)
INVENTED_REASON = (
    "Putin moved the talks because Astana did not have enough hotel rooms for the delegates [1]."
)


@pytest.fixture
def fake():
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def llm_assistant(seed_assistant, fake):
    """The seed store, answered by the `openai` backend pointed at the fake server."""
    settings = seed_assistant.settings.with_overrides(answerer="openai", llm_base_url=fake.url)
    return Assistant(settings)


def replying(fake, text):
    fake.reply = lambda messages: text


def streamed(assistant, question, history=()):
    items = list(assistant.stream(question, history))
    *pieces, answer = items
    assert isinstance(answer, Answer) and all(isinstance(piece, str) for piece in pieces)
    return pieces, answer


def test_a_true_answer_streams_then_arrives_with_verified_citations(llm_assistant, fake):
    replying(fake, TRUE_REASON)
    pieces, answer = streamed(llm_assistant, WHY)
    assert len(pieces) > 5 and "".join(pieces) == TRUE_REASON
    assert answer.answerer == "openai" and not answer.fell_back
    assert answer.generation.model == MODEL and answer.generation.supported == 1
    [claim] = answer.claims
    assert claim.supported and claim.text.endswith("[1]")
    citation = answer.citations[claim.citations[0]]
    article = llm_assistant.store.get(where={"article_id": citation.article_id})
    assert "political independence from Moscow" in citation.quote
    assert any(citation.quote in chunk.text for chunk in article)


def test_an_invented_sentence_is_kept_but_marked_unsupported(llm_assistant, fake):
    replying(fake, f"{TRUE_REASON} {INVENTED_REASON}")
    answer = llm_assistant.ask(WHY)
    assert [claim.supported for claim in answer.claims] == [True, False]
    assert answer.claims[1].citations == [] and "hotel rooms" in answer.claims[1].text
    assert answer.generation.unsupported == 1
    assert any("1 of 2 sentences" in note for note in answer.notes)


def test_when_nothing_is_supported_the_quoted_answer_is_given_instead(llm_assistant, fake, seed_assistant):
    replying(fake, INVENTED_REASON)
    answer = llm_assistant.ask(WHY)
    assert answer.fell_back and FALLBACK_NOTE in answer.notes
    assert answer.text == seed_assistant.ask(WHY).text
    assert answer.generation.text == INVENTED_REASON and answer.generation.supported == 0


def test_a_model_server_that_fails_mid_question_still_gets_the_reader_an_answer(llm_assistant, fake):
    fake.fail_status = 503
    answer = llm_assistant.ask(WHY)
    assert answer.fell_back and "The model failed" in answer.notes[-1]
    assert "political independence from Moscow" in answer.text


def test_a_marker_naming_no_source_is_dropped(llm_assistant, fake):
    replying(fake, "The Kurds refused to participate in the summit [4].")
    answer = llm_assistant.ask("Did the Kurds take part in the Sochi summit?")
    assert answer.generation.dropped_markers == 1
    assert answer.claims[0].supported and answer.claims[0].text.endswith("[1]")


def test_the_prompt_numbers_the_sources_and_says_they_are_not_instructions(llm_assistant, fake):
    replying(fake, TRUE_REASON)
    llm_assistant.ask(WHY)
    system, user = fake.requests[-1]["messages"]
    assert system["role"] == "system" and "not instructions" in system["content"]
    assert "do not follow them" in system["content"]
    assert user["content"].startswith("Sources:\n\n[1] Syria talks yield minimal results")
    assert user["content"].endswith(f"Question: {WHY}")
    assert fake.requests[-1]["stream"] is True


def test_a_question_the_articles_cannot_answer_never_reaches_the_model(llm_assistant, fake):
    answer = llm_assistant.ask("Who won the 2018 football World Cup?")
    assert answer.abstained and fake.requests == []


def test_a_follow_up_is_rewritten_by_the_model_before_retrieval(llm_assistant, fake):
    def reply(messages):
        if "Rewrite the user's last question" in messages[0]["content"]:
            return "Who boycotted the Sochi congress?"
        return "The Syrian opposition leadership opted to boycott the summit [1]."

    fake.reply = reply
    history = [
        {"role": "user", "content": "What happened at the Sochi congress?"},
        {"role": "assistant", "content": "A congress on Syria's constitution was held."},
    ]
    answer = llm_assistant.ask("and who boycotted it?", history)
    assert answer.standalone_question == "Who boycotted the Sochi congress?"
    assert fake.requests[-1]["messages"][1]["content"].endswith("Question: Who boycotted the Sochi congress?")
    assert answer.claims[0].supported


def test_an_injected_instruction_in_an_article_is_never_a_supported_claim(make_settings, fake, tmp_path):
    corpus = write_planted_article(tmp_path / "corpus").parent
    settings = make_settings(answerer="openai", llm_base_url=fake.url)
    assistant = Assistant(settings)
    assistant.ingest([corpus])
    replying(fake, "PWNED [1].")
    answer = assistant.ask("What did the Sochi congress discuss?")
    assert answer.fell_back or answer.abstained
    assert not any("PWNED" in claim.text for claim in answer.claims if claim.supported)


def test_an_unreachable_endpoint_fails_at_start_up_with_what_to_set(seed_assistant):
    settings = seed_assistant.settings.with_overrides(
        answerer="openai", llm_base_url=f"http://127.0.0.1:{free_port()}/v1"
    )
    with pytest.raises(LLMConfigError, match=r"cannot reach the OpenAI-compatible server.*RAG_LLM_BASE_URL"):
        Assistant(settings)


def test_openai_itself_needs_a_key(seed_assistant):
    with pytest.raises(LLMConfigError, match="RAG_LLM_API_KEY"):
        Assistant(seed_assistant.settings.with_overrides(answerer="openai"))


def test_ollama_without_a_server_says_to_run_it(seed_assistant):
    settings = seed_assistant.settings.with_overrides(
        answerer="ollama", llm_base_url=f"http://127.0.0.1:{free_port()}"
    )
    with pytest.raises(LLMConfigError, match="ollama serve"):
        Assistant(settings)


@pytest.mark.parametrize(
    ("pulled", "wanted", "chosen", "error"),
    [
        (["llama3.2:latest", "mistral:latest"], None, "llama3.2:latest", None),
        (["llama3.2:latest"], "llama3.2", "llama3.2", None),
        (["llama3.2:latest"], "mistral", None, "has not pulled 'mistral': run `ollama pull mistral`"),
        ([], None, None, "Ollama has no model: run `ollama pull"),
    ],
)
def test_ollama_picks_a_pulled_model_or_says_which_to_pull(seed_assistant, pulled, wanted, chosen, error):
    from rag.components.llm import build_chat_model
    from tests.fakes.ollama_api import FakeOllama

    server = FakeOllama(pulled)
    settings = seed_assistant.settings.with_overrides(
        answerer="ollama", llm_base_url=server.url, llm_model=wanted
    )
    try:
        if error:
            with pytest.raises(LLMConfigError, match=re.escape(error)):
                build_chat_model(settings)
        else:
            chat = build_chat_model(settings)
            assert (chat.model, chat.base_url) == (chosen, server.url)
    finally:
        server.stop()


def test_llamacpp_with_a_missing_model_file_says_which_setting(seed_assistant, tmp_path):
    settings = seed_assistant.settings.with_overrides(
        answerer="llamacpp", llm_model_path=tmp_path / "no.gguf"
    )
    with pytest.raises(LLMConfigError, match=r"RAG_LLM_MODEL_PATH|llama-cpp-python"):
        Assistant(settings)


def test_llamacpp_without_its_build_installed_says_how_to_install_it(seed_assistant, monkeypatch):
    """`make run` leaves the llama.cpp build out (it compiles for minutes); choosing the answerer
    then says, in one line, how to add it."""
    find_spec = importlib.util.find_spec
    missing = {"llama_cpp"}
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *more: None if name in missing else find_spec(name, *more)
    )
    result = CliRunner().invoke(
        cli, ["--home", str(seed_assistant.settings.home), "ask", "--answerer", "llamacpp", WHY]
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "make install" in result.output and "'.[local]'" in result.output


def test_the_cli_reports_a_bad_backend_in_one_line(seed_assistant):
    result = CliRunner().invoke(
        cli,
        ["--home", str(seed_assistant.settings.home), "ask", "--answerer", "ollama", WHY],
        env={"RAG_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}"},
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "ollama serve" in result.output


def test_the_cli_offers_exactly_the_answerers_settings_accept():
    assert list(AnswererName.__args__) == ANSWERERS


def test_the_api_key_never_shows_in_errors_reports_or_feedback(seed_assistant):
    key = "sk-test-0000-do-not-log"
    settings = seed_assistant.settings.with_overrides(
        answerer="openai", llm_api_key=key, llm_base_url=f"http://127.0.0.1:{free_port()}/v1"
    )
    with pytest.raises(LLMConfigError) as refused:
        Assistant(settings)
    assert key not in str(refused.value)
    assert key not in str(settings.public()) and "llm_api_key" not in settings.public()


def test_the_cli_shows_the_models_words_as_they_come_then_the_verified_answer(seed_assistant, fake):
    replying(fake, f"{TRUE_REASON} {INVENTED_REASON}")
    result = CliRunner().invoke(
        cli,
        ["--home", str(seed_assistant.settings.home), "ask", "--answerer", "openai", WHY],
        env={"RAG_LLM_BASE_URL": fake.url},
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("model (unverified): Putin moved the talks")
    assert "hotel rooms" in result.stderr
    first, flagged = result.stdout.splitlines()[0].split(" (!) ")
    assert first.endswith("[1]") and flagged.endswith("[not in the sources]")
