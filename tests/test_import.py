"""`archiver import`: WARC files written by Debian's wget, WACZ files written by py-wacz, and a local pywb serving a
collection as the "public archive" (its CDX API and `id_` replay are the real Wayback interface); each checked with
history, snapshot, verify and export. Bad inputs give one line and leave the store as it was."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.importing.wayback import parse_cdx, replay_prefix
from tests.conftest import ROOT, archiver, crawl_args
from tests.fixtureweb.server import FixtureWeb
from tests.fixtureweb.sites import FEED_ARTICLES, SAHIL_ARTICLES

WACZ = ROOT / ".venv-wacz" / "bin" / "wacz"
PYWB = ROOT / ".venv-pywb" / "bin"
ARABIC = SAHIL_ARTICLES[0][0]  # /2024/03/15/water-network-maintenance/
ARABIC_TITLE = "مشروع صيانة شبكة المياه في طرابلس"
ENGLISH = FEED_ARTICLES[0][0]  # /news/port-berth-reopens


def _wget(web: FixtureWeb, folder: Path, name: str) -> Path:
    """Debian's wget writing a WARC of two Arabic article pages, an English one and a listing."""
    sahil, feed = web.sites["sahil"], web.sites["feedonly"]
    urls = [sahil.url(ARABIC), sahil.url(SAHIL_ARTICLES[2][0]), feed.url(ENGLISH), sahil.url("/category/libya/")]
    if shutil.which("wget") is None:
        pytest.fail("wget is not installed: apt-get install wget (Debian's wget writes the WARC files imported here)")
    folder.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        ["wget", "--quiet", f"--warc-file={name}", "--output-document=/dev/null", "--tries=1", *urls],
        cwd=folder,
        capture_output=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return folder / f"{name}.warc.gz"


