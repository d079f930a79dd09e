"""The recipe: fine-tune all-MiniLM-L6-v2 as a pointwise cross-encoder, export it as int8 ONNX.

Pointwise (binary cross-entropy) so its outputs are probabilities a threshold
can be set on; `loss="listwise"` trains the same sample with LambdaLoss over
each question's candidates instead, which optimises the choice among them
directly (measured, not kept: docs/reader.md, *Other training recipes*). Every positive of a
question is kept with a seeded sample of its negatives; an unanswerable
question keeps all of its candidates, since they are the near misses
abstention is about (the right topic, not the thing asked).
Each positive also comes back as a negative with its answer taken out, so the
reader learns that the topic is not enough.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from evals.reader.candidates import Question, Sentence, hand_set_score
from rag.components.embedding import default_model_path
from rag.components.embedding.onnx import export_bert, quantize_int8
from rag.components.reader import CONFIG_FILE, MODEL_FILE, TOKENIZER_FILE


@dataclass(frozen=True)
class Recipe:
    epochs: float = 2.0
    # Negatives sampled per question (all its positives are kept).
    negatives: int = 8
    # Of those, how many are the ones the hand-set score ranks highest: the near ties the reader
    # settles in use; the rest are drawn at random.
    hardest: int = 0
    batch_size: int = 16
    learning_rate: float = 4e-5
    warmup_ratio: float = 0.1
    max_tokens: int = 96
    seed: int = 13
    # Each positive again as a negative with its gold answer replaced by "it": the right topic
    # without the thing asked, the near miss the reader met most on the held-out year.
    answerless: bool = True
    # Stop after this many steps (the test suite's tiny run); -1 = the epochs.
    max_steps: int = -1
    # "pointwise" (binary cross-entropy per pair) or "listwise" (LambdaLoss per question).
    loss: str = "pointwise"


LOSSES = ("pointwise", "listwise")
# Listwise, a step reads this many questions' lists: about as many pairs as a pointwise step.
LISTS_PER_STEP = 2


@dataclass(frozen=True)
class Pair:
    question: str
    passage: str
    label: int


def training_pairs(questions: Sequence[Question], recipe: Recipe) -> list[Pair]:
    """Every positive and `recipe.negatives` sampled negatives per question (all of an
    unanswerable one's), seeded, shuffled."""
    rng = random.Random(recipe.seed)
    pairs = []
    for question in questions:
        positives = [s for s in question.sentences if s.label]
        negatives = [s for s in question.sentences if not s.label]
        keep = len(negatives) if question.unanswerable else min(recipe.negatives, len(negatives))
        pairs += [
            Pair(question.question, sentence.passage, sentence.label)
            for sentence in positives + _negatives(negatives, keep, recipe.hardest, rng)
        ]
        if recipe.answerless:
            pairs += [Pair(question.question, text, 0) for text in _answerless(positives, question.answers)]
    rng.shuffle(pairs)
    return pairs


def training_lists(pairs: Sequence[Pair]) -> dict[str, tuple[list[str], list[float]]]:
    """`pairs` grouped by question, in the order met, for a listwise loss; a list without a
    positive (an unanswerable question's) is left out, as it ranks nothing."""
    lists: dict[str, tuple[list[str], list[float]]] = {}
    for pair in pairs:
        passages, labels = lists.setdefault(pair.question, ([], []))
        passages.append(pair.passage)
        labels.append(float(pair.label))
    return {question: both for question, both in lists.items() if any(both[1])}


def _negatives(negatives: Sequence[Sentence], keep: int, hardest: int, rng: random.Random) -> list[Sentence]:
    """`keep` negatives: the `hardest` ones the hand-set score ranks highest, the rest at random."""
    ranked = sorted(negatives, key=hand_set_score, reverse=True)
    hard = ranked[: min(hardest, keep)]
    return hard + rng.sample(ranked[len(hard) :], keep - len(hard))


def _answerless(positives: Sequence[Sentence], answers: Sequence[str]) -> list[str]:
    """Each positive passage with every gold answer in it replaced by "it" (where one was found)."""
    wanted = sorted((answer for answer in answers if answer.strip()), key=len, reverse=True)
    if not wanted:
        return []
    # Longest first, so "roughly 1,500" goes whole rather than leaving "roughly it".
    pattern = re.compile("|".join(re.escape(answer) for answer in wanted), re.IGNORECASE)
    texts = [pattern.sub("it", sentence.passage) for sentence in positives]
    return [text for text, sentence in zip(texts, positives, strict=True) if text != sentence.passage]


def train(pairs: Sequence[Pair], recipe: Recipe, work: Path) -> Any:
    """A `CrossEncoder` fine-tuned on `pairs` (torch on the CPU; checkpoints are not kept)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )

    torch.manual_seed(recipe.seed)
    model = CrossEncoder(str(default_model_path()), num_labels=1, max_length=recipe.max_tokens, device="cpu")
    loss, data = _pointwise(model, pairs) if recipe.loss == "pointwise" else _listwise(model, pairs)
    args = CrossEncoderTrainingArguments(
        output_dir=str(work),
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps,
        per_device_train_batch_size=recipe.batch_size if recipe.loss == "pointwise" else LISTS_PER_STEP,
        learning_rate=recipe.learning_rate,
        warmup_steps=recipe.warmup_ratio,
        seed=recipe.seed,
        data_seed=recipe.seed,
        save_strategy="no",
        report_to="none",
        logging_steps=50,
        use_cpu=True,
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    CrossEncoderTrainer(model=model, args=args, train_dataset=data, loss=loss).train()
    return model


def _pointwise(model: Any, pairs: Sequence[Pair]) -> tuple[Any, Any]:
    """Binary cross-entropy per pair, the rare positives weighed up to the negatives' share, so
    neither class is ignored."""
    import torch
    from datasets import Dataset
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    positives = sum(pair.label for pair in pairs)
    loss = BinaryCrossEntropyLoss(
        model, pos_weight=torch.tensor((len(pairs) - positives) / max(positives, 1))
    )
    data = Dataset.from_dict(
        {
            "question": [pair.question for pair in pairs],
            "passage": [pair.passage for pair in pairs],
            "label": [float(pair.label) for pair in pairs],
        }
    )
    return loss, data


def _listwise(model: Any, pairs: Sequence[Pair]) -> tuple[Any, Any]:
    """LambdaLoss over each question's list (`training_lists`)."""
    from datasets import Dataset
    from sentence_transformers.cross_encoder.losses import LambdaLoss

    lists = training_lists(pairs)
    data = Dataset.from_dict(
        {
            "query": list(lists),
            "docs": [passages for passages, _ in lists.values()],
            "labels": [labels for _, labels in lists.values()],
        }
    )
    return LambdaLoss(model), data


def export(model: Any, folder: Path) -> Path:
    """The model as int8 ONNX with its tokenizer in a new `folder` (`describe` adds config and card)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    fp32 = folder / "model-fp32.onnx"
    export_bert(model.model.eval(), fp32, "logits", {0: "batch"})
    quantize_int8(fp32, folder / MODEL_FILE, op_types=("MatMul", "Gather"))
    fp32.unlink()
    shutil.copyfile(default_model_path() / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    return folder


def describe(folder: Path, recipe: Recipe, card: str = "", trained_on: str = "") -> None:
    """The reader's config (its input length, the recipe and years that made it) and its model card."""
    config = {"max_tokens": recipe.max_tokens, "recipe": asdict(recipe), "trained_on": trained_on}
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    if card:
        (folder / "README.md").write_text(card, encoding="utf-8")
