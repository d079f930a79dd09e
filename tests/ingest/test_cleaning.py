"""Page furniture never becomes a chunk or a quote."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.ingest.cleaning import clean_text, furniture_kind, strip_credit
from rag.ingest.loaders import load_file
from tests.paths import SEED_ARTICLE, SHARED

DEV_CORPUS = SHARED / "datasets" / "realtimeqa-dev" / "corpus.jsonl"


def test_share_buttons_lone_plus_and_repeated_title_are_removed():
    body = (
        "\nSochi talks end\n\n\nShare on Facebook\nShare on Twitter\nShare on Google+\n+\n\n"
        "Putin hosted a congress.\n\n\n\nIt ended early.\nShare on LinkedIn\n"
    )
    assert clean_text("Sochi talks end", body) == "Putin hosted a congress.\n\nIt ended early."


def test_a_body_line_that_merely_starts_like_the_title_is_kept():
    assert clean_text("Talks", "Talks resumed on Monday.") == "Talks resumed on Monday."


def test_control_characters_and_windows_newlines_are_normalised():
    assert clean_text("T", "One\r\nTwo\x07 three\r") == "One\nTwo three"


def test_no_break_and_zero_width_spaces_become_what_a_reader_types():
    assert clean_text("T", "\ufeffroughly 1,500\u00a0participants\u200b in\u202fSochi") == (
        "roughly 1,500 participants in Sochi"
    )


def test_the_seed_article_loses_its_furniture_but_keeps_every_paragraph():
    article = load_file(SEED_ARTICLE, "seed.txt")[0]
    assert article.title.startswith("Syria talks yield minimal results")
    assert "Share on" not in article.text
    assert not article.text.startswith("Syria talks yield")
    assert article.text.startswith("Hoping to capitalise")
    assert article.text.endswith("political instability inside his own country.")
    assert "\n\n\n" not in article.text
    lines = Path(SEED_ARTICLE).read_text().split("\n")
    paragraphs = [
        line.strip().replace("\u00a0", " ")
        for line in lines
        if len(line) > 60 and line.strip() != article.title
    ]
    assert len(paragraphs) == 16
    assert all(paragraph in article.text for paragraph in paragraphs)


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(max_size=30),
    lines=st.lists(
        st.one_of(st.text(max_size=60), st.sampled_from(["Share on Facebook", "+", "", "  ", "Tweet"])),
        max_size=12,
    ),
)
def test_cleaning_any_text_keeps_only_its_own_lines_without_furniture_or_blank_runs(title, lines):
    body = "\n".join(lines)
    cleaned = clean_text(title, body)

    assert "\n\n\n" not in cleaned
    assert cleaned == cleaned.strip("\n")
    assert not any(ch in cleaned for ch in "\x00\x07\x1b\r\u00a0")
    normalised = clean_text("", body)
    for line in cleaned.split("\n"):
        assert line in normalised
        assert line.strip() not in {"Share on Facebook", "+", "Tweet"}


# Furniture of crawled news, quoted from the web articles of realtimeqa-dev: each line is removed whole.
FURNITURE = {
    "editors_note": [
        "Editor's Note: For the latest news on the Israel-Hamas conflict, please see our live updates "
        "file here.",
        "Editor's note: This page recaps the news from Monday, Sept. 19. For the latest updates on Hurricane "
        "Fiona, see our coverage from Tuesday, Sept. 20.",
        "This story has been updated with additional developments.",
    ],
    "newsletter": [
        "Get CNN Health's weekly newsletter Sign up here to get The Results Are In with Dr. Sanjay Gupta "
        "every Tuesday from the CNN Health team.",
        "(You can get “5 Things You Need to Know Today” delivered to your inbox daily. Sign up here.)",
        "Would you like to receive The WeekDay newsletter ?",
        "We will use the details you have shared to manage your newsletter subscription.",
        "Stay on top of political and world news:Sign up here for our OnPolitics newsletter.",
        "►Save better, spend better: Money tips and advice delivered right to your inbox.",
        "If your day doesn't start until you're up to speed on the latest headlines, then let us introduce "
        "you to your new favorite morning fix.",
        "Support local journalism. Subscribe to azcentral.com today.",
    ],
    "promo_label": ["NEVER MISS A MOMENT: Follow our sports newsletter for daily updates"],
    "read_more": [
        "Read More",
        "More:CVS launches prescription delivery nationwide",
        "Check your local forecast here>>>",
        "Follow every game: Live MLB Scores",
        "For the latest news, click here.",
        "Tap or click here for critical settings to change on Google.",
        "Check out the full list of VMA nominations.",
        "►New Oreo flavor:Oreo releasing a limited-edition Chocolate Confetti Cake Cookie",
    ],
    "video_player": [
        "JUST WATCHED How to tell if you have monkeypox Replay More Videos ... MUST WATCH How to tell if you "
        "have monkeypox 02:39",
    ],
    "byline_contact": [
        "Follow Jordan Mendoza on Twitter: @jordan_mendoza5.",
        "Contact Duane Gang at 615-726-5982 or dgang@tennessean.com.",
        "Natalie Neysa Alund covers trending news for USA TODAY. Reach her at nalund@usatoday.com.",
        "Contributing: The Associated Press",
        "By Lindsay H. Jones, USA TODAY Sports",
        "Washington CNN —",
        "Associated Press",
    ],
    "ad": [
        "Advertisement",
        "— Recommendations are independently chosen by Reviewed’s editors. Purchases you make through our "
        "links may earn us a commission.",
        "24/7 Wall Street is a USA TODAY content partner offering financial news and commentary.",
        "Video Ad Feedback Why protesters in China are holding up white paper 01:32 - Source: CNN",
    ],
}
# Real sentences from the same articles that share words with the furniture: all kept.
KEPT = [
    "By Sunday evening, mass demonstrations had spread to Beijing, Chengdu, Guangzhou and Wuhan.",
    "Ryder Cup stalwarts Ian Poulter and Lee Westwood also were part of the first cohort to sign up.",
    "Even before the deal was completed, Musk suggested tying verification to a paid subscription service.",
    "The Southern District of New York confirmed his arrest on Twitter.",
    "Lopez announced her engagement to Affleck with a video shared to her On the JLo fan newsletter.",
    "The Biden administration launched its website to sign up for free Covid-19 tests.",
    "Submit your creation on Instagram or by email at giveaways@pieology.com.",
    "Musk on Thursday sought to reassure advertisers that he doesn’t plan to turn the platform into a "
    "“free-for-all hellscape”.",
    "More than 200 people were evacuated.",
    "► First lady Jill Biden tested positive for COVID-19 on Tuesday, nine days after her husband ended "
    "his isolation.",
    "Check out warehouse clubs",
    "Click-through rates fell after the redesign, the company said.",
]


@pytest.mark.parametrize(
    ("family", "line"), [(family, line) for family, lines in FURNITURE.items() for line in lines]
)
def test_crawled_furniture_is_named_and_removed(family: str, line: str) -> None:
    body = f"The storm hit the coast on Monday.\n{line}\nOfficials said 12 people died."

    assert furniture_kind(line) == family
    assert clean_text("T", body) == "The storm hit the coast on Monday.\nOfficials said 12 people died."


@pytest.mark.parametrize("sentence", KEPT)
def test_real_sentences_that_look_like_furniture_are_kept(sentence: str) -> None:
    assert furniture_kind(sentence) is None
    assert clean_text("T", f"First line.\n{sentence}") == f"First line.\n{sentence}"


@pytest.mark.parametrize(
    ("caption", "kept"),
    [
        (
            "Bryce Harper hit his sixth home run of the postseason. Elsa/Getty Images",
            "Bryce Harper hit his sixth home run of the postseason.",
        ),
        (
            "Left to right: Vijaya Gadde, Parag Agrawal. Andrew Harnik/AP/Patrick T. Fallon/Getty Images",
            "Left to right: Vijaya Gadde, Parag Agrawal.",
        ),
        (
            "Participants rally in Washington, near the White House. (AP Photo/John Minchillo, File)",
            "Participants rally in Washington, near the White House.",
        ),
        (
            "Pyongyang, March 18. (Photo by KIM Won Jin / AFP) (Photo by KIM WON JIN/AFP via Getty Images)",
            "Pyongyang, March 18.",
        ),
        (
            'Crowds shouting "Release the people!" in Shanghai. @whyyoutouzhele/Twitter',
            'Crowds shouting "Release the people!" in Shanghai.',
        ),
        ("He told CNN.", "He told CNN."),
        (
            "The agency's figures came from Reuters/Ipsos polling.",
            "The agency's figures came from Reuters/Ipsos polling.",
        ),
    ],
)
def test_a_photo_credit_is_cut_from_its_caption_and_the_caption_kept(caption: str, kept: str) -> None:
    assert strip_credit(caption) == kept
    assert clean_text("T", caption) == kept


def test_a_body_that_is_only_its_title_is_kept() -> None:
    brief = "Mitt Romney is the first Senator to vote to remove a President of his own party."

    assert clean_text(brief, brief) == brief
    assert clean_text(brief, f"{brief}\n\nHe voted on Wednesday.") == "He voted on Wednesday."


@pytest.mark.skipif(not DEV_CORPUS.is_file(), reason=f"{DEV_CORPUS} is absent (../shared not mounted)")
def test_every_dev_brief_keeps_its_evidence_whole_or_loses_only_a_trailing_promo() -> None:
    records = [json.loads(line) for line in DEV_CORPUS.read_text(encoding="utf-8").splitlines()]
    briefs = {r["id"]: clean_text(r["title"], r["body"]) for r in records if r["id"].startswith("brief-")}
    questions = [
        json.loads(line) for line in (DEV_CORPUS.parent / "questions.jsonl").read_text().splitlines()
    ]
    checked = cut = 0
    for question in questions:
        text = briefs.get("brief-" + question["id"].partition("-")[2])
        if text is None:
            continue
        checked += 1
        for passage in question["evidence"]:
            assert text and (passage in text or passage.startswith(text)), question["id"]
            cut += passage not in text
    assert checked > 1000
    assert cut <= 5


def test_a_promo_after_a_real_sentence_is_cut_and_the_sentence_kept() -> None:
    brief = (
        "A new study by Australian researchers found that honeybees capable of odd and even categorisation. "
        "For more unlikely news, sign up for our weekly Tall Tales newsletter"
    )

    assert furniture_kind(brief) is None
    assert clean_text("Bees", brief) == (
        "A new study by Australian researchers found that honeybees capable of odd and even categorisation."
    )


def test_a_link_prompt_after_a_real_sentence_is_cut_and_the_sentence_kept() -> None:
    line = "The nominations were announced on Tuesday. Check out this list of Oscar contenders."

    assert clean_text("Oscars", line) == "The nominations were announced on Tuesday."
