"""Turn a follow-up ("How many people died?") into a standalone question.

Deterministic and readable, since the chat shows it ("Understood as: How many
people died in the Baltimore bridge collapse?"). A question leans on the
conversation when it refers back (he, it, they, there, "the company") or names
no topic of its own ("Which team?"): references become the focus's names, and
a question that still names no topic gets the last question's. A question
that names nothing, or something the last answer quoted, continues the story
as it is worded; a question that names something else starts a new topic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.schema import Focus, Turn
from rag.text.names import capitalised_phrases, names, people
from rag.text.terms import content_terms

_OPENS_ON_CONTEXT = re.compile(r"^\s*(and|but|also|so|then|what about|how about)\b", re.IGNORECASE)
_PERSON = re.compile(r"\b(he|him|she)\b", re.IGNORECASE)
_HIS = re.compile(r"\bhis\b", re.IGNORECASE)
_HER = re.compile(r"\bher\b(\s+\w+)?", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(its|their)\b", re.IGNORECASE)
_THEY = re.compile(r"\b(they|them)\b", re.IGNORECASE)
_IT = re.compile(r"\bit\b", re.IGNORECASE)
# "there" as a place ("Who lives there?"), not as "there is/was/were ...".
_THERE = re.compile(
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?!\s+(is|are|was|were|be|been|have|has)\b)",
    re.IGNORECASE,
)
_DEFINITE = re.compile(
    r"\b(the|that|this) (company|firm|team|club|airline|agency|group|organi[sz]ation|country|nation|city"
    r"|state|party|band|union|court|government|man|woman|person|player|singer|actor|actress|leader"
    r"|president)\b",
    re.IGNORECASE,
)
_REFERENCES = (_PERSON, _HIS, _HER, _POSSESSIVE, _THEY, _IT, _THERE, _DEFINITE, _OPENS_ON_CONTEXT)
_QUESTION_WORDS = frozenset(content_terms("who what when where why how which whose whom many much"))
_AUXILIARY_WORDS = (
    "is are was were be been being did does do has have had will would can could should may might"
)
_AUXILIARIES = frozenset(_AUXILIARY_WORDS.split())
_WH = frozenset({"who", "what", "when", "where", "why", "how", "which", "whose", "whom"})
_DETERMINERS = frozenset({"the", "a", "an"})
_PREPOSITION_WORDS = "at in on to with during after before from near inside outside over"
_PREPOSITIONS = frozenset(_PREPOSITION_WORDS.split())
_AFTER = "(after: "
# A question with no name and at most this many content words names no topic of its own.
TOPICLESS_WORDS = 3
# A topic longer than this is a clause ("Kazakhstan refuse to send troops"), not a phrase to append.
TOPIC_WORDS = 6


@dataclass(frozen=True)
class Reading:
    """How a question is read in its conversation."""

    standalone: str
    # It leans on the focus (a reference, no topic of its own, or a name the last answer quoted).
    follow_up: bool = False


def condense(question: str, history: Sequence[Turn], focus: Focus | None = None) -> str:
    """`question` as a standalone question (unchanged when it already is one)."""
    return read(question, history, focus).standalone


def is_follow_up(question: str, history: Sequence[Turn] = (), focus: Focus | None = None) -> bool:
    """Whether `question` leans on the conversation (on any conversation at all, given none)."""
    if not history and focus is None:
        return _refers_back(question) or _topicless(question)
    return read(question, history, focus).follow_up


def read(question: str, history: Sequence[Turn], focus: Focus | None = None) -> Reading:
    """The standalone form of `question` and whether it leans on the conversation's focus."""
    focus = focus or text_focus(history)
    if not focus.topic:
        return Reading(question)
    if _refers_back(question):
        resolved = _resolved(question, focus)
        return Reading(_with_topic(resolved, focus) if _topicless(resolved) else resolved, follow_up=True)
    if _topicless(question):
        return Reading(_with_topic(question, focus), follow_up=True)
    # "Which crashes did the flawed system contribute to?" names nothing: it is read in the focus first.
    return Reading(question, follow_up=not _own_names(question) or _shares_a_name(question, focus))


def text_focus(history: Sequence[Turn]) -> Focus:
    """The focus readable from the turns' text alone: the last question as understood and the names
    it and the answer to it used."""
    topic = ""
    answer = ""
    for turn in history:
        if turn.role == "user":
            topic = read(turn.content, (), _focus(topic, answer)).standalone
            answer = ""
        else:
            answer = turn.content
    return _focus(topic, answer) if topic else Focus()


def _focus(topic: str, answer: str) -> Focus:
    return Focus(names=names([topic, answer]), people=people([topic, answer]), topic=topic)


def _refers_back(question: str) -> bool:
    return any(pattern.search(question) for pattern in _REFERENCES)


def _own_names(question: str) -> list[str]:
    return [phrase for phrase, _ in capitalised_phrases(question)]


def own_words(question: str) -> list[str]:
    """The question's content words beyond the question words ("Who is he?" has none)."""
    return [term for term in content_terms(question) if term not in _QUESTION_WORDS]


def _topicless(question: str) -> bool:
    return not _own_names(question) and len(own_words(question)) <= TOPICLESS_WORDS


def _shares_a_name(question: str, focus: Focus) -> bool:
    known = {word.lower() for name in focus.names for word in name.split() if len(word) > 2}
    return any(word.lower() in known for name in _own_names(question) for word in name.split())


