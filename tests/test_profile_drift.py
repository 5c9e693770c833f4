"""Profiles that report their own drift, and health that compares like with like: real crawls of fixture sites
whose markup or reach changes between crawls (tests/fixtureweb/drift.py)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import archiver, crawl_args
from tests.fixtureweb.drift import DRIFT_PROFILE, drift_site, steady_site
from tests.fixtureweb.server import FixtureWeb


def _crawl(url: str, store: Path, crawl_id: str, env: dict[str, str] | None = None) -> None:
    run = archiver(*crawl_args(url, store=str(store), extra=(f"--crawl-id={crawl_id}",)), env=env)
    assert run.returncode == 0, run.stderr[-3000:]


def test_a_redesign_shows_as_selector_drift_in_health_and_sites_check(tmp_path: Path) -> None:
    site = drift_site()
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "drift.toml").write_text(DRIFT_PROFILE.format(host=site.host), encoding="utf-8")
    env = {"ARCHIVER_PROFILES_DIR": str(profiles)}
    store = tmp_path / "archive"
    with FixtureWeb([site]):
        _crawl(site.url("/"), store, "drift-1", env)
        healthy = archiver("health", f"--store={store}", env=env)
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        site.state["edition"] = 2
        _crawl(site.url("/"), store, "drift-2", env)

        # the page that drifted, checked live: every field with its layer, every selector with what it matched
        check = archiver("sites", "check", "drift-fixture", f"--url={site.url('/news/5/')}", env=env)
        assert check.returncode == 0, check.stderr
        assert "div.story-text\n      NO MATCH" in check.stdout and "ul.story-tags a\n      NO MATCH" in check.stdout
        assert "body             generic" in check.stdout or "body             xpath" in check.stdout
        as_json = json.loads(
            archiver(
                "sites", "check", "drift-fixture", "--format=json", f"--url={site.url('/news/2/')}", env=env
            ).stdout
        )
        assert as_json["fields"]["body"]["layer"] == "profile:drift-fixture"
        assert as_json["fields"]["tags"] == {"value": ["محلي", "مدينة 2"], "layer": "profile:drift-fixture"}
        assert {s["selector"]: s["matches"] for s in as_json["selectors"]} == {
            "h2.story-title": 1,
            "div.story-text": 1,
            "ul.story-tags a": 2,
        }

    manifest = json.loads((store / "crawls" / "drift-2" / "manifest.json").read_text())
    stats = manifest["extraction"]["drift-fixture"]
    assert stats["profile"] == "drift-fixture" and stats["articles"] == 4
    assert stats["selectors"]["body"] == {"selector": "div.story-text", "hits": 0, "share": 0.0}
    assert stats["fields"]["body"] == 1.0 and stats["fields"]["tags"] == 0.0
    first = json.loads((store / "crawls" / "drift-1" / "manifest.json").read_text())["extraction"]["drift-fixture"]
    assert first["selectors"]["body"]["share"] == 1.0 and first["layers"]["body"] == {"profile:drift-fixture": 4}

    report = archiver("health", f"--store={store}", env=env)
    assert report.returncode == 1, report.stdout + report.stderr
    assert "drift-fixture: UNHEALTHY (crawl drift-2, incremental crawl, 4 articles" in report.stdout
    assert "profile selector body = 'div.story-text' matched 0% of articles (usual 100%)" in report.stdout
    assert "profile selector tags = 'ul.story-tags a' matched 0% of articles (usual 100%)" in report.stdout
    assert "tags found in 0% of articles (usual 100%)" in report.stdout


def test_few_new_articles_in_an_incremental_crawl_are_healthy_and_a_shut_robots_txt_is_not(tmp_path: Path) -> None:
    site = steady_site()
    store = tmp_path / "archive"
    with FixtureWeb([site]):
        _crawl(site.url("/"), store, "steady-1")  # the first crawl fetches all six articles
        for number in (2, 3):
            site.state["articles"] = int(site.state["articles"]) + 1  # one new article a crawl, as usual
            _crawl(site.url("/"), store, f"steady-{number}")
        report = archiver("health", f"--store={store}", "--format=json")
        assert report.returncode == 0, report.stdout
        (verdict,) = json.loads(report.stdout)["sites"]
        assert verdict["latest"]["articles"] == 1 and verdict["latest"]["kind"] == "incremental"

        site.state["robots"] = 503
        shut = tmp_path / "shut"
        refused = archiver(*crawl_args(site.url("/"), store=str(shut), extra=("--crawl-id=shut-1",)))
        assert refused.returncode == 1 and "robots.txt" in refused.stderr.strip().splitlines()[-1]  # nothing captured
    first_crawl = archiver("health", f"--store={shut}")
    assert first_crawl.returncode == 1, first_crawl.stdout
    assert "robots.txt answered 503: the whole site is disallowed" in first_crawl.stdout
