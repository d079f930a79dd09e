"""Content words, stemmed: the shared vocabulary of lexical scoring.

BM25, the answerer's overlap score and the follow-up rewrite all need the same
idea of "the words that matter", so it lives in one place.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from bm25s.stopwords import STOPWORDS_EN_PLUS

STOPWORDS: list[str] = sorted(STOPWORDS_EN_PLUS)
_STOPWORD_SET = frozenset(STOPWORDS)
_WORD = re.compile(r"\w+")


@cache
def stemmer() -> Any:
    """One Snowball English stemmer per process (PyStemmer, a C extension)."""
    import Stemmer

    return Stemmer.Stemmer("english")


def content_terms(text: str) -> list[str]:
    """Stemmed words of `text` that are not stopwords, in order, lower-cased."""
    words = [word for word in _WORD.findall(text.lower()) if word not in _STOPWORD_SET]
    return stemmer().stemWords(words)
