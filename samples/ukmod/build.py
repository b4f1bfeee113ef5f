"""Write the MoD demo archive: an X API v2 timeline of @DefenceHQ and an RSS bridge feed of it.

    .venv/bin/python samples/ukmod/build.py && .venv/bin/python samples/ukmod/render.py

Every update below is written by us in the MoD's manner, carrying real figures (monthly averages
computed from the General Staff's daily counts the way the MoD does). Three updates exist only as
images (rendered from images/*.txt by render.py); four are in alt text (their images are rendered
from the same words, images/card-*.txt, written here), four in the post text.
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
        at("2024-06-02", 6, 45),
        wrapper("02 June 2024", separator=" – ")
        + "\n\nRussian casualties in May 2024 very likely averaged 1,256 per day, the highest monthly "
        "average of the war so far. Russian offensive operations around Kharkiv are almost certainly "
        "the main cause.\n\n" + LANGUAGE_NOTE,
    ),
    SamplePost(at("2024-10-01"), wrapper("01 October 2024") + "\n\n" + LANGUAGE_NOTE, image="2024-10-01.png"),
    SamplePost(
        at("2024-12-03", 8, 10),
        wrapper("03 December 2024", separator="–") + " " + LANGUAGE_NOTE,
        image="2024-12-03.png",
    ),
    SamplePost(
        at("2025-01-04"),
        wrapper("04 January 2025") + "\n\n" + LANGUAGE_NOTE,
        alt_text=(
            "Russian casualties in December 2024 averaged 1,570 per day, a new monthly high. Across 2024 "
            "Russia likely suffered approximately 430,000 casualties, more than in 2022 and 2023 combined."
        ),
        image="card-2025-01-04.png",
    ),
    SamplePost(
        at("2025-04-05"), wrapper("05 April 2025") + "\n\n" + LANGUAGE_NOTE, image="2025-04-05.png", in_rss=True
    ),
    SamplePost(
        at("2025-05-06", 11, 0),
        "The Defence Secretary met his Ukrainian counterpart in London today to agree 1,000 more air "
        "defence interceptors for Ukraine this year. #StandWithUkraine",
        in_rss=True,
    ),
    SamplePost(
        at("2025-05-07"),
        wrapper("07 May 2025")
        + "\n\nRussia has likely suffered approximately 950,000 casualties since February 2022. Of these, "
        "approximately 160,000 were sustained in January-April 2025. There is a realistic possibility that "
        "up to a quarter of a million Russian personnel have been killed.\n\n" + LANGUAGE_NOTE,
        in_rss=True,
    ),
    SamplePost(at("2025-05-08"), wrapper("08 May 2025", separator=" – ") + " " + LANGUAGE_NOTE, in_rss=True),
    SamplePost(
        at("2025-07-03"),
        wrapper("03 July 2025") + "\n\n" + LANGUAGE_NOTE,
        alt_text=(
            "Russian casualties in June 2025 averaged 1,081 per day. Total Russian casualties since the "
            "start of the full-scale invasion are now likely over one million."
        ),
        image="card-2025-07-03.png",
        in_rss=True,
    ),
    SamplePost(
        at("2025-10-02", 7, 50),
        wrapper("02 October 2025", separator=" – ")
        + "\n\nIn September 2025 Russian casualties averaged approximately 950 per day. Russia has highly "
        "likely suffered approximately 1.1 million casualties since the start of the invasion.\n\n" + LANGUAGE_NOTE,
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