@pytest.fixture(scope="module")
def wget_warc(web: FixtureWeb, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _wget(web, tmp_path_factory.mktemp("wget"), "sahil-wget")


def _article_rows(store: Path, folder: Path) -> list[dict]:
    out = folder / "rows.jsonl"
    run = archiver("export", "--format=jsonl", f"--out={out}", f"--store={store}")
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _check_imported_store(store: Path, url: str, imported_from: str, folder: Path) -> dict:
    """history, snapshot, verify and export of an imported Arabic article; returns its snapshot JSON."""
    history = archiver("history", url, f"--store={store}", "--format=json")
    assert history.returncode == 0, history.stderr
    entries = json.loads(history.stdout)
    assert [e["new_version"] for e in entries] == [True]
    assert entries[0]["title"] == ARABIC_TITLE
    snap = archiver("snapshot", url, f"--store={store}")
    assert snap.returncode == 0, snap.stderr
    article = json.loads(snap.stdout)
    assert article["title"] == ARABIC_TITLE and article["language"] == "ar"
    assert article["capture"]["source"] == "imported"
    assert article["capture"]["imported_from"].startswith(imported_from)
    html = archiver("snapshot", url, f"--store={store}", "--format=html")
    assert html.returncode == 0 and ARABIC_TITLE in html.stdout, html.stderr
    verify = archiver("verify", f"--store={store}")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "intact" in verify.stderr
    rows = _article_rows(store, folder)
    assert rows and {row["capture"]["source"] for row in rows} == {"imported"}
    assert {row["language"] for row in rows} == {"ar", "en"}  # the Arabic pages and the English one
    return article


def test_a_wget_warc_is_imported_unchanged_and_its_articles_archived(wget_warc: Path, tmp_path: Path) -> None:
    store = tmp_path / "archive"
    run = archiver("import", str(wget_warc), f"--store={store}")
    assert run.returncode == 0, run.stderr
    assert "sahil-wget.warc.gz: " in run.stdout and "3 article page(s)" in run.stdout  # the listing is no article
    stored = [p for p in (store / "warc" / "imported").rglob("*.warc.gz")]
    assert len(stored) == 1 and stored[0].read_bytes() == wget_warc.read_bytes()  # byte for byte as wget wrote it
    manifests = sorted((store / "crawls").glob("import-*/manifest.json"))
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text(encoding="utf-8"))
    [entry] = manifest["import"]["inputs"]
    assert entry["name"] == "sahil-wget.warc.gz" and entry["status"] == "imported"
    assert entry["sha256"] == next(o["sha256"] for o in manifest["objects"] if o["key"].startswith("warc/imported/"))
    # Our own WARC beside it says where the records came from (warcinfo) and links each article (metadata).
    ours = [p for p in (store / "warc").rglob("*.warc.gz") if "imported" not in p.parts]
    own = [(r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(ours[0].open("rb"))]
    assert b"capture-method: imported" in own[0][1]
    first = next(iter(ArchiveIterator(wget_warc.open("rb")))).rec_headers.get_header("WARC-Record-ID")
    arrival = [(h, c) for h, c in own if h.get_header("WARC-Target-URI") == f"urn:sha256:{entry['sha256']}"]
    assert len(arrival) == 1 and arrival[0][0].get_header("WARC-Refers-To") == first  # wget's warcinfo
    fields = arrival[0][1].decode()
    assert "imported-file: sahil-wget.warc.gz" in fields and f"sha256-on-arrival: {entry['sha256']}" in fields
    article = _check_imported_store(store, web_url(wget_warc, ARABIC), "sahil-wget.warc.gz", tmp_path)
    assert article["capture"]["warc_file"] == stored[0].relative_to(store).as_posix()
    custody = [json.loads(p.read_text()) for p in sorted((store / "custody").rglob("*.jsonl"))]
    assert [line["action"] for line in custody].count("import") == 1
    assert {"name": "sahil-wget.warc.gz", "sha256": entry["sha256"]} in [
        {"name": i["name"], "sha256": i["sha256"]} for i in custody[0]["inputs"]
    ]

    # Coverage counts the imported articles as imported, under the site their URLs name.
    cover = archiver("coverage", f"--site={article['site']}", "--format=json", f"--store={store}")
    assert cover.returncode == 0, cover.stderr
    [site] = json.loads(cover.stdout)["sites"]
    held = {p.parent.name for p in (store / "articles" / article["site"]).rglob("*.json")}
    assert site["articles"] == site["imported"] == len(held) > 0

    again = archiver("import", str(wget_warc), f"--store={store}")
    assert again.returncode == 0, again.stderr
    assert "already imported by " + manifest["crawl_id"] in again.stdout
    assert "nothing new to import" in again.stderr
    assert len(list((store / "crawls").glob("import-*/manifest.json"))) == 1


def web_url(warc: Path, path: str) -> str:
    """The fixture URL of `path` as the WARC names it (the session's sahil site)."""
    for record in ArchiveIterator(warc.open("rb")):
        uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<>")
        if uri.endswith(path):
            return uri
    raise AssertionError(f"{path} not in {warc}")


def test_a_py_wacz_package_is_imported_and_a_later_equal_capture_is_no_new_version(
    web: FixtureWeb, wget_warc: Path, tmp_path: Path
) -> None:
    wacz = tmp_path / "sahil.wacz"
    made = subprocess.run(
        [str(WACZ), "create", "-o", str(wacz), str(wget_warc)], cwd=tmp_path, capture_output=True, check=False
    )
    assert made.returncode == 0, made.stderr
    store = tmp_path / "archive"
    run = archiver("import", str(wacz), f"--store={store}")
    assert run.returncode == 0, run.stderr
    assert "sahil.wacz#archive/sahil-wget.warc.gz" in run.stdout
    url = web_url(wget_warc, ARABIC)
    _check_imported_store(store, url, "sahil.wacz#archive/", tmp_path)

    # The same pages fetched again later by wget: the same text is the version already archived, not a new one.
    later = _wget(web, tmp_path / "later", "sahil-later")
    again = archiver("import", str(later), f"--store={store}")
    assert again.returncode == 0, again.stderr
    assert "0 new article version(s), 3 equal to a version already archived" in again.stderr
    history = json.loads(archiver("history", url, f"--store={store}", "--format=json").stdout)
    assert [e["new_version"] for e in history] == [True, False]
    assert len({e["article_key"] for e in history}) == 1
    assert archiver("verify", f"--store={store}").returncode == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def public_archive(wget_warc: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """pywb serving a collection `public` built with wb-manager from the wget WARC: the "public archive". Yields
    its CDX endpoint."""
    folder = tmp_path_factory.mktemp("pywb")
    env = {**os.environ, "PYTHONPATH": ""}
    for step in (["init", "public"], ["add", "public", str(wget_warc)]):
        made = subprocess.run([str(PYWB / "wb-manager"), *step], cwd=folder, env=env, capture_output=True, check=False)
        assert made.returncode == 0, made.stderr
    port = _free_port()
    proc = subprocess.Popen(
        [str(PYWB / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/public/"
    try:
        for _attempt in range(300):
            try:
                with urllib.request.urlopen(base + "cdx?url=example.org", timeout=5):
                    break
            except OSError:
                assert proc.poll() is None, "pywb exited at start"
                time.sleep(0.1)
        yield base + "cdx"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_import_wayback_fetches_raw_captures_from_a_pywb_and_a_rerun_fetches_nothing(
    public_archive: str, wget_warc: Path, tmp_path: Path
) -> None:
    store = tmp_path / "archive"
    url = web_url(wget_warc, ARABIC)
    prefix = url.split("/2024/", 1)[0] + "/"  # the sahil site: its two articles and its listing
    args = ["import", "wayback", prefix, f"--cdx={public_archive}", "--delay=0", f"--store={store}"]
    run = archiver(*args)
    assert run.returncode == 0, run.stderr
    assert "3 capture(s) imported, 2 article page(s), 0 already in the archive" in run.stdout
    article = _check_imported_store_wayback(store, url, public_archive, tmp_path)
    replay = public_archive.removesuffix("cdx")
    assert article["capture"]["imported_from"] == f"{replay}{_stamp(article)}id_/{url}"
    # The response record: the original URL and time, and the replay URL it came from.
    warc = store / article["capture"]["warc_file"]
    with warc.open("rb") as handle:
        handle.seek(article["capture"]["offset"])
        record = next(iter(ArchiveIterator(handle)))
        assert record.rec_headers.get_header("WARC-Target-URI") == url
        assert record.rec_headers.get_header("WARC-Source-URI") == article["capture"]["imported_from"]
        original = next(r for r in ArchiveIterator(wget_warc.open("rb")) if r.rec_type == "response")
        assert record.rec_headers.get_header("WARC-Date")[:19] == original.rec_headers.get_header("WARC-Date")[:19]

    again = archiver(*args)
    assert again.returncode == 0, again.stderr
    assert "0 capture(s) imported, 0 article page(s), 3 already in the archive" in again.stdout
    assert "nothing new to import" in again.stderr
    assert len(list((store / "crawls").glob("import-*/manifest.json"))) == 1
    before = archiver(*args[:-1], "--to=2001-01-01", f"--store={tmp_path / 'other'}")  # --to reaches the CDX query
    assert before.returncode == 0 and "0 capture(s) imported, 0 article page(s), 0 already" in before.stdout


def _stamp(article: dict) -> str:
    return "".join(ch for ch in article["capture"]["fetched_at"] if ch.isdigit())[:14]


def _check_imported_store_wayback(store: Path, url: str, cdx: str, folder: Path) -> dict:
    history = json.loads(archiver("history", url, f"--store={store}", "--format=json").stdout)
    assert [e["new_version"] for e in history] == [True]
    snap = archiver("snapshot", url, f"--store={store}")
    assert snap.returncode == 0, snap.stderr
    article = json.loads(snap.stdout)
    assert article["title"] == ARABIC_TITLE and article["capture"]["source"] == "imported"
    verify = archiver("verify", f"--store={store}")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    rows = _article_rows(store, folder)
    assert len(rows) == 2 and all(r["capture"]["imported_from"].startswith(cdx.removesuffix("cdx")) for r in rows)
    return article


def test_bad_inputs_give_one_line_and_leave_the_store_as_it_was(wget_warc: Path, tmp_path: Path) -> None:
    store = tmp_path / "archive"
    text = tmp_path / "notes.warc.gz"
    text.write_text("ليست ملف WARC\n", encoding="utf-8")
    truncated = tmp_path / "cut.warc.gz"
    truncated.write_bytes(wget_warc.read_bytes()[: wget_warc.stat().st_size // 2])
    empty_wacz = tmp_path / "empty.wacz"
    with zipfile.ZipFile(empty_wacz, "w") as package:
        package.writestr("datapackage.json", "{}")
    for path, code, says in [
        (text, 2, "not a WARC or WACZ file"),
        (truncated, 1, "truncated gzip data"),
        (empty_wacz, 2, "a WACZ without WARC files in archive/"),
        (tmp_path / "missing.warc", 2, "no such file"),
    ]:
        run = archiver("import", str(wget_warc), str(path), f"--store={store}")
        assert run.returncode == code, (path, run.stderr)
        assert run.stderr.strip().count("\n") == 0 and says in run.stderr, run.stderr
    held = [p for p in store.rglob("*") if p.is_file() and ".spool" not in p.parts] if store.exists() else []
    assert held == []  # the good file given first was not imported either
    misuse = archiver("import", str(wget_warc), "--cdx=http://127.0.0.1:9/cdx", f"--store={store}")
    assert misuse.returncode == 2 and "--cdx" in misuse.stderr


def test_a_plain_warc_is_stored_with_one_gzip_member_per_record_and_verifies(wget_warc: Path, tmp_path: Path) -> None:
    plain = tmp_path / "sahil.warc"
    with gzip.open(wget_warc) as source, plain.open("wb") as out:
        shutil.copyfileobj(source, out)
    store = tmp_path / "archive"
    run = archiver("import", str(plain), f"--store={store}", "--format=json")
    assert run.returncode == 0, run.stderr
    [entry] = json.loads(run.stdout)["inputs"]
    assert entry["reframed"] is True and entry["stored_sha256"] != entry["sha256"]
    stored = store / entry["warc_key"]
    with gzip.open(stored) as records:
        assert records.read() == plain.read_bytes()  # the records' bytes unchanged
    assert archiver("verify", f"--store={store}").returncode == 0


def test_the_replay_prefix_is_derived_from_the_cdx_url_and_both_cdx_json_forms_read() -> None:
    assert replay_prefix("https://web.archive.org/cdx/search/cdx") == "https://web.archive.org/web/"
    assert replay_prefix("http://127.0.0.1:8080/public/cdx") == "http://127.0.0.1:8080/public/"
    assert replay_prefix("http://x/cdx", "http://y/coll") == "http://y/coll/"
    archive_org = (
        b'[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],'
        b'["ly,example)/a","20190501120000","http://example.ly/a","text/html","200","ABC","100"]]'
    )
    [entry] = parse_cdx(archive_org, "cdx")
    assert entry["original"] == "http://example.ly/a" and entry["timestamp"] == "20190501120000"
    pywb = b'{"url": "http://example.ly/a", "timestamp": "20190501120000"}\n{"url": "http://example.ly/b"}\n'
    assert [e["url"] for e in parse_cdx(pywb, "cdx")] == ["http://example.ly/a", "http://example.ly/b"]


def _captures_written(spool: Path) -> int:
    """Complete response records in the WARC files an import is writing (the spool's open/ folder)."""
    from archiver.warc.members import TruncatedMember, iter_members

    count = 0
    for path in (spool / "open").glob("*.warc.gz"):
        with path.open("rb") as handle:
            members = iter_members(handle)
            while True:
                try:
                    member = next(members)
                except (StopIteration, TruncatedMember):  # the end, or a record still being written
                    break
                count += b"WARC-Type: response" in member.data[:200]
    return count


def test_a_killed_wayback_import_resumes_without_fetching_a_capture_twice(
    public_archive: str, wget_warc: Path, tmp_path: Path
) -> None:
    store = tmp_path / "archive"
    url = web_url(wget_warc, ARABIC)
    prefix = url.split("/2024/", 1)[0] + "/"
    args = ["import", "wayback", prefix, f"--cdx={public_archive}", f"--store={store}"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", *args, "--delay=2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while proc.poll() is None and _captures_written(store / ".spool") == 0:
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    written = _captures_written(store / ".spool")
    assert written >= 1  # killed with at least the first capture written, before the import's end
    assert not list(store.glob("crawls/*/manifest.json"))  # it never reached its end

    resumed = archiver(*args, "--delay=0")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{3 - written} capture(s) imported" in resumed.stdout
    assert f"{written} already in the archive" in resumed.stdout  # stored by the spool recovery, not fetched again
    for path in (ARABIC, SAHIL_ARTICLES[2][0], "/category/libya/"):
        history = archiver("history", web_url(wget_warc, path), f"--store={store}", "--format=json")
        assert history.returncode == 0, history.stderr
        assert len(json.loads(history.stdout)) == 1  # one capture of each: nothing fetched twice
    verify = archiver("verify", f"--store={store}")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_crawl_after_an_import_finds_the_imported_version_and_the_catalog_files_it_by_site(
    web: FixtureWeb, wget_warc: Path, tmp_path: Path
) -> None:
    from archiver.catalog.catalog import Catalog
    from archiver.store import open_store

    store = tmp_path / "archive"
    assert archiver("import", str(wget_warc), f"--store={store}").returncode == 0
    url = web_url(wget_warc, ARABIC)
    site = web.sites["sahil"].host  # an unregistered site is named by its host
    catalog = Catalog.open(open_store(str(store)))
    try:
        rows = catalog.all_rows([site])
    finally:
        catalog.close()
    assert url in {row.url for row in rows}  # the imported file's captures are the site's, not a folder's
    crawl = archiver(*crawl_args(url, store=str(store), extra=("--max-pages=1", "--recrawl")))
    assert crawl.returncode == 0, crawl.stderr
    history = json.loads(archiver("history", url, f"--store={store}", "--format=json").stdout)
    assert [e["new_version"] for e in history] == [True, False]  # our capture shows the imported version
    assert len({e["article_key"] for e in history}) == 1
    newest = json.loads(archiver("snapshot", url, f"--store={store}").stdout)
    assert newest["capture"]["source"] == "imported"  # the version shown is the one imported first
    assert archiver("verify", f"--store={store}").returncode == 0
    health = archiver("health", f"--store={store}")  # the import is no crawl to compare the crawl's yield with
    assert health.returncode == 0 and "import-" not in health.stdout, health.stdout + health.stderr
