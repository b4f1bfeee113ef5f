"""The archive server on 127.0.0.1, read with the project's own HTTP client and raw sockets."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from extractors.http import HttpClient, NotFound
from flows.archive_server import serve_archive

SITEMAP = (
    b'<?xml version="1.0" encoding="UTF-8"?><sitemapindex><sitemap><loc>x</loc></sitemap></sitemapindex>\n'
)
OLD_REPORT = (
    b"<html><body><div class='field-name-body'><p>4,168 square kilometers in 2024.</p></div></body></html>"
)
NEW_REPORT = b"<html><body><article><p>203 square kilometers in March 2025.</p></article></body></html>"
MTIME = 1_743_459_300  # 2025-03-31 22:15:00 UTC


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    files = {
        "sitemap_index.xml": SITEMAP,
        "backgrounder/russian-offensive-campaign-assessment-december-31-2024": OLD_REPORT,
        "research/russia-ukraine/russian-offensive-campaign-assessment-march-31-2025/index.html": NEW_REPORT,
        "api/v2/statistics/latest.json": b'{"message": "The data were fetched successfully."}',
        "img/map.png": b"\x89PNG\r\n\x1a\n",
    }
    for relative, body in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        os.utime(path, (MTIME, MTIME))
    (tmp_path / "secret.txt").write_text("outside the archive")
    return root


@pytest.fixture
def site(archive: Path) -> Iterator[str]:
    with serve_archive(archive) as base_url:
        yield base_url


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(["127.0.0.1"], sleep=lambda _: None, max_attempts=1) as http:
        yield http


def test_serves_files_with_types_and_validators(site: str, client: HttpClient) -> None:
    assert site.startswith("http://127.0.0.1:")

    sitemap = client.get(site + "/sitemap_index.xml")
    old = client.get(site + "/backgrounder/russian-offensive-campaign-assessment-december-31-2024")
    data = client.get(site + "/api/v2/statistics/latest.json")
    image = client.get(site + "/img/map.png")

    assert sitemap.body == SITEMAP
    assert sitemap.headers["content-type"] == "application/xml"
    assert sitemap.etag == f'"{hashlib.sha256(SITEMAP).hexdigest()}"'
    assert sitemap.last_modified == "Mon, 31 Mar 2025 22:15:00 GMT"
    assert old.body == OLD_REPORT
    assert old.headers["content-type"] == "text/html; charset=utf-8"
    assert data.headers["content-type"] == "application/json"
    assert image.headers["content-type"] == "image/png"


def test_trailing_slash_serves_index_html_and_a_bare_directory_redirects(
    site: str, client: HttpClient
) -> None:
    slug = "/research/russia-ukraine/russian-offensive-campaign-assessment-march-31-2025"

    with_slash = client.get(site + slug + "/")
    without_slash = client.get(site + slug)

    assert with_slash.body == NEW_REPORT
    assert with_slash.headers["content-type"] == "text/html; charset=utf-8"
    assert without_slash.final_url == site + slug + "/"
    assert [a.status for a in without_slash.attempts] == [301, 200]


def test_answers_304_to_matching_validators_only(site: str, client: HttpClient) -> None:
    url = site + "/sitemap_index.xml"
    first = client.get(url)

    by_etag = client.get(url, etag=first.etag)
    by_date = client.get(url, last_modified=first.last_modified)
    stale_etag = client.get(url, etag='"something-else"')
    older_date = client.get(url, last_modified=formatdate(MTIME - 60, usegmt=True))

    assert by_etag.not_modified and by_etag.body is None
    assert by_date.not_modified
    assert not stale_etag.not_modified and stale_etag.body == SITEMAP
    assert not older_date.not_modified and older_date.body == SITEMAP


def test_changed_file_gets_a_new_etag(archive: Path, site: str, client: HttpClient) -> None:
    url = site + "/sitemap_index.xml"
    first = client.get(url)
    (archive / "sitemap_index.xml").write_bytes(SITEMAP + b"\n")

    again = client.get(url, etag=first.etag)

    assert not again.not_modified
    assert again.body == SITEMAP + b"\n"
    assert again.etag != first.etag


def test_missing_path_is_404(site: str, client: HttpClient) -> None:
    with pytest.raises(NotFound):
        client.get(site + "/backgrounder/no-such-report")
    with pytest.raises(NotFound):
        client.get(site + "/")  # no index.html at the root


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/img/..%2f..%2fsecret.txt"])
def test_refuses_path_traversal(site: str, path: str) -> None:
    # Raw socket: HTTP clients normalise "..", and an attacker's request would not.
    host, port = site.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        response = b""
        while chunk := conn.recv(65536):
            response += chunk

    assert response.startswith(b"HTTP/1.1 404")
    assert b"outside the archive" not in response


def test_symlink_out_of_the_archive_is_not_followed(archive: Path, site: str, client: HttpClient) -> None:
    (archive / "leak.txt").symlink_to(archive.parent / "secret.txt")

    with pytest.raises(NotFound):
        client.get(site + "/leak.txt")


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="no-such-dir"), serve_archive(tmp_path / "no-such-dir"):
        pass


def test_serving_prints_nothing(archive: Path) -> None:
    # A child process, so stderr is captured whole, including the server thread's output.
    script = (
        "import sys; from pathlib import Path; from flows.archive_server import serve_archive; "
        "from extractors.http import HttpClient, NotFound\n"
        "with serve_archive(Path(sys.argv[1])) as url, HttpClient(['127.0.0.1'], max_attempts=1) as c:\n"
        "    c.get(url + '/sitemap_index.xml')\n"
        "    try: c.get(url + '/missing')\n"
        "    except NotFound: pass\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(archive)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr == ""
