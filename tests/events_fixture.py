"""One event, three outlets, a conflicting figure; a wire copy; an older event on the same topic.

The Valmora floods of October 2025 are reported by the Daily Post (12 dead),
the Evening Star (at least 14 dead) and the Harbor Ledger, each in its own
words, within three days. The Coast Times runs the Daily Post's report as a
wire copy: one story, counted once. The Mountain Gazette's report of the June
floods in the same town is the same topic, another event: it must stay out.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

AS_OF = date(2025, 10, 20)
EVENT_OUTLETS = ["Daily Post", "Evening Star", "Harbor Ledger"]
COPY_OUTLET = "Coast Times"
OLDER_OUTLET = "Mountain Gazette"
COVERAGE_LINE = (
    "Reported by 3 outlets: Daily Post (16 Oct 2025), Evening Star (17 Oct 2025), "
    "Harbor Ledger (18 Oct 2025); copies also ran in Coast Times."
)
QUESTION = "How many people died in the Valmora floods?"
COMPARE_QUESTION = "How did outlets report the Valmora floods?"

_DAILY_POST = (
    "Flash floods tore through the mountain town of Valmora on Wednesday night, and 12 dead were "
    "counted by Thursday morning, the regional governor said. The Sava river burst its banks after "
    "two days of torrential rain and swept away cars and a footbridge near the old market. Rescue "
    "teams worked through the night to reach families trapped on rooftops in the lower town. "
    "Officials said some 300 homes were flooded and the main road to Valmora remained closed. "
    "The governor declared a state of emergency and asked the army for boats and helicopters."
)
_ARTICLES = {
    "daily-post.md": (
        "Valmora floods leave 12 dead",
        "Daily Post",
        "https://www.dailypost.test/news/valmora-floods",
        date(2025, 10, 16),
        _DAILY_POST,
    ),
    "coast-times.md": (
        "Deadly floods hit Valmora",
        COPY_OUTLET,
        "https://coasttimes.test/wire/valmora-floods",
        date(2025, 10, 17),
        "VALMORA (Wire) — " + _DAILY_POST + " This report was distributed by the wire service.",
    ),
    "evening-star.md": (
        "At least 14 dead as flash floods hit Valmora",
        "Evening Star",
        "https://eveningstar.test/2025/10/17/valmora",
        date(2025, 10, 17),
        "The death toll from the flash floods in Valmora rose on Friday, with at least 14 dead, "
        "emergency services said. Torrential rain sent the Sava river over its banks late on Wednesday, "
        "flooding the lower town of Valmora. Hundreds of residents spent the night in the sports hall "
        "as rescuers searched flooded streets by boat. Survivors described water rising to the first "
        "floor within minutes. The regional governor declared a state of emergency.",
    ),
    "harbor-ledger.md": (
        "Valmora counts the cost of the flash floods",
        "Harbor Ledger",
        "https://harborledger.test/valmora-flood-aftermath",
        date(2025, 10, 18),
        "Residents of Valmora began clearing mud from their homes on Saturday, three days after flash "
        "floods swept through the mountain town. The Sava river had burst its banks after torrential rain, "
        "and the governor's state of emergency remained in force. Engineers inspected the bridges of the "
        "lower town, and the army delivered drinking water to families whose homes were flooded. "
        "Insurers said the floods were the worst in Valmora for a generation.",
    ),
    "mountain-gazette.md": (
        "Spring floods close Valmora roads",
        OLDER_OUTLET,
        "https://mountaingazette.test/valmora-spring-floods",
        date(2025, 6, 2),
        "Heavy rain flooded several streets in Valmora on Sunday, and the Sava river rose close to its "
        "banks. The main road to the mountain town was closed for a day while crews cleared mud and "
        "fallen trees. No one was hurt, the town council said, and the water receded by the evening. "
        "Farmers in the valley said the floods damaged young crops.",
    ),
}


def write_event_corpus(folder: Path) -> list[Path]:
    """The five articles as Markdown with front matter (title, source, url, published)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (title, outlet, url, published, body) in _ARTICLES.items():
        path = folder / name
        path.write_text(
            f"---\ntitle: {title}\nsource: {outlet}\nurl: {url}\npublished: {published.isoformat()}\n"
            f"---\n{body}\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths
