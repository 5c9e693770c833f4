"""Extraction takes the site profile as an argument and reads nothing: no profile files, no environment."""

from __future__ import annotations

import ast
from pathlib import Path

from archiver.extraction.article import extract_article
from archiver.extraction.profile_check import check_page
from archiver.sites import SiteProfile
from tests.conftest import ROOT

# Names whose use means the extraction package finds profiles or reads files itself.
LOOKUPS = {"profile_for_host", "profiles", "get_profile", "site_id_for_url", "environ", "getenv"}
READS = {"open", "read_text", "read_bytes", "tomllib", "resources"}

PAGE = (
    "<html><head><title>Wrong title | Radio</title></head><body><div class='story'><h2 class='headline'>"
    "بلدية طرابلس تفتتح مكتبة عامة جديدة</h2><div class='txt'><p>"
    + "افتتحت بلدية طرابلس اليوم مكتبة عامة جديدة في وسط المدينة تضم آلاف الكتب. " * 4
    + "</p></div></div></body></html>"
).encode()
URL = "https://radio.example.ly/news/1"  # a host no bundled profile names
PROFILE = SiteProfile(
    id="local-radio",
    name="Radio",
    language="ar",
    domains=("radio.example.ly",),
    start_urls=("https://radio.example.ly/",),
    selectors={"title": "h2.headline", "body": "div.txt"},
)


def test_the_extraction_package_looks_nothing_up_and_reads_no_file() -> None:
    found = []
    for path in sorted((ROOT / "archiver" / "extraction").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
            if isinstance(node, ast.alias):
                name = node.name.split(".")[-1]
            if isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if name in LOOKUPS | READS:
                found.append(f"{Path(path).name}:{node.lineno}: {name}")  # type: ignore[attr-defined]
    assert found == []


def test_the_profile_passed_is_the_profile_used() -> None:
    generic = extract_article(PAGE, URL, None)
    profiled = extract_article(PAGE, URL, None, PROFILE)
    assert generic["site"] == "radio.example.ly" and profiled["site"] == "local-radio"
    assert profiled["title"] == "بلدية طرابلس تفتتح مكتبة عامة جديدة"
    checked = check_page(PAGE, URL, None, PROFILE)
    assert checked.profile is PROFILE and checked.layers["title"] == "profile:local-radio"
