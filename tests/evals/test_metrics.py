"""Each metric against values worked out by hand, edge cases included."""

from __future__ import annotations

import pytest

from evals import metrics
from evals.datasets import EvalCase
from rag.schema import Answer, Citation, Claim, RetrievedChunk

EVIDENCE = ["Putin decided to move the negotiations to Sochi.", "corpus/other.txt"]


def answer(*, chunks=(), quotes=(), claims=(), abstained=False) -> Answer:
    return Answer(
        question="q",
        standalone_question="q",
        text="t",
        abstained=abstained,
        retrieved=[
            RetrievedChunk(
                chunk_id=f"c{i}", article_id=article, title="T", text=text, score=1.0, start=0, end=1
            )
            for i, (article, text) in enumerate(chunks)
        ],
        citations=[
            Citation(number=1, article_id=article, title="T", chunk_id="c", quote=quote, start=0, end=1)
            for article, quote in quotes
        ],
        claims=[Claim(text="x", supported=supported) for supported in claims],
    )


@pytest.mark.parametrize(
    ("prediction", "gold", "em", "f1"),
    [
        ("The Kurds.", ["the kurds"], 1.0, 1.0),
        ("namely the Kurds refused", ["the Kurds"], 0.0, 2 * (1 / 3) * 1 / (1 / 3 + 1)),
        ("", ["Kurds"], 0.0, 0.0),
        ("anything", [], 0.0, 0.0),
        ("roughly 1,500 participants", ["1,500", "roughly 1,500"], 0.0, 0.8),
    ],
)
def test_squad_exact_match_and_token_f1(prediction, gold, em, f1) -> None:
    assert metrics.exact_match(prediction, gold) == em
    assert metrics.token_f1(prediction, gold) == pytest.approx(f1)


def test_containment_normalises_punctuation_and_curly_quotes() -> None:
    assert (
        metrics.contains_answer("Russia’s Black Sea resort city Sochi, on Tuesday", ["Russia's Black Sea"])
        == 1.0
    )
    assert metrics.contains_answer("Sochi", ["Astana"]) == 0.0
    assert metrics.contains_answer("", ["Sochi"]) == 0.0


def test_retrieval_metrics_from_ranx_on_a_hand_ranked_list() -> None:
    ranked = answer(
        chunks=[
            ("corpus/a.txt", "Nothing useful here."),
            ("corpus/a.txt", "Then Putin decided to move the negotiations to Sochi. More text."),
            ("corpus/other.txt", "Anything from the other article."),
        ]
    )
    run = metrics.relevance_run(ranked, EVIDENCE)
    assert list(run) == ["c0", "e0", "e1"]

    scores = metrics.retrieval_scores({"q": run}, {"q": EVIDENCE})["q"]

    assert scores["hit_rate@5"] == 1.0
    assert scores["recall@5"] == 1.0
    assert scores["mrr@10"] == pytest.approx(1 / 2)
    ideal = 1 + 1 / 1.5849625
    assert scores["ndcg@10"] == pytest.approx((1 / 1.5849625 + 1 / 2) / ideal)


def test_retrieval_that_finds_nothing_scores_zero_and_no_evidence_is_not_scored() -> None:
    scores = metrics.retrieval_scores({"q": {}, "u": {}}, {"q": EVIDENCE, "u": []})

    assert scores == {"q": {"hit_rate@5": 0.0, "recall@5": 0.0, "mrr@10": 0.0, "ndcg@10": 0.0}}
    assert metrics.retrieval_scores({}, {"u": []}) == {}


def test_citation_precision_counts_quotes_that_hold_or_sit_inside_evidence() -> None:
    cited = answer(
        quotes=[
            ("corpus/a.txt", "Putin decided to move the negotiations to Sochi."),
            ("corpus/a.txt", "Putin decided to move the negotiations"),
            ("corpus/a.txt", "An unrelated sentence about Iran."),
            ("corpus/other.txt", "Any sentence of an evidence article."),
        ]
    )
    assert metrics.citation_precision(cited, EVIDENCE) == 0.75
    assert metrics.citation_precision(answer(), EVIDENCE) is None
    assert metrics.citation_precision(cited, []) is None


def test_citation_support_also_counts_another_articles_quote_that_states_the_answer() -> None:
    cited = answer(
        quotes=[
            ("corpus/a.txt", "Putin decided to move the negotiations to Sochi."),
            ("corpus/wire.txt", "The talks move to Sochi, the Kremlin said."),
            ("corpus/wire.txt", "Talks were held in Astana last year."),
        ]
    )
    assert metrics.citation_precision(cited, EVIDENCE) == pytest.approx(1 / 3)
    assert metrics.citation_support(cited, EVIDENCE, ["Sochi"]) == pytest.approx(2 / 3)
    assert metrics.citation_support(answer(), EVIDENCE, ["Sochi"]) is None


def test_faithfulness_is_the_share_of_supported_claims() -> None:
    assert metrics.faithfulness(answer(claims=[True, False, True, True])) == 0.75
    assert metrics.faithfulness(answer(claims=[True], abstained=True)) is None
    assert metrics.faithfulness(answer()) is None


def test_abstention_precision_recall_and_wrong_abstentions() -> None:
    cases = [
        EvalCase("a", "q", unanswerable=False),
        EvalCase("b", "q", unanswerable=False),
        EvalCase("c", "q", unanswerable=True),
        EvalCase("d", "q", unanswerable=True),
    ]
    answers = [answer(abstained=True), answer(), answer(abstained=True), answer()]

    assert metrics.abstention_scores(cases, answers) == {
        "abstention_precision": 0.5,
        "abstention_recall": 0.5,
        "wrong_abstention_rate": 0.5,
    }


def test_all_unanswerable_and_no_abstention_leave_undefined_figures_undefined() -> None:
    cases = [EvalCase("c", "q", unanswerable=True)]

    assert metrics.abstention_scores(cases, [answer()]) == {
        "abstention_precision": None,
        "abstention_recall": 0.0,
        "wrong_abstention_rate": None,
    }


def test_bootstrap_interval_brackets_the_mean_and_is_reproducible() -> None:
    values = [0.0, 1.0] * 20
    low, high = metrics.bootstrap_interval(values)

    assert low < 0.5 < high
    assert metrics.bootstrap_interval(values) == (low, high)
    assert metrics.bootstrap_interval([1.0]) is None
