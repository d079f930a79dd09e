"""What the reader reads of a candidate: one function for training and for use, so they never drift.

The sentence, and for a sentence that names its subject only through the one
before ("The company said it would close its first store"), that sentence too:
it is quoted with it, so it is read with it. Nothing else. Not the headline and
not the previous sentence of every candidate: in the only data the reader
learns from, the gold passages are short news briefs whose title is their own
opening words and whose first sentence has nothing before it, so either would
tell the model which passage is gold (a sentence with no previous sentence
holds the answer 19% of the time there, one with a previous sentence 1.3%),
a cue real news does not have. Dates, outlets and ids are never shown: there
the gold passage carries the day the question was asked, and time is the
retriever's business.
"""

from __future__ import annotations

SEPARATOR = " [SEP] "


def passage_text(sentence: str, antecedent: str = "") -> str:
    """The second segment of the reader's pair: the sentence, then the one it leans on, if any."""
    return f"{sentence}{SEPARATOR}{antecedent}" if antecedent else sentence