def _resolved(question: str, focus: Focus) -> str:
    """References replaced by the focus's names: "When did he become ..." -> "When did Keir Starmer ...".

    After a question that asked for a name ("Which company ...?") "it" means the answer, which
    text alone does not say for sure: it stays, and the question gets the topic. "There" and "the
    company" stay too: which name they mean takes knowing what a name is (a place, a firm), and
    the focus is searched first anyway.
    """
    person = _person(focus)
    named = not _asks_for_a_name(focus.topic)
    main = _subject(focus.topic) if named else None
    thing = _thing(focus) if named else None
    text = question
    if person:
        text = _PERSON.sub(lambda m: person, text)
        text = _HIS.sub(lambda m: f"{person}'s", text)
        text = _HER.sub(
            lambda m: f"{person}'s{m.group(1)}" if _possessive_her(m) else person + (m.group(1) or ""), text
        )
    if main:
        text = _POSSESSIVE.sub(lambda m: f"{main}'s", text)
        text = _THEY.sub(lambda m: main, text)
    if thing:
        text = _IT.sub(lambda m: thing, text)
    text = _OPENS_ON_CONTEXT.sub("", text).strip()
    return text[:1].upper() + text[1:] if text else question


def _possessive_her(match: re.Match[str]) -> bool:
    following = (match.group(1) or "").strip().lower()
    return bool(following) and bool(content_terms(following))


def _asks_for_a_name(topic: str) -> bool:
    """ "Which company ...?", "Who won ...?": the answer is a name the question did not use."""
    words = topic.lower().split()
    return len(words) > 1 and words[0] in ("which", "what", "who", "whose") and words[1] not in _AUXILIARIES


def _with_topic(question: str, focus: Focus) -> str:
    """`question` with the topic appended: "How many people died in the Baltimore bridge collapse?"."""
    body = _OPENS_ON_CONTEXT.sub("", question).strip().rstrip(" ?.!")
    body = body[:1].upper() + body[1:]
    phrase = _phrase(focus)
    if phrase:
        first = phrase.split()[0].lower()
        joint = " " if first in _PREPOSITIONS else " in " if first in _DETERMINERS else " about "
        return f"{body}{joint}{phrase}?"
    # A chain of follow-ups stays after the question that set its topic.
    first_topic = focus.topic.split(_AFTER)[-1].rstrip(" ?)")
    return f"{body}? {_AFTER}{first_topic})"


def _phrase(focus: Focus) -> str | None:
    """The last question's topic as a phrase, when it has one: "the Baltimore bridge collapse" from
    "Why did the Baltimore bridge collapse?", "the Nevada caucuses" from "Who won the Nevada caucuses?"."""
    words = focus.topic.strip().rstrip(" ?.!").split()
    if len(words) < 2 or words[0].lower() not in _WH or _AFTER.strip() in words:
        return None
    rest = words[1:]
    if rest[0].lower() in ("happened", "happens") or rest[0].lower() in _AUXILIARIES:
        rest = rest[1:]
    elif len(rest) > 1 and rest[1].lower() in _DETERMINERS | _PREPOSITIONS:
        rest = rest[1:]  # "who won | the Nevada caucuses"
    else:
        return None
    prepositional = bool(rest) and rest[0].lower() in _PREPOSITIONS
    if not rest or len(rest) > (2 * TOPIC_WORDS if prepositional else TOPIC_WORDS):
        return None
    if any(word.lower() in _AUXILIARIES for word in rest) or _is_clause(rest):
        return None
    return " ".join(rest)


def _is_clause(words: list[str]) -> bool:
    """ "Winston Churchill give the painting to": a name followed by a verb, not a phrase.

    Only a phrase that opens with a name is judged (a lowercase word after it that is no
    preposition is its verb); "the Baltimore bridge collapse" has no verb to find this way.
    """
    if not words[0][:1].isupper():
        return False
    after = next((word for word in words if not word[:1].isupper()), None)
    return after is not None and after.lower() not in _PREPOSITIONS and after.lower() not in ("and", "of")


def _thing(focus: Focus) -> str | None:
    """What "it" means: a name the answer quoted that the topic describes ("the Francis Scott Key
    Bridge" for "the Baltimore bridge collapse"), else the topic phrase."""
    phrase = _phrase(focus)
    if not phrase:
        return None
    asked = set(_own_names(focus.topic))
    described = {word.lower() for word in phrase.split() if len(word) > 3}
    for name in focus.names:
        if name not in asked and described & {word.lower() for word in name.split()}:
            return f"the {name}"
    return phrase


def _person(focus: Focus) -> str | None:
    """Whom "he" or "she" means: after "Who is X?" X; after "Who did Y?" the one the answer named;
    else the person the last question named, or the one the answer named first."""
    words = focus.topic.lower().split()
    answered_who = len(words) > 1 and words[0] == "who" and words[1] not in _AUXILIARIES
    asked = people([focus.topic])
    quoted = [name for name in focus.people if name not in asked]
    return next(iter([*quoted, *asked] if answered_who else [*asked, *quoted]), None)


def _subject(topic: str) -> str | None:
    """The name the last question was about, when it opens its subject: "Kazakhstan" in "Why does
    Kazakhstan refuse ...?" ("they", "its" mean it), none in "What is the largest reservoir in the US?"."""
    words = topic.split()
    if len(words) < 3 or words[0].lower() not in _WH or words[1].lower() not in _AUXILIARIES:
        return None
    return next((name for name in _own_names(topic) if " ".join(words[2:]).startswith(name)), None)
