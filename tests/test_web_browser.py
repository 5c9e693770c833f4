"""The web app in a real browser (Chromium driven by Playwright) over a crawled and recrawled archive: what a
fact-checker sees, that archived pages stay hostile-proof, and that downloads are the archive's own bytes.
Screenshots of each page go to tests/artifacts/web/ (gitignored)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import ROOT
from tests.fixtureweb.revisions import EDITED_TITLE
from tests.webapp import ServedArchive, wait_for_crawl

ARTIFACTS = ROOT / "tests" / "artifacts" / "web"


@pytest.fixture
def page(browser: Any, served_archive: ServedArchive) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, locale="ar-LY", viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.requests = []  # type: ignore[attr-defined]
    tab.on("request", lambda r: tab.requests.append(r.url))  # type: ignore[attr-defined]
    try:
        yield tab
    finally:
        context.close()


def shot(tab: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def q(value: str) -> str:
    return quote(value, safe="")


def test_a_plain_alef_search_finds_the_hamza_spelling(page: Any, served_archive: ServedArchive) -> None:
    page.goto(served_archive.base + "/")
    page.fill("input[name=q]", "تاجيل")
    page.click("form.search button")
    hits = page.locator("li.hit")
    assert hits.count() == 1
    assert hits.locator(".title").inner_text() == EDITED_TITLE
    assert "تأجيل" in hits.locator(".title mark").all_inner_texts()
    assert page.locator("svg.chart rect").count() == 1  # articles per month
    shot(page, "search")
    hits.locator(".title").click()
    assert page.locator(".article-title").inner_text() == EDITED_TITLE


def test_the_url_page_shows_both_versions_and_the_diff_marks_the_edit(page: Any, served_archive: ServedArchive) -> None:
    page.goto(f"{served_archive.base}/url")
    assert page.locator("html").get_attribute("dir") == "rtl" and page.locator("html").get_attribute("lang") == "ar"
    page.fill("input[name=u]", served_archive.url(1).replace("http://", "https://") + "?utm_source=fb&fbclid=abc")
    page.click("form.search button")
    rows = page.locator("tr.capture")
    assert rows.count() == 2
    assert "نسخة جديدة" in rows.nth(0).inner_text() and "نسخة جديدة" in rows.nth(1).inner_text()
    assert "EET" in rows.nth(0).inner_text() and "Z" in rows.nth(0).inner_text()  # Libya time with UTC beside
    shot(page, "url-timeline")
    rows.nth(1).locator("a").click()
    title_diff = page.locator(".diff[data-field=title]")
    added = " ".join(title_diff.locator("ins").all_inner_texts())
    removed = " ".join(title_diff.locator("del").all_inner_texts())
    assert "تعديل:" in added and "تأجيل" in added and removed  # the edited words, and only those, are marked
    assert "صيانة" not in added + removed and "صيانة" in title_diff.inner_text()  # unchanged words stay unmarked
    assert page.locator(".diff[data-field=body] ins").count() >= 1
    assert page.eval_on_selector(".diff[data-field=title] p", "e => getComputedStyle(e).direction") == "rtl"
    page.click("#check-now")
    page.wait_for_selector("#check-result.ok")
    assert "sha256:" in page.inner_text("#check-result")
    shot(page, "article-diff")


def test_replay_is_right_to_left_sandboxed_and_stays_in_the_archive(page: Any, served_archive: ServedArchive) -> None:
    page.goto(f"{served_archive.base}/replay?url={q(served_archive.url(1))}")
    frame = page.frame_locator("#replay")
    frame.locator("h1").wait_for()
    assert frame.locator("html").get_attribute("dir") == "rtl"
    assert frame.locator("h1").inner_text() == EDITED_TITLE
    assert page.get_attribute("#replay", "sandbox") == ""
    shot(page, "replay")
    origins = {served_archive.base, served_archive.replay}
    outside = [u for u in page.requests if not any(u.startswith(o + "/") for o in origins)]
    assert page.requests and not outside, outside


def test_a_hostile_title_stays_text(page: Any, served_archive: ServedArchive) -> None:
    page.goto(f"{served_archive.base}/article?url={q(served_archive.site.url('/news/xss/'))}")
    title = page.locator(".article-title")
    assert title.inner_text().startswith("<img src=x onerror=")
    assert page.locator("img").count() == 0 and page.title() != "pwned"
    page.goto(f"{served_archive.base}/url?u={q(served_archive.site.url('/news/xss/'))}")
    assert page.locator("img").count() == 0 and page.title() != "pwned"


def test_crawl_now_refuses_without_a_token_and_starts_with_one(page: Any, served_archive: ServedArchive) -> None:
    page.goto(f"{served_archive.base}/sites")
    form = page.locator("form.crawl-now:has(input[value=webfix])")
    form.locator("button").click()
    assert "401" in page.inner_text("h1") and "token" in page.inner_text(".error")
    page.goto(f"{served_archive.base}/sites")
    form = page.locator("form.crawl-now:has(input[value=webfix])")
    form.locator("input[name=token]").fill(served_archive.token)
    form.locator("button").click()
    started = page.inner_text("#started").split()[1]
    assert started.startswith("web-webfix-")
    assert wait_for_crawl(served_archive, started)["pages"] > 0


def test_downloads_are_the_stores_bytes_and_the_warc_checks(
    page: Any, served_archive: ServedArchive, tmp_path: Path
) -> None:
    page.goto(f"{served_archive.base}/article?url={q(served_archive.url(1))}")
    with page.expect_download() as got:
        page.click("#dl-json")
    data = Path(got.value.path()).read_bytes()
    key = json.loads(data)
    stored = served_archive.store / page.inner_text("#article-key")
    assert data == stored.read_bytes() and key["title"] == EDITED_TITLE
    with page.expect_download() as got:
        page.click("#dl-warc")
    warc = tmp_path / "capture.warc.gz"
    got.value.save_as(warc)
    check = subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", "-v", str(warc)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_coverage_chart_and_the_health_table_in_arabic_and_english(
    page: Any, served_archive: ServedArchive
) -> None:
    for lang, direction, heading, healthy in (("ar", "rtl", "التغطية", "سليم"), ("en", "ltr", "Coverage", "Healthy")):
        page.goto(f"{served_archive.base}/coverage?lang={lang}")
        assert page.locator("html").get_attribute("dir") == direction and page.inner_text("h1") == heading
        chart = page.locator("section.coverage-site[data-site=webfix] svg.coverage-chart")
        assert chart.count() == 1 and chart.is_visible()
        assert page.locator("section.coverage-site svg.coverage-chart").count() == 2  # and the imported outlet's
        gaps = chart.locator("rect.gap")
        assert [gaps.nth(i).get_attribute("data-month") for i in range(gaps.count())] == ["2026-01", "2026-02"]
        assert chart.locator("rect.month").count() == 2  # December 2025 and March 2026
        assert "2026-01" in page.inner_text("tr.site-coverage[data-site=webfix] td.gaps")
        shot(page, f"coverage-{lang}")
        page.goto(f"{served_archive.base}/health?lang={lang}")
        row = page.locator("table.health tr.site-health[data-site=webfix]")
        assert row.count() == 1 and row.locator("svg.per-crawl rect").count() >= 2
        assert row.locator("td").nth(1).inner_text() in (healthy, "يحتاج إلى انتباه", "Needs attention")
        assert page.locator("pre").count() == 0
        shot(page, f"health-{lang}")
        page.goto(f"{served_archive.base}/sites?lang={lang}")
        assert page.locator("section.fill-rates[data-site=webfix] table.fields tr[data-field=title]").count() == 1
        shot(page, f"sites-{lang}")
