"""Registered site profiles: every profile loads, names real domains, and `archiver sites` shows them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from archiver.extraction.rules import compiled
from archiver.sites import SELECTOR_FIELDS, profile_for_host, profiles
from spiders.profiles import targets_for_sites
from tests.conftest import archiver


def test_every_profile_is_complete_and_its_rules_compile() -> None:
    assert profiles(), "no site profiles registered"
    for profile in profiles().values():
        assert re.fullmatch(r"[a-z0-9-]+", profile.id)
        assert profile.language in ("ar", "en")
        assert profile.domains and profile.start_urls
        assert all(u.startswith("https://") or u.startswith("http://") for u in profile.start_urls + profile.feeds)
        assert set(profile.selectors) <= set(SELECTOR_FIELDS)
        for selector in profile.selectors.values():
            compiled(selector)  # raises on a bad CSS or XPath selector
        assert len(profile.schedule.split()) == 5


def test_profiles_are_found_by_host() -> None:
    for profile in profiles().values():
        for domain in profile.domains:
            assert profile_for_host(domain) is profile
    assert profile_for_host("example.org") is None


def test_crawl_targets_stay_on_profile_domains() -> None:
    for profile in profiles().values():
        (target,) = targets_for_sites([profile.id])
        assert target.site == profile.id
        assert {o.split(":")[0] for o in target.origins} == set(profile.domains)


def test_sites_cli_lists_and_shows() -> None:
    listed = archiver("sites", "list")
    assert listed.returncode == 0
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["SITE", "LANG", "DOMAIN", "NAME"]
    assert {line.split()[0] for line in rows} == set(profiles())
    some = next(iter(profiles()))
    shown = archiver("sites", "show", some)
    assert shown.returncode == 0 and json.loads(shown.stdout)["id"] == some
    missing = archiver("sites", "show", "nope")
    assert missing.returncode == 2 and "unknown site 'nope'" in missing.stderr


def test_profile_article_patterns_match_their_corpus_pages() -> None:
    from urllib.parse import urlsplit

    from archiver.extraction.pagetype import url_looks_like_article
    from tests.corpus.gate import load_cases

    for case in load_cases():
        profile = profile_for_host(urlsplit(case.url).hostname)
        assert profile is not None, case.id
        if profile.article_urls:
            assert url_looks_like_article(case.url, profile.article_url_patterns), (case.id, case.url)
            home = f"https://{profile.domains[0]}/"
            assert not url_looks_like_article(home, profile.article_url_patterns), profile.id


def test_an_archive_can_register_its_own_sites(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "local-radio.toml").write_text(
        'id = "local-radio"\nname = "إذاعة محلية"\nlanguage = "ar"\ndomains = ["radio.example.ly"]\n'
        'start_urls = ["https://radio.example.ly/"]\n',
        encoding="utf-8",
    )
    env = {"ARCHIVER_PROFILES_DIR": str(folder)}
    listed = archiver("sites", "list", env=env)
    assert listed.returncode == 0 and "local-radio" in listed.stdout and "libyaherald" in listed.stdout
    (folder / "again.toml").write_text((folder / "local-radio.toml").read_text(encoding="utf-8"), encoding="utf-8")
    twice = archiver("sites", "list", env=env)
    assert twice.returncode == 2 and "registered twice" in twice.stderr
    missing = archiver("sites", "list", env={"ARCHIVER_PROFILES_DIR": str(tmp_path / "nope")})
    assert missing.returncode == 2 and "not a folder" in missing.stderr


def test_an_archive_profile_overrides_a_bundled_one_field_by_field(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    own = folder / "alwasat.toml"
    own.write_text(
        'id = "alwasat"\nschedule = "*/30 * * * *"\n\n[selectors]\ntags = "ul.new-tags a"\nauthors = ""\n',
        encoding="utf-8",
    )
    env = {"ARCHIVER_PROFILES_DIR": str(folder)}
    shown = archiver("sites", "show", "alwasat", env=env)
    assert shown.returncode == 0, shown.stderr
    profile = json.loads(shown.stdout)
    bundled = profiles()["alwasat"]
    assert profile["schedule"] == "*/30 * * * *" and profile["name"] == bundled.name
    assert profile["start_urls"] == list(bundled.start_urls)
    assert profile["selectors"]["tags"] == "ul.new-tags a" and "authors" not in profile["selectors"]
    assert profile["selectors"]["section"] == bundled.selectors["section"]
    assert profile["overridden_by"] == str(own)
    assert profile["overridden_fields"] == ["schedule", "selectors.tags", "selectors.authors"]
    listed = archiver("sites", "list", env=env)
    assert f"(overridden by {own})" in listed.stdout
    (folder / "again.toml").write_text('id = "alwasat"\nschedule = "0 * * * *"\n', encoding="utf-8")
    twice = archiver("sites", "list", env=env)
    assert twice.returncode == 2 and "registered twice" in twice.stderr and "again.toml" in twice.stderr


def test_sites_check_over_the_corpus_names_a_layer_for_every_field_and_agrees_with_extraction() -> None:
    from urllib.parse import urlsplit

    from archiver.extraction.profile_check import LAYER_FIELDS, check_page
    from tests.corpus.gate import load_cases

    hits: dict[tuple[str, str], int] = {}
    for case in load_cases():
        profile = profile_for_host(urlsplit(case.url).hostname)
        checked = check_page(case.body, case.url, case.headers, profile)
        assert checked.profile is profile and profile is not None
        assert [m.selector for m in checked.selectors] == list(profile.selectors.values()), case.id
        assert set(checked.layers) == set(LAYER_FIELDS)
        by_field = {m.field: m for m in checked.selectors}
        for name, layer in checked.layers.items():
            assert (layer == "none") == (not checked.article.get(name)), (case.id, name, layer)
            if layer == f"profile:{profile.id}":
                assert by_field[name].hit, (case.id, name)  # the profile layer only fills what its selector found
        for match in checked.selectors:
            hits[(profile.id, match.field)] = hits.get((profile.id, match.field), 0) + match.hit
    # the Drupal-era and 2018 forms of the outlets are in the corpus, and their selectors match there
    for key in [
        ("218tv", "title"),
        ("218tv", "body"),
        ("lana", "body"),
        ("alwasat", "published_at"),
        ("eanlibya", "body"),
    ]:
        assert hits[key] >= 1, key


def test_sites_check_usage_errors_name_the_fix(tmp_path: Path) -> None:
    page = Path(__file__).parent / "corpus" / "cases" / "alwasat-1" / "page.html"
    elsewhere = archiver("sites", "check", "alwasat", str(page), "--url=https://example.org/news/1")
    assert elsewhere.returncode == 2 and "not on a domain of alwasat" in elsewhere.stderr
    nothing = archiver("sites", "check", "alwasat")
    assert nothing.returncode == 2 and "--url URL or a saved page FILE" in nothing.stderr
    missing = archiver("sites", "check", "alwasat", str(tmp_path / "none.html"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    stray = archiver("sites", "show", "alwasat", "--url=https://alwasat.ly/")
    assert stray.returncode == 2 and "belong to `archiver sites check`" in stray.stderr
    from_stdin = subprocess.run(
        [sys.executable, "-m", "archiver.cli", "sites", "check", "alwasat", "-", "--format=json"],
        input=page.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert from_stdin.returncode == 0 and json.loads(from_stdin.stdout)["fields"]["section"]["value"] == "ليبيا"
