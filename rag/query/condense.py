"""Turn a follow-up ("and who boycotted it?") into a standalone question.

Without an LLM the rewrite is deterministic: when the new question leans on
the conversation (a pronoun, a leading "and", very few content words), carry
the previous question's content words along, so retrieval sees the topic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.schema import Turn
from rag.text.terms import STOPWORDS

_LEANS_ON_CONTEXT = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about)\b"
    r"|\b(it|its|they|them|their|he|him|his|she|her|this|that|those|these|there|the same)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w’'-]+")
_STOP = frozenset(STOPWORDS)


def is_follow_up(question: str) -> bool:
    content = [word for word in _WORD.findall(question.lower()) if word not in _STOP]
    return bool(_LEANS_ON_CONTEXT.search(question)) or len(content) <= 1


def condense(question: str, history: Sequence[Turn]) -> str:
    """`question`, with the previous question's key words appended when it is a follow-up."""
    previous = next((turn.content for turn in reversed(history) if turn.role == "user"), None)
    if not previous or not is_follow_up(question):
        return question
    present = {word.lower() for word in _WORD.findall(question)}
    carried = [
        word
        for word in dict.fromkeys(_WORD.findall(previous))
        if word.lower() not in _STOP and word.lower() not in present
    ]
    return f"{question} ({' '.join(carried)})" if carried else question
