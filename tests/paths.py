"""Where the test data lives (the shipped corpus, and ../shared when present), and the code."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_ARTICLE = CORPUS / "sochi-syria-congress-putin.txt"
SEED_ARTICLE_ID = "corpus/sochi-syria-congress-putin.txt"
SHARED = ROOT.parent / "shared"
# PYTHONPATH for a `rag` subprocess: this checkout's code first, then the tests' own PYTHONPATH (which
# may hold this checkout's installed metadata, where its doors are registered).
CODE_PATH = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
