"""WARC file names are unique across the store (other tools key files by name), and old names still read."""

from __future__ import annotations

import gzip
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tests.conftest import CrawledArchive, archiver


def test_every_warc_file_name_is_unique_and_names_its_site(crawled: CrawledArchive) -> None:
    files = sorted((crawled.store / "warc").rglob("*.warc.gz"))
    sites = {path.relative_to(crawled.store / "warc").parts[0] for path in files}
    assert len(sites) > 1  # the collision only shows with several sites in one crawl
    names = [path.name for path in files]
    assert len(names) == len(set(names)), names
    for path in files:
        site = path.relative_to(crawled.store / "warc").parts[0]
        assert path.name.startswith(f"{site}-"), path.name
        with path.open("rb") as handle:
            warcinfo = next(iter(ArchiveIterator(handle)))
        assert warcinfo.rec_headers.get_header("WARC-Filename") == path.name


def test_snapshot_warc_compression_follows_the_suffix(crawled: CrawledArchive, tmp_path: Path) -> None:
    url = f"{next(iter(crawled.web.sites.values())).origin}/"
    plain = tmp_path / "s.warc"
    run = archiver("snapshot", url, "--format", "warc", "--out", str(plain), f"--store={crawled.store}")
    assert run.returncode == 0, run.stderr
    assert plain.read_bytes()[:8] == b"WARC/1.1"
    packed = tmp_path / "s.warc.gz"
    run = archiver("snapshot", url, "--format", "warc", "--out", str(packed), f"--store={crawled.store}")
    assert run.returncode == 0, run.stderr
    assert gzip.decompress(packed.read_bytes()).startswith(b"WARC/1.1")
    run = archiver("snapshot", url, "--format", "warc", "--out", str(tmp_path / "s.txt"), f"--store={crawled.store}")
    assert run.returncode == 2 and ".warc" in run.stderr and not (tmp_path / "s.txt").exists()


def test_index_names_for_old_and_new_warc_names_do_not_collide() -> None:
    from archiver.store.layout import cdxj_key

    old = cdxj_key("warc/alwasat/2026/01/01/c1-00000.warc.gz")
    new = cdxj_key("warc/alwasat/2026/01/01/alwasat-c1-00000.warc.gz")
    assert old == "indexes/cdxj/alwasat--c1-00000.cdxj" and new != old


def test_crawl_id_of_new_and_old_names() -> None:
    from archiver.store.layout import crawl_id_of_warc as crawl_id_of

    assert crawl_id_of("warc/al-wasat/2026/01/01/al-wasat-20260101T000000Z-ab12cd-00003.warc.gz") == (
        "20260101T000000Z-ab12cd"
    )
    assert crawl_id_of("warc/alwasat/2026/01/01/live-1-00000.warc.gz") == "live-1"
