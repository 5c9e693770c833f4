"""The store layout: every object key of an archive is built and read back here, and nowhere else.

    warc/{site}/{YYYY}/{MM}/{DD}/{site}-{crawl_id}-{serial:05d}.warc.gz   raw HTTP exchanges (immutable; before:
                                                                   {crawl_id}-{serial:05d}.warc.gz)
    articles/{site}/{article_id}/{fetched_at:%Y%m%dT%H%M%S%fZ}.json one article version (immutable)
    claims/{site}/{article_id}.{content hash hex}                  the claim of one article version
    warc/imported/{YYYY}/{MM}/{DD}/imported-{import_id}-{serial:05d}.warc.gz
                                                                   a WARC file made elsewhere, imported as received
    crawls/{crawl_id}/manifest.json                                the manifest of one crawl (or import)
    indexes/cdxj/{site}--{warc name}.cdxj                          the CDXJ index of one WARC file
    custody/{YYYY}/{MM}/{seq:010d}.jsonl                           one line of the custody log (immutable)
    custody/stamps/{YYYY-MM-DD}.json                               a day's last custody line, timestamped

The spool (a local folder, not the store) keeps set-aside entries under `quarantine/`; that name lives here too.
Keys already in stores are read as they are: a parser accepts every form this module ever wrote.
docs/formats.md describes each key.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

WARC_PREFIX = "warc/"
ARTICLES_PREFIX = "articles/"
CLAIMS_PREFIX = "claims/"
CRAWLS_PREFIX = "crawls/"
CDXJ_PREFIX = "indexes/cdxj/"
CUSTODY_PREFIX = "custody/"
CUSTODY_STAMPS_PREFIX = "custody/stamps/"
MANIFEST_NAME = "manifest.json"
WARC_SUFFIX = ".warc.gz"
ARTICLE_SUFFIX = ".json"
CDXJ_SUFFIX = ".cdxj"
VERSION_STAMP = "%Y%m%dT%H%M%S%fZ"  # an article version's name: its capture's fetch time, UTC
QUARANTINE_DIR = "quarantine"  # under the spool root: entries recovery could never store


def warc_key(site: str, crawl_id: str, day: datetime, serial: int) -> str:
    # The site leads the file name: tools that key WARC files by name (WACZ, pywb collections) see one name per
    # file, where `{crawl_id}-{serial}` alone repeated for every site of a crawl.
    return f"{WARC_PREFIX}{site}/{day:%Y/%m/%d}/{site}-{crawl_id}-{serial:05d}{WARC_SUFFIX}"


IMPORTED_FOLDER = "imported"  # the `site` folder of WARC files made by other tools (they may hold many sites)
IMPORT_ID_PREFIX = "import-"  # an import's id (its manifest is `crawls/{import_id}/manifest.json`)


def imported_warc_key(import_id: str, day: datetime, serial: int) -> str:
    """Where an imported WARC file is kept, unchanged: a name unique in the store (its import's id and a serial),
    so two imports of files both called `data.warc.gz` never meet. Its original name is in the import's manifest."""
    return warc_key(IMPORTED_FOLDER, import_id, day, serial)


def is_imported_warc(key: str) -> bool:
    """A WARC file made by another tool (kept as received), not written by this archive."""
    return key.startswith(f"{WARC_PREFIX}{IMPORTED_FOLDER}/")


def new_import_id(moment: datetime, token: str) -> str:
    return f"{IMPORT_ID_PREFIX}{moment:%Y%m%dT%H%M%SZ}-{token}"


def import_manifest_keys(keys: list[str]) -> list[str]:
    """The manifests of imports among these keys (`crawls/import-.../manifest.json`)."""
    return [k for k in keys if is_manifest_key(k) and k[len(CRAWLS_PREFIX) :].startswith(IMPORT_ID_PREFIX)]


def article_key(site: str, article_id: str, fetched_at: datetime) -> str:
    return f"{ARTICLES_PREFIX}{site}/{article_id}/{fetched_at:{VERSION_STAMP}}{ARTICLE_SUFFIX}"


def version_claim_key(site: str, article_id: str, content_hash: str) -> str:
    """The claim of one article version: whoever creates it first (no-overwrite put) stores that version."""
    return f"{CLAIMS_PREFIX}{site}/{article_id}.{content_hash.removeprefix('sha256:')}"


def manifest_key(crawl_id: str) -> str:
    return f"{CRAWLS_PREFIX}{crawl_id}/{MANIFEST_NAME}"


def custody_line_key(seq: int, moment: datetime) -> str:
    """Line `seq` of the custody log, filed under the month of its time (archiver/custody/log.py)."""
    return f"{CUSTODY_PREFIX}{moment:%Y/%m}/{seq:010d}.jsonl"


def custody_stamp_key(day: date) -> str:
    return f"{CUSTODY_STAMPS_PREFIX}{day.isoformat()}.json"


def cdxj_key(warc: str) -> str:
    """`warc/{site}/{Y}/{M}/{D}/{name}.warc.gz` -> `indexes/cdxj/{site}--{name}.cdxj`: one flat folder, because
    pywb reads every CDXJ file of one directory (not of its subdirectories) as a collection's index."""
    parts = warc.split("/")
    name = parts[-1].removesuffix(".gz").removesuffix(".warc")
    return f"{CDXJ_PREFIX}{parts[1]}--{name}{CDXJ_SUFFIX}" if len(parts) > 2 else f"{CDXJ_PREFIX}{name}{CDXJ_SUFFIX}"


def site_articles_prefix(site: str | None = None) -> str:
    """The prefix listing every article version of one site (all sites when `site` is None)."""
    return f"{ARTICLES_PREFIX}{site}/" if site else ARTICLES_PREFIX


def is_manifest_key(key: str) -> bool:
    """A crawl manifest's key: `crawls/{crawl_id}/manifest.json`."""
    return key.startswith(CRAWLS_PREFIX) and key.endswith("/" + MANIFEST_NAME)


def is_crawl_key(key: str) -> bool:
    """Anything under `crawls/` (manifests, which no manifest lists)."""
    return key.startswith(CRAWLS_PREFIX)


def is_article_key(key: str) -> bool:
    return key.startswith(ARTICLES_PREFIX) and key.endswith(ARTICLE_SUFFIX)


def is_warc_key(key: str) -> bool:
    return key.endswith(WARC_SUFFIX)


def site_of(key: str) -> str | None:
    """The site a WARC or article key names (`indexes/cdxj/...`, claims and manifests name none here)."""
    if key.startswith((WARC_PREFIX, ARTICLES_PREFIX)) and key.count("/") > 1:
        return key.split("/")[1]
    return None


def crawl_id_of_warc(key: str) -> str:
    """The crawl that wrote a WARC: its file name up to the serial, without the site that leads new names
    (`{site}-{crawl_id}-{serial}.warc.gz`; older stores: `{crawl_id}-{serial}.warc.gz`)."""
    stem = key.rsplit("/", 1)[-1].rsplit("-", 1)[0]
    site = site_of_warc(key) if key.startswith(WARC_PREFIX) else None
    return stem.removeprefix(f"{site}-") if site else stem


def site_of_warc(key: str) -> str | None:
    """The site folder of a WARC key (None for a bare file name, as WARCs from elsewhere may be)."""
    parts = key.split("/")
    return parts[1] if len(parts) > 2 else None


def article_id_of(key: str) -> str | None:
    """The article id in an article version's key (`articles/{site}/{id}/{version}.json`), else None."""
    parts = key.split("/")
    return parts[2] if len(parts) == 4 else None


def article_of_version(key: str) -> str:
    """The key prefix all versions of one article share (`articles/{site}/{id}`)."""
    return key.rsplit("/", 1)[0]


class ArticleKey(NamedTuple):
    site: str
    article_id: str
    version: str  # the fetch-time stamp, as named in the key


def parse_article_key(key: str) -> ArticleKey | None:
    """The parts of `articles/{site}/{article_id}/{version}.json`; None for any other key."""
    if not is_article_key(key):
        return None
    parts = key[len(ARTICLES_PREFIX) : -len(ARTICLE_SUFFIX)].split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return ArticleKey(*parts)
