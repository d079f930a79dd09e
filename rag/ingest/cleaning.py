"""Remove page furniture that would otherwise be embedded and quoted.

News text copied from the web carries share buttons, navigation, the headline
repeated as the first line, editor's notes, newsletter prompts, bylines and
contact lines, "More:" links, ad disclosures and photo credits. None of it
should become a chunk, and a citation must never quote it.

The patterns come from the crawled articles of realtimeqa-dev: the most
frequent lines (digits folded) and the lines holding "sign up", "newsletter",
"Editor's note", "Getty Images", "Follow", "Contact", "More:" or
"advertis", read family by family, then the lines of the cleaned text
holding "click here", "inbox", "check out", "►" or "JUST WATCHED" (`python -m evals.furniture` counts them
before and after and prints a sample of what each family removes). A
paragraph is either furniture or kept whole, except for a photo credit at its
end ("… after the floods. Melina Mara/The Washington Post/Getty Images"),
where only the credit goes. Every pattern is anchored or bounded, so cleaning
stays linear in the length of the text; the chunker splits what is returned,
so offsets are those of the cleaned text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_I = re.IGNORECASE | re.VERBOSE


@dataclass(frozen=True)
class Rule:
    """A furniture pattern, tried only on lines holding one of `words` (lower case; none: every line).

    The words keep cleaning fast: a pattern that may match anywhere in a line is costly to try at
    every position, and most lines hold none of its words.
    """

    pattern: re.Pattern[str]
    words: tuple[str, ...] = ()


# Lines (stripped) that are furniture, by family; a family's rules are tried in order.
FAMILIES: dict[str, list[Rule]] = {
    "share_navigation": [
        Rule(
            re.compile(
                r"""^(
                    share(\s+(on|via)\s+[\w+ ]+|\s+this(\s+article)?)?
                  | (tweet|email|print|whatsapp|pinterest|reddit|facebook|twitter|linkedin|google\+)
                  | [+•|·>]
                  | skip\s+to\s+(main\s+)?content | (click|tap)\s+here.*
                  | follow\s+us(\s+on\s+[\w+ ]+)?
                )$""",
                _I,
            )
        )
    ],
    "editors_note": [
        Rule(re.compile(r"^editors?['’]?s?\s+note\b", _I)),
        Rule(re.compile(r"^this\s+(story|article|page)\s+(has\s+been|was)\s+updated\b", _I)),
    ],
    "newsletter": [
        Rule(
            re.compile(
                r"""^( sign[\s-]?up\s+(for|to|and)\b
                  | \(?you\s+can\s+(also\s+)?get\b.{0,80}?\binbox\b
                  | get\b.{0,60}?\b(in\s+your\s+inbox|newsletter)\b
                  | \W{0,3}[a-z'’ ]{0,30}\bnewsletter\s?:
                  | this\s+is\s+the\s+weekly\s+edition\s+of\b.{0,60}?\bnewsletter\b
                  | would\s+you\s+like\s+to\s+receive\b.{0,60}?\bnewsletter\b
                  | we\s+will\s+use\s+the\s+(details|information)\s+you\s+have\s+shared\b
                  | \W?we\W?\s+includes\s+the\s+week\b
                  | if\s+you\s+wish\s+to\s+object\s+to\s+the\s+use\s+of\s+your\s+data\b
                  | (to\s+)?subscribe\b
                  | thank\s+you\s+for\s+supporting\s+our\s+journalism\b
                  | these\s+articles\s+are\s+for\s+usa\s+today\s+subscribers\b
                  | the\s+short\s+list\s+is\b )""",
                _I,
            )
        ),
        Rule(
            re.compile(
                r"""\bsign(ing)?[\s-]?up\b[^.]{0,120}?\b(newsletters?|inbox|text\s+message\s+alerts)\b
                  | \bsubscribe\s+to\b.{0,80}?\bnewsletter\b
                  | \bwant\b.{0,60}?\bin\s+your\s+inbox\b
                  | \bsign[\s-]?up\s+(right\s+)?(here|now)\b
                  | \b(newsletter|inbox)\b[^.]{0,100}?\bsign(ing)?[\s-]?up\b
                  | \bversion\s+of\s+this\s+story\b.{0,80}?\bnewsletter\b
                  | \bnewsletter\s+provides\s+you\s+with\b
                  | \bdelivered\s+(right\s+|straight\s+)?to\s+your\s+inbox\b
                  | \byour\s+new\s+favou?rite\s+morning\s+fix\b
                  | \bsupport\s+(local|quality)\s+journalism\b
                  | \balready\s+a\s+subscriber\b""",
                _I,
            ),
            ("sign", "subscri", "inbox", "newsletter", "journalism", "morning fix"),
        ),
    ],
    "promo_label": [
        # A capitalised label, then a pitch: "NEVER MISS A MOMENT: Follow our sports newsletter".
        Rule(
            re.compile(
                r"""^\W{0,3}[A-Z0-9&'’\ ]{3,40}:\s?.{0,80}?
                    \b([Nn]ewsletter|[Ii]nbox|[Ss]ubscribe|[Ss]ign(ing)?[\s-]?up|texts?)\b""",
                re.VERBOSE,
            )
        )
    ],
    "read_more": [
        Rule(
            re.compile(
                r"""^(read\s+more|more|related|see\s+also|also\s+read|watch|video|listen|photos?|recommended)\s?:
                  | ^read\s+more\W{0,3}$
                  | ^read\s+more\b[^.:]{0,60}:
                  | ^read\s+more\b.{0,80}?\bhere\W{0,3}$
                  | ^click\s+here\s+to\s+read\s+more\b
                  | ^check\s+your\s+local\s+forecast\s+here\b
                  | ^follow\s+every\s+(game|match)\s?:
                  | ^keep\s+refreshing\s+this\s+page\b
                  | ^(photo\s+of\s+the\s+day|photos\s+of\s+the\s+week)$""",
                _I,
            )
        ),
        # Links that ask for a click ("For the latest news, click here.", "(Click here to view)"),
        # offer a list ("Check out the full list of VMA nominations.") or a headline:teaser link
        # ("►New Oreo flavor:Oreo releasing ...": no space after the colon; "► First lady ..." is text).
        Rule(
            re.compile(
                r"""^(for\s+(the\s+)?(latest|more)\b[^.]{0,60},\s+)?(tap\s+or\s+)?click\s+here\b
                  | \((tap\s+or\s+)?click\s+here\b[^()]{0,40}\)
                  | (^|(?<=[.!?]\ ))check\s+out\s+(this|the\s+full|more|my|our)\b
                  | ^►\s?[^:]{3,80}:(?=\S)""",
                _I,
            ),
            ("click here", "check out", "►"),
        ),
    ],
    # CNN's video player as text: "JUST WATCHED <title> Replay More Videos ... MUST WATCH <title> 02:39".
    "video_player": [Rule(re.compile(r"^JUST\ WATCHED\b", re.VERBOSE))],
    "byline_contact": [
        Rule(
            re.compile(
                r"""^( follow\b.{0,100}?(\bon\s+twitter\b|@\w|twitter\.com|\bon\s+facebook\b|\binstagram\b)
                  | (contact|reach|e-?mail)\b.{0,120}?(@|\d{3}-\d{4})
                  | [\w.+-]+@[\w-]+\.[\w.]+[\s\d();,.-]*$
                  | \W{0,3}\s?(the\s+)?associated\s+press$
                  | (ap|reuters|afp)$
                  | (special\s+(to|for)\s+)?usa\s+today(\s+(sports|network))?$
                  | 24/7\s+wall\s+st(reet|\.)$ )""",
                _I,
            )
        ),
        Rule(
            re.compile(r"\bcan\s+be\s+(reached|contacted|e-?mailed)\b|\bcontributing\s?:", _I),
            ("reached", "contacted", "mailed", "contributing"),
        ),
        # A line naming a reporter, columnist or "contact", with an email address in it.
        Rule(
            re.compile(
                r"""^(?=.*\b(contact|reach|follow|reporter|writer|columnist|editor|covers)\b)
                    (?=.*[\w.+-]@[\w-]+\.[a-z]{2,})""",
                _I,
            ),
            ("@",),
        ),
        # Bylines ("By Lindsay H. Jones, USA TODAY Sports") and datelines ("Washington CNN —"):
        # capitalised words only, so "By Sunday evening, mass demonstrations…" stays.
        Rule(
            re.compile(
                r"""^By\ [A-Z][\w.'’-]*(\ [A-Z][\w.'’-]*){0,3}
                    (,?\ (and|&)\ [A-Z][\w.'’-]*(\ [A-Z][\w.'’-]*){0,3})?
                    (,?\ [A-Z][\w.'’-]*(\ [A-Z][\w.'’-]*){0,4})?$
                  | ^([A-Z][\w.'’]*([\ ,/-]{1,2}[A-Z][\w.'’]*){0,4}\ )?\(?CNN(\ [A-Z][a-z]+)?\)?\ ?[—–-]$""",
                re.VERBOSE,
            )
        ),
    ],
    "ad": [
        Rule(
            re.compile(
                r"""^( (advertisement|sponsored(\s+content)?|paid\s+(content|post)|partner\s+content|ad)$
                  | the\s+product\s+experts\s+at\s+reviewed\b
                  | this\s+(article|story)\s+originally\s+appeared\s+on\b
                  | video\s+ad\s+feedback\b )""",
                _I,
            )
        ),
        Rule(
            re.compile(
                r"""\bcontent\s+partner\s+offering\b
                  | \brecommendations\s+are\s+independently\s+chosen\b
                  | \bpurchases\s+you\s+make\s+through\s+our\s+links\b
                  | \bmay\s+earn\s+(us\s+)?a\s+commission\b
                  | \bfact[\s-]check\s+work\s+is\s+supported\s+in\s+part\s+by\b""",
                _I,
            ),
            ("partner", "independently", "purchases", "commission", "fact"),
        ),
    ],
}

# Who took the picture, at the end of a caption or alone on a line: "Name/Agency", "(AP Photo/Name)",
# "(Photo by Name/AFP via Getty Images)". The last part must be a known agency or "… via/for" one.
_AGENCY = (
    r"(Getty\ Images|AP|Reuters|REUTERS|AFP|EPA(-EFE)?|Shutterstock|Adobe\ Stock|Bloomberg|Sipa(\ USA)?"
    r"|NurPhoto|Everett\ Collection|NASA|JPL-Caltech|STScI|ESA|CNN|Twitter|Instagram|KCNA|TMX|Alamy"
    r"|ZUMA(\ Press)?|Zuma(\ Press)?|USA\ TODAY(\ Sports|\ Network)?|Imagn)"
)
# Up to six words of a name; a word never ends a sentence (an initial like "T." is allowed), so a
# credit cannot swallow the caption before it.
_WORD = r"([A-Z][a-z]?\.|[^\s/()]*[^\s/().!?:;\"”])"
_WORDS = rf"{_WORD}(\ {_WORD}){{0,5}}"
PHOTO_CREDIT = re.compile(
    rf"""(^|(?<=[.!?"”’)])\s+)
        ( \(?(Photo(grapher)?s?(\ by)?:?\ )?({_WORDS}\ ?/\ ?)+({_WORDS}\ (via|for)\ )?{_AGENCY}
          (\ (via|for)\ {_WORDS})?\)?
        | \(AP\ Photo/[^()]{{1,80}}\)
        )\s*$""",
    re.VERBOSE,
)
_CREDIT_WINDOW = 240
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s+")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
# No-break and other fixed-width spaces: a quote must match what a reader types.
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")


def find_furniture(line: str) -> tuple[str, int] | None:
    """(family, where the furniture starts) for a stripped line, or None for text to keep.

    Furniture that starts in a later sentence ("… parity classification. For more unlikely news,
    sign up for our weekly Tall Tales newsletter") is cut from the start of that sentence on, so
    the sentences before it stay.
    """
    found: tuple[str, int] | None = None
    lower = line.lower()
    for family, rules in FAMILIES.items():
        for rule in rules:
            if rule.words and not any(word in lower for word in rule.words):
                continue
            match = rule.pattern.search(line)
            if match and (found is None or match.start() < found[1]):
                found = family, match.start()
    if found is None:
        return None
    ends = [end.end() for end in _SENTENCE_END.finditer(line, 0, found[1])]
    return found[0], ends[-1] if ends else 0


def furniture_kind(line: str) -> str | None:
    """The family of a stripped line that is furniture from its first word, or None."""
    found = find_furniture(line)
    return found[0] if found and found[1] == 0 else None


def strip_credit(line: str) -> str:
    """The line without the photo credits at its end (at most two; only its last 240 characters are read)."""
    for _ in range(2):
        match = PHOTO_CREDIT.search(line, max(0, len(line) - _CREDIT_WINDOW))
        if not match:
            break
        line = line[: match.start()].rstrip()
    return line


def clean_text(title: str, body: str) -> str:
    """The article body without furniture, repeated title or blank-line runs."""
    body = unicodedata.normalize("NFC", body.replace("\r\n", "\n").replace("\r", "\n"))
    body = _SPACES.sub(" ", _CONTROL.sub("", body))
    lines = [_without_furniture(line.rstrip()) for line in body.split("\n")]
    kept = _drop_leading_title(title, [line for line in lines if line is not None])
    return _collapse_blank_lines(kept).strip("\n")


def _without_furniture(line: str) -> str | None:
    """The line less its furniture and photo credit; None when it was furniture from its first word."""
    found = find_furniture(line.strip())
    if found and found[1] == 0:
        return None
    if found:
        line = line[: len(line) - len(line.lstrip()) + found[1]].rstrip()
        if furniture_kind(line.strip()):
            return None
    return strip_credit(line)


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def _drop_leading_title(title: str, lines: list[str]) -> list[str]:
    """Drop copies of the title at the top of the body (blank lines between allowed).

    A body that is nothing but its title (a one-sentence brief) is kept: it is the article.
    """
    wanted = _key(title.lstrip("# "))
    index = 0
    while index < len(lines) and (not lines[index].strip() or _key(lines[index].lstrip("# ")) == wanted):
        index += 1
    return lines[index:] if wanted and index < len(lines) else lines


def _collapse_blank_lines(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line if line.strip() else "")
    return "\n".join(out)
