"""A site profile is checked whole when it loads: one line on stderr naming the file and the field, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.errors import ConfigError
from archiver.sites import _build, _parse
from tests.conftest import archiver

GOOD = (
    'id = "local-radio"\nname = "إذاعة محلية"\nlanguage = "ar"\ndomains = ["radio.example.ly"]\n'
    'start_urls = ["https://radio.example.ly/"]\n'
)

# (extra TOML appended to a good profile, the field named, a phrase of the message)
BROKEN = [
    ('[selectors]\nbody = "div[class=\'x"\n', "selectors.body", "is not a valid CSS selector"),
    ('[selectors]\ntitle = "//h1[@class="\n', "selectors.title", "is not a valid XPath"),
    ('[selectors]\npublished_at = "(//time"\n', "selectors.published_at", "is not a valid XPath"),
    ('[selectors]\nbody = "  "\n', "selectors.body", "must be a non-empty CSS or XPath selector"),
    ('[selectors]\nbodytext = "div.x"\n', "selectors.bodytext", "is not a selector field"),
    ('schedule = "every six hours"\n', "schedule", "is not a cron expression"),
    ('schedule = "0 */6 * *"\n', "schedule", "is not a cron expression"),
    ("article_urls = ['^/news/(\\\\d+$']\n", "article_urls", "is not a regular expression"),
    ('feeds = ["radio.example.ly/rss"]\n', "feeds", "is not an http:// or https:// URL"),
    ('sitemaps = ["ftp://radio.example.ly/s.xml"]\n', "sitemaps", "is not an http:// or https:// URL"),
    ("aggregator = 1\n", "aggregator", "must be true or false"),
    ('site_names = "Radio"\n', "site_names", "must be a list of non-empty strings"),
]


def _load(text: str) -> None:
    _build("local-radio.toml", _parse("local-radio.toml", text))


@pytest.mark.parametrize(("extra", "field", "phrase"), BROKEN, ids=[b[1] + ":" + b[2][:12] for b in BROKEN])
def test_a_broken_rule_names_the_file_and_the_field(extra: str, field: str, phrase: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _load(GOOD + extra)
    message = str(raised.value)
    assert message.startswith(f"site profile local-radio.toml: {field} "), message
    assert phrase in message and "\n" not in message


@pytest.mark.parametrize(
    ("replace", "by", "field", "phrase"),
    [
        ('language = "ar"', 'language = "fr"', "language", "is not one of ar, en"),
        ('domains = ["radio.example.ly"]', 'domains = ["https://radio.example.ly/"]', "domains", "not a host name"),
        ('domains = ["radio.example.ly"]', "domains = []", "domains", "must list at least one"),
        ('start_urls = ["https://radio.example.ly/"]', 'start_urls = ["/news"]', "start_urls", "http:// or https://"),
        ('name = "إذاعة محلية"\n', "", "name", "is required"),
    ],
)
def test_required_fields_and_their_forms(replace: str, by: str, field: str, phrase: str) -> None:
    with pytest.raises(ConfigError, match=rf"^site profile local-radio.toml: {field} .*{phrase}"):
        _load(GOOD.replace(replace, by))


def test_a_good_profile_with_css_and_xpath_selectors_loads() -> None:
    _load(GOOD + '[selectors]\nbody = "div.entry p"\npublished_at = "//time/@datetime"\ntitle = "./h1"\n')


def test_an_archive_file_with_a_broken_selector_stops_the_command_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    own = folder / "alwasat.toml"  # overrides a bundled profile: the error names the archive's file
    own.write_text('id = "alwasat"\n[selectors]\nbody = "div.art-content >"\n', encoding="utf-8")
    run = archiver("sites", "list", env={"ARCHIVER_PROFILES_DIR": str(folder)})
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"archiver: site profile {own}: selectors.body 'div.art-content >' is not a valid CSS selector: "
        + run.stderr.split("CSS selector: ", 1)[1].strip()
    ]
