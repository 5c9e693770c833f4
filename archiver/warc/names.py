"""WARC file names: `{site}-{crawl_id}-{serial}.warc.gz`, unique across the store; older stores wrote
`{crawl_id}-{serial}.warc.gz` (the same name for every site of a crawl), which is still read."""

from __future__ import annotations


def warc_file_name(site: str, crawl_id: str, serial: int) -> str:
    # The site leads the name: tools that key WARC files by name (WACZ, pywb collections) see one name per file.
    return f"{site}-{crawl_id}-{serial:05d}.warc.gz"


def crawl_id_of(warc_key: str) -> str:
    """The crawl id of a store key `warc/{site}/Y/M/D/{name}`, for new and old names alike."""
    parts = warc_key.split("/")
    stem = parts[-1].rsplit("-", 1)[0]
    site = parts[1] if len(parts) > 2 and parts[0] == "warc" else ""
    return stem.removeprefix(f"{site}-") if site else stem
