"""Example questions for the chat, made from the indexed corpus's newest headlines.

Hard-coded questions only fit the corpus they were written for; a deployment
indexes its own news. So the chat offers the question a person would ask about
each of the newest stories: "What is the latest on the Kessler harbor bridge?"
It works on any corpus and shows what the assistant is for (recent news, dated
and cited). Deterministic, no model: a headline is cut at its first clause
break ("X as Y", "X: Y", "X | CNN"), a word the source cut short ("at Ma...")
is dropped, and when the headline is a sentence its subject, the words before
its verb ("Kessler harbor bridge" of "Kessler harbor bridge reopens"), is what
the question asks about. A common noun phrase gets "the" ("the Kessler harbor
bridge"); a name does not ("Taylor and Travis"): a word is a name when some
headline capitalizes it past its first word. A story already offered (same
first long word: "Southwest Airlines cancels…", "Southwest's meltdown…") is not
offered twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.components.vector_store import ArticleRecord

EXAMPLES = 4
MAX_WORDS = 8
_BREAK = re.compile(r"\s(?:[|–—-]|--|as|after|amid|while)\s|[:;,…?!]|\.(?=\s|$)|\s\(")
_CUT_SHORT = re.compile(r"(\.\.\.|…)\s*$")
# Words a cut headline should not end on.
_DANGLING = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "this", "to", "with"}
# Words after a verb that are not themselves one: "reopens after repairs".
_FUNCTION = _DANGLING | {"about", "after", "again", "amid", "as", "back", "but", "down", "into", "off", "out",
    "over", "than", "that", "up"}  # fmt: skip
# Verbs a plural subject takes: "applications are pending".
_AUXILIARIES = {"are", "can", "could", "have", "may", "might", "must", "should", "were", "will", "would"}
# Headline verbs that end in neither -s nor -ed.
_VERBS = {
    "are", "be", "can", "could", "did", "do", "face", "get", "got", "had", "has", "have", "hit", "is",
    "make", "made", "may",
    "might", "must", "need", "said", "says", "set", "should", "take", "took", "tied", "to", "want", "was",
    "were", "will", "win", "won", "would",
}  # fmt: skip
# Headline openings that name nothing to ask about ("There are 77 trees...", "Once looked down on...").
_EMPTY_SUBJECTS = {"here", "it", "now", "once", "there", "this", "that", "today", "what", "why", "how"}
# Plurals that are never a headline's verb: "cancellations", "shipments".
_NOUN_ENDINGS = ("ions", "ments", "ships", "nesses", "ities")
_QUANTITIES = {
    "dozens",
    "hundreds",
    "many",
    "millions",
    "more",
    "most",
    "nearly",
    "several",
    "some",
    "thousands",
}
_QUOTES = "\"'“”‘’ "
_WORD = re.compile(r"[A-Za-z]{4,}")


def corpus_examples(articles: Iterable[ArticleRecord], limit: int = EXAMPLES) -> list[str]:
    """Questions about the `limit` newest distinct stories (undated articles last)."""
    records = list(articles)
    vocabulary = _Vocabulary(record.title for record in records)
    newest = sorted(records, key=lambda record: record.published or "", reverse=True)
    questions: list[str] = []
    stories: set[str] = set()
    for record in newest:
        headline = short_title(record.title)
        story = _story(headline)
        topic = _topic(headline, vocabulary) if headline else ""
        if not _names_something(topic) or story in stories:
            continue
        stories.add(story)
        questions.append(f"What is the latest on {topic}?")
        if len(questions) == limit:
            break
    return questions


def short_title(title: str) -> str:
    """The headline up to its first clause break, at most `MAX_WORDS` words, without quotes."""
    text = " ".join(title.split()).strip(_QUOTES)
    if _CUT_SHORT.search(text) and len(text.split()) > 2:
        text = text.rsplit(" ", 1)[0]
    head = _BREAK.split(text, maxsplit=1)[0].strip(_QUOTES)
    words = (head if len(head.split()) >= 2 else text).split()[:MAX_WORDS]
    while len(words) > 1 and words[-1].lower() in _DANGLING:
        words.pop()
    return " ".join(words).strip(_QUOTES + ",;:.…")


def _topic(headline: str, words_seen: _Vocabulary) -> str:
    """What the headline is about: its subject when it is a sentence, with "the" before a common noun."""
    words = headline.split()
    subject = words[: _verb_at(words)]
    first = subject[0]
    if first.lower() in {"a", "an", "the"} or words_seen.common(first):
        subject = [first.lower(), *subject[1:]]
    if subject[0] in {"a", "an", "the"}:
        return " ".join(subject)
    possessive = any(word.endswith(("'s", "’s")) for word in subject)
    counted = any(char.isdigit() for char in " ".join(subject))
    common_head = len(subject) > 1 and subject[-1][0].islower() and not possessive and not counted
    return ("the " if common_head else "") + " ".join(subject)


def _names_something(topic: str) -> bool:
    """Whether the topic can be asked about: not "there", "once", a number alone or a count of
    people ("Millions of families participate...": a statistic, not a story)."""
    words = [word for word in topic.split() if word.lower() not in {"a", "an", "the"}]
    if words and words[0].lower() in _QUANTITIES:
        return False
    if len(words) != 1:
        return bool(words)
    return len(re.sub(r"[^A-Za-z]", "", words[0])) >= 3 and words[0].lower() not in _EMPTY_SUBJECTS


def _verb_at(words: list[str]) -> int:
    """Where the headline's verb is (its length when it has none).

    A plural noun before a plain verb or an auxiliary ("Syria talks yield ...", "applications are")
    is not the verb: the word after it is; nor is a plural with a noun's ending ("Flight
    cancellations"). Without such a word, the first plain word after names joined by "and" is the
    verb ("Biden and Harris celebrate").
    """
    for index in range(1, len(words)):
        word = words[index]
        if not _is_verb(word):
            continue
        guessed = word not in _VERBS and word.endswith("s")
        if guessed and word.endswith(_NOUN_ENDINGS):
            continue
        after = words[index + 1] if index + 1 < len(words) else ""
        plain = after in _AUXILIARIES or (
            after.isalpha() and after.islower() and not _is_verb(after) and after not in _FUNCTION
        )
        return index + 1 if guessed and plain else index
    return _after_names(words)


def _after_names(words: list[str]) -> int:
    """The first plain word after the names joined by "and" a headline opens with ("Biden and Harris
    celebrate")."""
    if words[0].lower() in {"a", "an", "the"}:
        return len(words)
    index = 0
    while index < len(words) and (words[index][:1].isupper() or words[index] in {"and", "&"}):
        index += 1
    named = "and" in words[:index] and words[index - 1][:1].isupper()
    return index if named and index < len(words) and words[index] not in _FUNCTION else len(words)


def _is_verb(word: str) -> bool:
    """A lower-case headline word that reads as a verb: "reopens", "collapsed", "says", "will"."""
    if word.endswith(("n't", "n’t")):
        return True
    if not word.isalpha() or not word.islower():
        return False
    return (
        word in _VERBS
        or word.endswith("ed")
        or (word.endswith("s") and not word.endswith(("ss", "us", "is")))
    )


class _Vocabulary:
    """How the corpus's headlines write each word: a word written lower-case somewhere and never
    capitalized past a headline's first word is a common word ("Flight"), not a name ("Kessler")."""

    def __init__(self, titles: Iterable[str]) -> None:
        self.lower: set[str] = set()
        self.names: set[str] = set()
        for title in titles:
            for position, word in enumerate(title.split()):
                key = _bare(word)
                if word[:1].islower():
                    self.lower.add(key)
                elif position > 0 and word[:1].isupper():
                    self.names.add(key)

    def common(self, word: str) -> bool:
        key = _bare(word)
        return key in self.lower and key not in self.names


def _bare(word: str) -> str:
    return word.strip(_QUOTES + ",;:.…").removesuffix("'s").removesuffix("’s").lower()


def _story(headline: str) -> str:
    """What marks two headlines as one story: their first word of four letters or more."""
    word = _WORD.search(headline)
    return word.group().lower() if word else headline.lower()
