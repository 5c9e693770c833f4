"""The web app's JSON API and security measures, against a real `archiver serve` over a crawled and recrawled
archive: every endpoint answers as the CLI does, bad input gets a JSON error with the right status."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, archiver
from tests.webapp import IMPORTED_URL, IMPORTED_WARC, XSS_TITLE, ServedArchive, as_json, request, wait_for_crawl


def q(value: str) -> str:
    return quote(value, safe="")


def test_search_answers_as_the_cli_and_normalises_arabic(served_archive: ServedArchive) -> None:
    status, _, body = served_archive.get(f"/api/search?q={q('تاجيل')}")  # plain alef; the article has hamza
    assert status == 200
    answer = as_json(body)
    cli = archiver("search", "تاجيل", "--format=json", f"--store={served_archive.store}", env=served_archive.env)
    assert cli.returncode == 0, cli.stderr
    assert answer == json.loads(cli.stdout)
    assert answer["total"] == 1 and answer["results"][0]["url"] == served_archive.url(1)
    assert set(answer["results"][0]) >= {"url", "site", "title", "published_at", "snippet", "article_key"}
    assert answer["facets"]["site"] == {"webfix": 1} and answer["facets"]["month"] == {"2026-03": 1}
    dated = as_json(served_archive.get(f"/api/search?q={q('مصراتة')}&from=2026-03-02&sort=date")[2])
    assert served_archive.url(1) not in [r["url"] for r in dated["results"]]  # published 2026-03-01


def test_history_answers_as_the_cli(served_archive: ServedArchive) -> None:
    url = served_archive.url(1)
    status, headers, body = served_archive.get(f"/api/history?url={q(url + '?utm_source=x&fbclid=y')}")
    assert status == 200 and headers["content-type"].startswith("application/json")
    answer = as_json(body)
    cli = archiver("history", url, "--format=json", f"--store={served_archive.store}", env=served_archive.env)
    assert answer["url"] == url
    assert answer["captures"] == json.loads(cli.stdout)
    assert [c["new_version"] for c in answer["captures"]] == [True, True]


def test_snapshot_is_byte_for_byte_the_cli_and_the_store(served_archive: ServedArchive) -> None:
    url = served_archive.url(1)
    status, _, body = served_archive.get(f"/api/snapshot?url={q(url)}&format=json")
    assert status == 200
    cli = subprocess.run(
        [sys.executable, "-m", "archiver.cli", "snapshot", url, f"--store={served_archive.store}"],
        capture_output=True, cwd=ROOT, env={**os.environ, **served_archive.env}, check=True,
    )  # fmt: skip
    assert body == cli.stdout
    key = as_json(served_archive.get(f"/api/history?url={q(url)}")[2])["captures"][-1]["article_key"]
    assert body == (served_archive.store / key).read_bytes()
    status, headers, warc = served_archive.get(f"/api/snapshot?url={q(url)}&format=warc")
    assert status == 200 and "attachment" in headers["content-disposition"]
    types = [r.rec_type for r in ArchiveIterator(io.BytesIO(warc))]
    assert types[0] == "warcinfo" and "response" in types
    status, headers, html = served_archive.get(f"/api/snapshot?url={q(url)}&format=html")
    # the archived page is a download in plain text: it never renders in the app's origin
    assert (
        status == 200
        and headers["content-type"].startswith("text/plain")
        and "attachment" in headers["content-disposition"]
    )
    assert "تعديل" in html.decode("utf-8")


def test_the_evidence_package_download_verifies_offline(served_archive: ServedArchive, tmp_path: Path) -> None:
    url = served_archive.url(1)
    article = served_archive.get(f"/article?url={q(url)}")[2].decode()
    assert 'id="dl-wacz"' in article  # every capture offers its evidence package
    status, headers, body = served_archive.get(f"/api/snapshot?url={q(url)}&format=wacz")
    assert status == 200 and headers["content-type"] == "application/wacz"
    package = tmp_path / "capture.wacz"
    package.write_bytes(body)
    checked = subprocess.run(
        [sys.executable, "-m", "archiver.cli", "verify-package", str(package)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, **served_archive.env}, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert url in checked.stdout


def test_an_earlier_time_gives_the_earlier_version(served_archive: ServedArchive) -> None:
    url = served_archive.url(1)
    first = as_json(served_archive.get(f"/api/history?url={q(url)}")[2])["captures"][0]
    body = served_archive.get(f"/api/snapshot?url={q(url)}&at={q(first['captured_at'])}")[2]
    assert body == (served_archive.store / first["article_key"]).read_bytes()
    assert not as_json(body)["title"].startswith("تعديل")


def test_bad_input_gets_a_json_error(served_archive: ServedArchive) -> None:
    cases = {
        "/api/history?url=" + q("http://127.0.0.61:1/never/"): 404,
        "/api/history": 400,
        f"/api/snapshot?url={q(served_archive.url(1))}&at=yesterday": 400,
        f"/api/snapshot?url={q(served_archive.url(1))}&format=exe": 400,
        f"/api/snapshot?url={q(served_archive.url(1))}&at=2001-01-01": 404,
        "/api/snapshot?url=" + q("../../etc/passwd"): 404,
        "/api/search?q=x&from=2026-13-45": 400,
        "/api/search?q=x&sort=random": 400,
        "/api/nothing": 404,
    }
    for path, expected in cases.items():
        status, headers, body = served_archive.get(path)
        assert status == expected, (path, status, body[:200])
        assert headers["content-type"].startswith("application/json"), path
        assert as_json(body)["error"], path


def test_sites_crawls_and_health(served_archive: ServedArchive) -> None:
    sites = as_json(served_archive.get("/api/sites")[2])["sites"]
    fixture = next(s for s in sites if s["id"] == "webfix")
    assert fixture["schedule"] == "0 */6 * * *" and fixture["next_run"].endswith("Z")
    crawls = as_json(served_archive.get("/api/crawls")[2])
    cli = archiver("crawls", "list", "--format=json", f"--store={served_archive.store}", env=served_archive.env)
    assert crawls == json.loads(cli.stdout) and len(crawls) == 3  # two crawls and the import of another archive's WARC
    assert [c["crawl_id"].startswith("import-") for c in crawls].count(True) == 1
    health = as_json(served_archive.get("/api/health")[2])
    assert [s["site"] for s in health["sites"]] == ["webfix"]


def test_coverage_answers_as_the_cli(served_archive: ServedArchive) -> None:
    status, headers, body = served_archive.get("/api/coverage")
    assert status == 200 and headers["content-type"].startswith("application/json")
    cli = archiver("coverage", "--format=json", f"--store={served_archive.store}", env=served_archive.env)
    assert cli.returncode == 0, cli.stderr
    answer = as_json(body)
    assert answer == json.loads(cli.stdout)
    imported, site = answer["sites"]  # sites in order of their ids
    assert imported["site"] == "lamma-import.example" and imported["articles"] == imported["imported"] == 1
    assert imported["months"] == {"2019-06": 1} and imported["gaps"] == []
    ids = {json.loads(p.read_bytes())["id"] for p in (served_archive.store / "articles" / "webfix").rglob("*.json")}
    assert site["site"] == "webfix" and site["articles"] == len(ids) and site["imported"] == 0
    assert site["oldest"] == "2025-12-20" and site["gaps"] == ["2026-01", "2026-02"]
    assert site["months"]["2025-12"] == 1 and sum(site["months"].values()) + site["undated"] == len(ids)
    assert as_json(served_archive.get("/api/coverage?site=webfix")[2]) == {"sites": [site]}
    status, _, body = served_archive.get("/api/coverage?site=nowhere")
    assert status == 404 and "nowhere" in as_json(body)["error"]


def test_starting_a_crawl_needs_a_valid_token(served_archive: ServedArchive) -> None:
    body = json.dumps({"site": "webfix"}).encode()
    json_type = {"Content-Type": "application/json"}
    status, _, answer = served_archive.post("/api/crawls", body, json_type)
    assert status == 401 and "token" in as_json(answer)["error"]
    status, _, _ = served_archive.post("/api/crawls", body, {**json_type, "Authorization": "Bearer lna_0_wrong"})
    assert status == 403
    good = {**json_type, "Authorization": f"Bearer {served_archive.token}"}
    assert served_archive.post("/api/crawls", b"{not json", good)[0] == 400
    assert served_archive.post("/api/crawls", json.dumps({"site": "nowhere"}).encode(), good)[0] == 404
    status, _, answer = served_archive.post("/api/crawls", body, good)
    assert status == 202 and as_json(answer)["crawl_id"].startswith("web-webfix-")
    finished = wait_for_crawl(served_archive, as_json(answer)["crawl_id"])
    assert finished["sites"] == ["webfix"] and finished["pages"] > 0


def test_tokens_are_stored_hashed_and_can_be_revoked(served_archive: ServedArchive, tmp_path: Path) -> None:
    env = {**served_archive.env, "ARCHIVER_TOKENS_FILE": str(tmp_path / "tokens.json")}
    made = archiver("tokens", "create", "desk", env=env)
    token = made.stdout.strip()
    stored = (tmp_path / "tokens.json").read_text()
    assert token.startswith("lna_") and token not in stored and token.split("_", 2)[2] not in stored
    assert oct((tmp_path / "tokens.json").stat().st_mode & 0o777) == "0o600"
    listed = json.loads(archiver("tokens", "list", env=env).stdout)
    assert [t["name"] for t in listed] == ["desk"]
    assert archiver("tokens", "revoke", listed[0]["id"], env=env).returncode == 0
    assert json.loads(archiver("tokens", "list", env=env).stdout) == []
    assert archiver("tokens", "revoke", "nope", env=env).returncode == 3


def test_security_headers_and_escaping(served_archive: ServedArchive) -> None:
    status, headers, body = served_archive.get(f"/article?url={q(served_archive.site.url('/news/xss/'))}")
    assert status == 200
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and served_archive.replay in csp
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    page = body.decode("utf-8")
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page
    assert XSS_TITLE not in page


def test_the_replay_origin_is_locked_down(served_archive: ServedArchive) -> None:
    page = served_archive.get(f"/replay?url={q(served_archive.url(1))}")[2].decode()
    frame = page.split('id="replay" class="replay" src="')[1].split('"')[0].replace("&amp;", "&")
    assert frame.startswith(served_archive.replay + "/libya/") and 'sandbox=""' in page
    status, headers, body = request(frame)
    assert status == 200 and 'dir="rtl"' in body.decode("utf-8")
    csp = {k.lower(): v for k, v in headers.items()}["content-security-policy"]
    assert (
        "script-src 'none'" in csp and "connect-src 'none'" in csp and f"frame-ancestors {served_archive.base}" in csp
    )
    # nothing of the app, and nothing of pywb beyond the collection, on the replay origin
    assert request(served_archive.replay + "/api/sites")[0] == 404
    assert request(served_archive.replay + "/libya/../../etc/passwd")[0] == 404
    assert request(served_archive.replay + "/libya/", data=b"x")[0] == 404


def test_check_now_rehashes_the_record(served_archive: ServedArchive) -> None:
    status, _, body = served_archive.get(f"/api/check?url={q(served_archive.url(1))}")
    answer = as_json(body)
    assert status == 200 and answer["intact"] is True and len(answer["sha256"]) == 64


def test_the_openapi_description_lists_every_endpoint(served_archive: ServedArchive) -> None:
    spec = as_json(served_archive.get("/api/openapi.json")[2])
    assert set(spec["paths"]) == {
        "/api/search", "/api/history", "/api/snapshot", "/api/check", "/api/sites", "/api/health", "/api/crawls",
        "/api/coverage",
    }  # fmt: skip
    assert "post" in spec["paths"]["/api/crawls"]


def test_the_crawl_now_form_needs_its_csrf_token(served_archive: ServedArchive) -> None:
    form = f"site=webfix&token={served_archive.token}&csrf=abc".encode()
    status, _, _ = served_archive.post("/sites/crawl", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403  # the right archivist token, but no matching CSRF cookie


def test_the_rate_limit_counts_per_client_and_endpoint() -> None:
    from archiver.web.security import RateLimiter

    limiter = RateLimiter(3, window=3600)
    assert [limiter.allow("10.0.0.1", "/api/snapshot") for _ in range(5)] == [True, True, True, False, False]
    assert limiter.allow("10.0.0.2", "/api/snapshot") and limiter.allow("10.0.0.1", "/api/search")


def test_a_rate_limit_shared_through_redis_holds_across_replicas() -> None:
    import secrets

    import redis

    from archiver.errors import ConfigError
    from archiver.web.security import SharedRateLimiter

    prefix, url = f"lna:test:{secrets.token_hex(6)}", "redis://127.0.0.1:6379/15"
    window = 10**9  # one window for the whole test: no clock in the assertion
    first, second = (SharedRateLimiter(url, 3, window=window, prefix=prefix) for _ in range(2))  # two replicas
    try:
        answers = [limiter.allow("10.0.0.1", "/api/search") for limiter in (first, second, first, second, first)]
        assert answers == [True, True, True, False, False]
        assert second.allow("10.0.0.2", "/api/search") and second.allow("10.0.0.1", "/api/snapshot")
    finally:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    down = SharedRateLimiter("redis://127.0.0.1:1/0", 2, window=window, prefix=prefix)  # nothing listens there
    assert [down.allow("10.0.0.1", "/api/search") for _ in range(3)] == [True, True, False]  # its own limit
    with pytest.raises(ConfigError, match="redis://"):
        SharedRateLimiter("http://127.0.0.1/", 2)


def test_a_dataset_downloads_with_its_manifest_and_card(served_archive: ServedArchive) -> None:
    import zipfile

    status, headers, body = served_archive.get("/datasets/download?format=jsonl&site=webfix&language=ar")
    assert status == 200 and headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = set(archive.namelist())
        assert {"manifest.json", "README.md"} <= names
        rows = [
            json.loads(line) for name in names if name.endswith(".jsonl") for line in archive.read(name).splitlines()
        ]
    assert {row["url"] for row in rows} >= {served_archive.url(1), served_archive.url(6)}
    assert served_archive.get("/datasets/download?format=xlsx")[0] == 400


def test_archivist_pages_and_english(served_archive: ServedArchive) -> None:
    health = served_archive.get("/health")[2].decode()
    assert health.count("<rect") >= 2  # articles per crawl: two crawls of the one site (more once "crawl now" ran)
    crawls = served_archive.get("/crawls")[2].decode()
    assert crawls.count("<tr>") >= 3
    sites = served_archive.get("/sites?lang=en")
    page = sites[2].decode()
    assert '<html lang="en" dir="ltr">' in page and "Crawl now" in page and "webfix" in page
    assert '<html lang="ar" dir="rtl">' in served_archive.get("/sites")[2].decode()
    assert 'class="fill-rates" data-site="webfix"' in page and 'data-field="title"' in page  # fill rates
    assert '<table class="health">' in health and "<pre" not in health  # a table, not JSON text
    coverage = served_archive.get("/coverage?lang=en")[2].decode()
    assert coverage.count('<rect class="gap" data-month=') == 2 and "Months with none" in coverage


def test_an_imported_capture_names_where_it_came_from(served_archive: ServedArchive, tmp_path: Path) -> None:
    status, _, page = served_archive.get(f"/article?url={q(IMPORTED_URL)}&lang=en")
    assert status == 200
    text = page.decode("utf-8")
    assert "Imported from" in text and f'class="imported-from" dir="auto">{IMPORTED_WARC}<' in text
    assert "/warc/imported/" not in text and "warc/imported/" in text  # the stored copy, byte for byte as received
    status, _, body = served_archive.get(f"/api/snapshot?url={q(IMPORTED_URL)}&format=json")
    capture = as_json(body)["capture"]
    assert status == 200 and capture["source"] == "imported" and capture["imported_from"] == IMPORTED_WARC
    assert capture["fetched_at"].startswith("2019-06-10T10:15:00")  # the other archive's capture time, kept
    # Our own crawl's captures name no other archive.
    status, _, own = served_archive.get(f"/article?url={q(served_archive.url(1))}&lang=en")
    assert status == 200 and b"imported-from" not in own
    # Its evidence package says so too, in the summary a journalist reads.
    status, _, body = served_archive.get(f"/api/snapshot?url={q(IMPORTED_URL)}&format=wacz")
    package = tmp_path / "imported.wacz"
    package.write_bytes(body)
    checked = archiver("verify-package", str(package), env=served_archive.env)
    assert status == 200 and checked.returncode == 0, checked.stdout + checked.stderr
    assert f"by another archive, and imported from {IMPORTED_WARC}." in checked.stdout
