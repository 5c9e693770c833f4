"""The store layout has one owner (archiver/store/layout.py): keys built there, read back there, spelled nowhere else."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from archiver.store import layout

ARCHIVER = Path(__file__).resolve().parent.parent / "archiver"
# A string literal that starts like a store key (or the spool's quarantine folder; "warc/revisit" is a MIME type).
KEY_LITERAL = re.compile(
    r"""(?<![\w/.])f?["']((warc(?!/revisit)|articles|claims|crawls|indexes|quarantine)/|quarantine["'])"""
)


def test_key_prefixes_are_spelled_only_in_the_layout_module() -> None:
    offenders = []
    for path in sorted(ARCHIVER.rglob("*.py")):
        if path.name == "layout.py" and path.parent.name == "store":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if KEY_LITERAL.search(line):
                offenders.append(f"{path.relative_to(ARCHIVER.parent)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_key_literal_pattern_catches_hand_built_keys() -> None:
    assert KEY_LITERAL.search('key = f"crawls/{crawl_id}/manifest.json"')
    assert KEY_LITERAL.search('store.list("indexes/cdxj/")')
    assert KEY_LITERAL.search('spool.root / "quarantine"')
    assert not KEY_LITERAL.search('if entry.get("kind") == "warc":')


def test_keys_are_the_ones_stores_already_hold() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    assert layout.warc_key("alwasat", "20260304T050607Z-abc123", moment, 7) == (
        "warc/alwasat/2026/03/04/20260304T050607Z-abc123-00007.warc.gz"
    )
    assert layout.article_key("alwasat", "0123abcd", moment) == "articles/alwasat/0123abcd/20260304T050607890123Z.json"
    assert layout.version_claim_key("alwasat", "0123abcd", "sha256:ff00") == "claims/alwasat/0123abcd.ff00"
    assert layout.manifest_key("20260304T050607Z-abc123") == "crawls/20260304T050607Z-abc123/manifest.json"
    warc = layout.warc_key("libyaobserver", "c1", moment, 1)
    assert layout.cdxj_key(warc) == "indexes/cdxj/libyaobserver--c1-00001.cdxj"
    assert layout.cdxj_key("old.warc.gz") == "indexes/cdxj/old.cdxj"


def test_keys_read_back_into_their_parts() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    warc = layout.warc_key("alwasat", "20260304T050607Z-abc123", moment, 7)
    assert layout.is_warc_key(warc) and layout.site_of(warc) == "alwasat"
    assert layout.crawl_id_of_warc(warc) == "20260304T050607Z-abc123"
    article = layout.article_key("alwasat", "0123abcd", moment)
    assert layout.parse_article_key(article) == ("alwasat", "0123abcd", "20260304T050607890123Z")
    assert layout.site_of(article) == "alwasat" and layout.is_article_key(article)
    assert layout.parse_article_key("articles/alwasat/index.json") is None
    assert layout.parse_article_key(warc) is None
    manifest = layout.manifest_key("c1")
    assert layout.is_manifest_key(manifest) and layout.is_crawl_key(manifest)
    assert not layout.is_manifest_key("crawls/c1/notes.json")
    assert layout.site_of(layout.cdxj_key(warc)) is None
    assert layout.site_articles_prefix("alwasat") == "articles/alwasat/"
    assert layout.site_articles_prefix() == "articles/"


def test_catalog_and_export_parsers_read_every_key_form() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    article = layout.article_key("alwasat", "0123abcd", moment)
    assert layout.article_id_of(article) == "0123abcd"
    assert layout.article_of_version(article) == "articles/alwasat/0123abcd"
    assert layout.article_id_of("articles/alwasat/0123abcd.json") is None
    assert layout.site_of_warc(layout.warc_key("libyaobserver", "c1", moment, 2)) == "libyaobserver"
    assert layout.site_of_warc("c1-00002.warc.gz") is None  # a bare WARC name, as files from elsewhere come
    assert layout.crawl_id_of_warc("c1-00002.warc.gz") == "c1"
