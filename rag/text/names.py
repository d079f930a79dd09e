"""Names in running text: the capitalised phrases ("Keir Starmer", "Bank of England").

A follow-up's "he" or "the company" stands for a name the conversation already
used; no entity model is needed to find those candidates in quoted news
sentences: runs of capitalised words, joined by "of", "de", "the" or "for", minus the
function words and time words that English also capitalises. A sentence's
first word counts only when it is mentioned again, so "Police said" gives
nothing and "Assad ... Assad" gives "Assad"; titles and possessives end a name
("Japan's Prime Minister Fumio Kishida" names Japan and Fumio Kishida).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rag.text.terms import STOPWORDS

_TOKEN = re.compile(r"[\w’'&.-]+|[^\w\s]")
_CAPITALISED = re.compile(r"^[A-Z][\w’'&.-]*$")
_JOINERS = frozenset({"of", "de", "the", "for"})
_CALENDAR = (
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
)
_TIME_WORDS = frozenset(_CALENDAR.split())
_QUESTION_WORDS = (
    "who what when where why how which whose whom is are was were did does do has have had will would can "
    "could should"
)
_NOT_NAMES = frozenset(STOPWORDS) | _TIME_WORDS | frozenset(_QUESTION_WORDS.split())
# Titles stand before a name without being part of it: "Prime Minister Ariel Henry" names Ariel Henry.
_TITLE_WORDS = (
    "mr mrs ms dr sen rep gov gen lt col sgt st president prime minister mayor governor secretary "
    "chancellor chief judge justice king queen prince princess pope"
)
_TITLES = frozenset(_TITLE_WORDS.split())
_POSSESSIVE = re.compile(r"[’']s$")
_INSTITUTION_WORDS = (
    "court county city state states university college party department council committee house senate "
    "bank company inc corp group agency service services association foundation airlines airport "
    "news times post union republic kingdom league"
)
_INSTITUTIONS = frozenset(_INSTITUTION_WORDS.split())
_DEMONYM = re.compile(r"(ian|ese|ish|can|ean)$")
_PLACED = re.compile(r"\b(in|at|from|to|near|across)\s+(the\s+)?$", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[\"“‘(]?[A-Z])")


def capitalised_phrases(text: str) -> list[tuple[str, bool]]:
    """Each run of capitalised words with whether it opens a sentence, in order of appearance."""
    phrases: list[tuple[str, bool]] = []
    for sentence in _SENTENCE_BREAK.split(text):
        tokens = _TOKEN.findall(sentence)
        run: list[str] = []
        opens = False
        for index, token in enumerate(tokens):
            word = _POSSESSIVE.sub("", token).rstrip(".’'-")
            capital = bool(_CAPITALISED.match(word)) and word.lower() not in _NOT_NAMES | _TITLES
            joiner = bool(run) and token.lower() in _JOINERS and _capitalised_at(tokens, index + 1)
            if capital or joiner:
                if not run:
                    opens = _opens(tokens, index)
                run.append(word)
                if not _POSSESSIVE.search(token):
                    continue
            if run:
                phrases.append((" ".join(run), opens))
            run = []
        if run:
            phrases.append((" ".join(run), opens))
    return phrases


def people(texts: Iterable[str]) -> list[str]:
    """The names in `texts` shaped like a person's, in order of first mention: two to four words, no
    "of", not a place after "in"/"at"/"from", not an institution ("Supreme Court"), not an adjective
    of origin ("Puerto Rican trap artist")."""
    found: list[str] = []
    for text in texts:
        for phrase, _ in capitalised_phrases(text):
            before, _, after = text.partition(phrase)
            words = phrase.split()
            while words and words[0].lower() in _INSTITUTIONS:  # "(Secretary of) State Brad Raffensperger"
                words = words[1:]
            if not 2 <= len(words) <= 4 or {word.lower() for word in words} & _JOINERS:
                continue
            if words[-1].lower() in _INSTITUTIONS or _PLACED.search(before[-12:]):
                continue
            if _DEMONYM.search(words[-1]) and re.match(r"\s+[a-z]", after):  # "Puerto Rican trap artist"
                continue
            found.append(" ".join(words))
    return list(dict.fromkeys(found))


def _capitalised_at(tokens: list[str], index: int) -> bool:
    return index < len(tokens) and bool(_CAPITALISED.match(tokens[index]))


def _opens(tokens: list[str], index: int) -> bool:
    """Whether only quotes and brackets come before `tokens[index]` in its sentence."""
    return all(not any(ch.isalnum() for ch in token) for token in tokens[:index])


def names(texts: Iterable[str]) -> list[str]:
    """The names in `texts`, in order of first mention.

    A single word that opens a sentence counts only if it is mentioned again ("Police said"
    once is no name; "Tesla announced ... Tesla, which" is).
    """
    found = [(phrase, opens) for text in texts for phrase, opens in capitalised_phrases(text)]
    counts = Counter(phrase for phrase, _ in found)
    kept = [phrase for phrase, opens in found if not opens or " " in phrase or counts[phrase] > 1]
    return list(dict.fromkeys(kept))
