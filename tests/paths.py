"""Where the test data lives (the shipped corpus, and ../shared when present)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_ARTICLE = CORPUS / "sochi-syria-congress-putin.txt"
SEED_ARTICLE_ID = "corpus/sochi-syria-congress-putin.txt"
SHARED = ROOT.parent / "shared"
