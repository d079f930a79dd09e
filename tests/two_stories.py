"""Two stories with deaths in them, for follow-ups that must stay on their story.

The Harlan Bay Bridge collapse (six workers died) and, two weeks later, an air
crash (67 people died). Asked alone, "How many people died?" finds the newer
crash; asked after a question about the bridge, it must answer six.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

AS_OF = date(2025, 4, 20)
BRIDGE_QUESTION = "Why did the Harlan Bay Bridge collapse?"
BRIDGE_ID = "bridge.md"
CRASH_ID = "crash.md"
_ARTICLES = {
    BRIDGE_ID: (
        "Harlan Bay Bridge collapses after ship strike",
        "Port Ardent Herald",
        date(2025, 3, 26),
        "The Harlan Bay Bridge in Port Ardent collapsed early on Tuesday after the cargo ship Meridian "
        "lost power and struck one of its piers. Six construction workers who were filling potholes on "
        "the bridge died, the state police said. The crew of the Meridian had radioed a mayday minutes "
        "before the collision, which allowed officers to stop traffic onto the bridge. Divers recovered "
        "the bodies of the workers over the following days. Governor Alma Reyes said the bridge would "
        "take years to rebuild.",
    ),
    CRASH_ID: (
        "67 people died as jet and helicopter collide over the Corran River",
        "Lakeside Courier",
        date(2025, 4, 10),
        "A passenger jet and a military helicopter collided over the Corran River near Lakeside airport "
        "on Wednesday night. All 67 people on board the two aircraft died, officials said, the deadliest "
        "air crash in the country in two decades. Investigators recovered both flight recorders from "
        "the river on Friday. The airline said the jet had been cleared to land minutes before the crash.",
    ),
}


def write_two_stories(folder: Path) -> None:
    """The two articles as Markdown with front matter (title, source, published)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (title, outlet, published, body) in _ARTICLES.items():
        (folder / name).write_text(
            f"---\ntitle: {title}\nsource: {outlet}\npublished: {published.isoformat()}\n---\n{body}\n",
            encoding="utf-8",
        )
