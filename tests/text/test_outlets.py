"""One outlet, one name, however its articles spell it (the spellings of the dev corpus first)."""

from __future__ import annotations

import pytest

from rag.text.outlets import outlet_name, registered_domain


@pytest.mark.parametrize(
    ("source", "url", "outlet"),
    [
        ("CNN", None, "CNN"),
        ("cnn.com", None, "CNN"),
        (None, "https://edition.cnn.com/2022/06/13/us/yellowstone", "CNN"),
        ("usatoday.com", None, "USA Today"),
        ("USAtoday", None, "USA Today"),
        ("THE WEEK", None, "The Week"),
        ("theweek.co.uk", "https://www.theweek.co.uk/news/959", "The Week"),
        ("Daily Post", None, "Daily Post"),
        ("  Daily   Post ", None, "Daily Post"),
        ("Daily Post", "https://www.dailypost.test/news", "Daily Post"),
        ("Some Blog", "https://news.someblog.org/a", "someblog.org"),
        (None, None, None),
    ],
)
def test_every_spelling_of_an_outlet_gets_its_one_name(source, url, outlet):
    assert outlet_name(source, url) == outlet


def test_the_registered_domain_comes_from_the_public_suffix_list():
    assert registered_domain("https://www.bbc.co.uk/news/world") == "bbc.co.uk"
    assert registered_domain("https://a.b.example.com.au/x") == "example.com.au"
    assert registered_domain("http://localhost:8000/page") is None
