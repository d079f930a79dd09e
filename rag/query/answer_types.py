"""What kind of answer a question expects, and whether a sentence can supply it.

"How many people attended?" is only answered by a sentence with a number in it,
next to what is being counted ("1,500 participants"); "when ..." only by one
that names a time; "why ..." best by one that gives a reason ("stems from",
"because", "convinced that"). Similarity alone cannot tell "the 1,500 participants" from
"the participants", so the answerer rewards a sentence that carries the
expected kind of answer and discounts one that cannot.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Literal

from rag.text.terms import content_terms

AnswerKind = Literal["number", "time", "reason"]

_NUMBER_QUESTION = re.compile(
    r"\b(how (many|much|long|old|far)|what (number|percentage|share|proportion|population)|population)\b",
    re.IGNORECASE,
)
_TIME_QUESTION = re.compile(
    r"^\s*when\b|\b(what|which) (year|month|day|date|time)\b|\bsince when\b", re.IGNORECASE
)
_REASON_QUESTION = re.compile(r"^\s*why\b|\b(what|which) (reason|cause|motive)s?\b", re.IGNORECASE)
_REASON = re.compile(
    r"\b(because|due to|owing to|thanks to|as a result|stems? from|stemmed from|caused|led to|in order to"
    r"|so that|aimed at|aims? to|reasons?|convinced|fearing|fears?|concerns? that|hoping to|in response"
    r"|after)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"^(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?"
    r"|millions?|billions?|half|quarter)$",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\w+(?:[.,]\d+)*")
# A counted thing sits this close to its number: "roughly 1,500 participants".
WINDOW = 3
_TIME = re.compile(
    r"\b(1[89]\d\d|20\d\d|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march"
    r"|april|may|june|july|august|september|october|november|december|yesterday|today|tomorrow|week|month"
    r"|year|decade|century|since|ago)\b",
    re.IGNORECASE,
)


def expected_kind(question: str) -> AnswerKind | None:
    """The kind of answer `question` asks for, when it is that specific."""
    if _TIME_QUESTION.search(question):
        return "time"
    if _NUMBER_QUESTION.search(question):
        return "number"
    if _REASON_QUESTION.search(question):
        return "reason"
    return None


_COUNTED = re.compile(r"\bhow (many|much)\s+(\w+)", re.IGNORECASE)
# "How many people died?" is answered by a count of some kind of people ("six construction workers"),
# or of the dead and hurt ("the death toll rose to 12").
_PEOPLE = frozenset(content_terms("people persons person"))
_KINDS_OF_PEOPLE = frozenset(
    content_terms(
        "workers passengers residents civilians soldiers troops children adults students employees victims "
        "members patients crew fans voters migrants refugees dead died killed deaths toll injured wounded"
    )
)


_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'&.-]*[\w]")


def names(text: str) -> list[str]:
    """Stemmed capitalised words not opening a sentence: the people, places and bodies a text names."""
    return content_terms(" ".join(_NAME.findall(text)))


def focus_terms(question: str) -> set[str]:
    """The terms a number must sit beside: the counted noun of "how many X" (any kind of people for
    "how many people"), else all content terms."""
    counted = _COUNTED.search(question)
    terms = content_terms(counted.group(2)) if counted else []
    if _PEOPLE & set(terms):
        terms += sorted(_KINDS_OF_PEOPLE)
    return set(terms) or set(content_terms(question))


def supplies(kind: AnswerKind, sentence: str, focus: Collection[str]) -> bool:
    """Whether `sentence` holds a time, a reason, or a number within a few words of a `focus` term."""
    if kind == "time":
        return bool(_TIME.search(sentence))
    if kind == "reason":
        return bool(_REASON.search(sentence))
    tokens = _TOKEN.findall(sentence)
    for index, token in enumerate(tokens):
        if _NUMBER.match(token):
            near = " ".join(tokens[max(0, index - WINDOW) : index + WINDOW + 1])
            if set(content_terms(near)) & set(focus):
                return True
    return False
