"""Write the MoD demo archive: an X API v2 timeline of @DefenceHQ and an RSS bridge feed of it.

    .venv/bin/python samples/ukmod/build.py && .venv/bin/python samples/ukmod/render.py

Every update below is written by us in the MoD's manner, carrying the figures MoD updates stated in
2024-2025 (samples/facts/, checked by tests/samples/test_facts.py) and two earlier ones. Three
updates exist only as images (rendered from images/*.txt by render.py); five are in alt text (their
images are rendered from the same words, images/card-*.txt, written here), six in the post text.
Outputs: timeline/posts.json (one X API page holding every post; samples/ukmod/loopback.py pages
it), users/DefenceHQ.json (the user lookup answer) and rss/DefenceHQ.xml.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

ARCHIVE_DIR = Path(__file__).resolve().parent
USER_ID = "1140000000000000001"
TWITTER_EPOCH_MS = 1288834974657
LANGUAGE_NOTE = (
    "Find out more about Defence Intelligence's use of language: https://t.co/dInLangUse1 #StandWithUkraine 🇺🇦"
)


def wrapper(date_text: str, separator: str = " - ") -> str:
    return f"Latest Defence Intelligence update on the situation in Ukraine{separator}{date_text}."


@dataclass(frozen=True)
class SamplePost:
    posted: datetime
    text: str
    alt_text: str | None = None
    image: str | None = None  # a PNG under images/ (with the .txt it was rendered from)
    in_rss: bool = False

    @property
    def post_id(self) -> str:
        # A snowflake id, as X makes them: ordered by posting time.
        milliseconds = int(self.posted.timestamp() * 1000) - TWITTER_EPOCH_MS
        return str(milliseconds << 22)


def at(day: str, hour: int = 7, minute: int = 30) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


POSTS: list[SamplePost] = [
    SamplePost(
        at("2022-03-26"),
        wrapper("26 March 2022", separator=" ") + "\n\n" + LANGUAGE_NOTE,
        alt_text=(
            "Ukrainian counter-attacks are likely forcing Russian forces east of Kyiv to fall back and "
            "regroup. Russian units near Chernihiv and Sumy remain largely static and are highly likely "
            "short of fuel and food. Russia will likely keep striking cities from a distance rather than "
            "accept further losses in close combat."
        ),
        image="card-2022-03-26.png",
    ),
    SamplePost(
        at("2023-02-17", 8, 5),
        wrapper("17 February 2023")
        + "\n\nRussia has likely suffered 175,000-200,000 casualties (killed and wounded) since the start "
        "of the full-scale invasion, including between 40,000 and 60,000 killed. Much of the recent toll "
        "likely falls on newly mobilised reservists and on convicts recruited by Wagner.\n\n" + LANGUAGE_NOTE,
    ),
    SamplePost(
        at("2024-04-07", 8, 0),
        wrapper("07 April 2024")
        + "\n\nIn March 2024, Russian casualties averaged 913 per day, according to the Ukrainian General "
        "Staff's figures, a little below the February average. Russian assaults west of Avdiivka have "
        "almost certainly continued at a high cost in personnel.\n\n" + LANGUAGE_NOTE,
    ),
    SamplePost(
        at("2024-05-04"),
        wrapper("04 May 2024", separator=" – ") + "\n\n" + LANGUAGE_NOTE,
        alt_text=(
            "Throughout April 2024, the average daily Russian casualty rate was 899 losses per day, based "
            "on the Ukrainian General Staff's figures. Russia has highly likely suffered over 465,000 "
            "casualties (killed and wounded) since February 2022."
        ),
        image="card-2024-05-04.png",
    ),
    SamplePost(
        at("2024-07-12", 7, 45),
        wrapper("12 July 2024", separator=" – ") + "\n\n" + LANGUAGE_NOTE,
        alt_text=(
            "Russian casualties likely averaged 1,262 per day in May 2024 and 1,163 per day in June 2024, "
            "the two highest monthly averages of the war so far. The offensive north of Kharkiv is almost "
            "certainly the main cause of the rise."
        ),
        image="card-2024-07-12.png",
    ),
    SamplePost(at("2024-10-07"), wrapper("07 October 2024") + "\n\n" + LANGUAGE_NOTE, image="2024-10-07.png"),
    SamplePost(
        at("2025-03-04", 8, 10),
        wrapper("04 March 2025", separator="–") + " " + LANGUAGE_NOTE,
        image="2025-03-04.png",
    ),
    SamplePost(
        at("2025-03-14", 9, 20),
        wrapper("14 March 2025")
        + "\n\nRussia has highly likely suffered over 900,000 casualties (killed and wounded) since the start "
        "of the full-scale invasion, more than in any conflict Russia has fought since the Second World "
        "War.\n\n" + LANGUAGE_NOTE,
    ),
    SamplePost(
        at("2025-04-05"), wrapper("05 April 2025") + "\n\n" + LANGUAGE_NOTE, image="2025-04-05.png", in_rss=True
    ),
    SamplePost(
        at("2025-05-03"),
        wrapper("03 May 2025")
        + "\n\nRussia has likely suffered approximately 950,000 casualties since February 2022. Of these, "
        "approximately 160,000 were sustained in January-April 2025. Russian casualties in April 2025 "
        "averaged approximately 1,200 per day.\n\n" + LANGUAGE_NOTE,
        in_rss=True,
    ),
    SamplePost(
        at("2025-05-06", 11, 0),
        "The Defence Secretary met his Ukrainian counterpart in London today to agree 1,000 more air "
        "defence interceptors for Ukraine this year. #StandWithUkraine",
        in_rss=True,
    ),
    SamplePost(at("2025-05-08"), wrapper("08 May 2025", separator=" – ") + " " + LANGUAGE_NOTE, in_rss=True),
    SamplePost(
        at("2025-06-03"),
        wrapper("03 June 2025") + "\n\n" + LANGUAGE_NOTE,
        alt_text=(
            "Russia has likely suffered approximately 980,000 casualties (killed and wounded) since February "
            "2022. Total Russian casualties will likely pass one million in the coming weeks."
        ),
        image="card-2025-06-03.png",
        in_rss=True,
    ),
    SamplePost(
        at("2025-07-11", 7, 50),
        wrapper("11 July 2025", separator=" – ")
        + "\n\nThroughout June 2025, the average daily Russian casualty rate was 1,080, based on the Ukrainian "
        "General Staff's figures.\n\n" + LANGUAGE_NOTE,
        in_rss=True,
    ),
    SamplePost(
        at("2025-08-05"),
        wrapper("05 August 2025") + "\n\n" + LANGUAGE_NOTE,
        alt_text=(
            "Russian casualties in July 2025 averaged 1,072 per day, according to the Ukrainian General "
            "Staff. Daily losses have fallen for a third month as Russian assaults rely more on small "
            "infiltration groups."
        ),
        image="card-2025-08-05.png",
        in_rss=True,
    ),
    SamplePost(
        at("2025-10-15", 8, 30),
        wrapper("15 October 2025", separator=" – ")
        + "\n\nIn September 2025 Russian casualties averaged approximately 950 per day. Russia has highly "
        "likely suffered over 1.1 million casualties since the start of the invasion.\n\n" + LANGUAGE_NOTE,
        in_rss=True,
    ),
]


def timeline_page(posts: list[SamplePost]) -> dict[str, object]:
    newest_first = sorted(posts, key=lambda p: int(p.post_id), reverse=True)
    data, media = [], []
    for post in newest_first:
        tweet: dict[str, object] = {
            "id": post.post_id,
            "text": post.text,
            "created_at": post.posted.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "edit_history_tweet_ids": [post.post_id],
        }
        if post.image:
            key = f"3_{post.post_id}"
            tweet["attachments"] = {"media_keys": [key]}
            item = {"media_key": key, "type": "photo", "url": f"/media/{post.image}"}
            if post.alt_text:
                item["alt_text"] = post.alt_text
            media.append(item)
        data.append(tweet)
    return {
        "data": data,
        "includes": {"media": media},
        "meta": {
            "result_count": len(data),
            "newest_id": data[0]["id"],
            "oldest_id": data[-1]["id"],
        },
    }


def rss_feed(posts: list[SamplePost]) -> str:
    items = []
    for post in sorted(posts, key=lambda p: int(p.post_id), reverse=True):
        paragraphs = "".join(f"<p>{escape(part)}</p>" for part in post.text.split("\n\n"))
        if post.image:
            alt = f' alt="{escape(post.alt_text)}"' if post.alt_text else ""
            paragraphs += f'<img src="/media/{post.image}"{alt} />'
        link = f"https://bridge.example/DefenceHQ/status/{post.post_id}#m"
        title = escape(post.text.split("\n")[0][:200])
        items.append(
            "    <item>\n"
            f"      <title>{title}</title>\n"
            f"      <description>{escape(paragraphs)}</description>\n"
            f"      <pubDate>{format_datetime(post.posted, usegmt=True)}</pubDate>\n"
            f'      <guid isPermaLink="true">{link}</guid>\n'
            f"      <link>{link}</link>\n"
            "    </item>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n  <channel>\n'
        "    <title>Ministry of Defence / @DefenceHQ</title>\n"
        "    <link>https://bridge.example/DefenceHQ</link>\n"
        "    <description>Posts of @DefenceHQ (demo feed written for bulletin-metrics)</description>\n"
        + "".join(items)
        + "  </channel>\n</rss>\n"
    )


def main() -> None:
    (ARCHIVE_DIR / "timeline").mkdir(exist_ok=True)
    (ARCHIVE_DIR / "users").mkdir(exist_ok=True)
    (ARCHIVE_DIR / "rss").mkdir(exist_ok=True)
    page = json.dumps(timeline_page(POSTS), indent=1, ensure_ascii=False) + "\n"
    (ARCHIVE_DIR / "timeline" / "posts.json").write_text(page, encoding="utf-8")
    user = {"data": {"id": USER_ID, "name": "Ministry of Defence", "username": "DefenceHQ"}}
    (ARCHIVE_DIR / "users" / "DefenceHQ.json").write_text(json.dumps(user, indent=1) + "\n", encoding="utf-8")
    feed = rss_feed([p for p in POSTS if p.in_rss])
    (ARCHIVE_DIR / "rss" / "DefenceHQ.xml").write_text(feed, encoding="utf-8")
    for post in POSTS:
        if post.image and post.alt_text:
            # The image behind an alt text says the same: write its source text for render.py.
            header = post.text.split("\n")[0].split(" Find out more")[0].rstrip(".")
            card = f"{header}\n\n{post.alt_text}\n"
            (ARCHIVE_DIR / "images" / post.image).with_suffix(".txt").write_text(card, encoding="utf-8")
        print(post.post_id, post.posted.date(), post.image or "")


if __name__ == "__main__":
    main()
