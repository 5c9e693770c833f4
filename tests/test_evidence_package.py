"""Evidence packages: WACZ written from the crawled store, checked by py-wacz `wacz validate` and by
`archiver verify-package` offline; one flipped byte in any kind of member fails verification, naming it."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from archiver.evidence.verify_package import verify_package
from tests.conftest import CrawledArchive, archiver
from tests.tsa import LocalTSA

WACZ = Path(__file__).resolve().parent.parent / ".venv-wacz" / "bin" / "wacz"


@dataclass
class Packages:
    folder: Path
    env: dict[str, str]
    url: str
    title: str
    one: Path
    selection: Path
    unsigned: Path
    tsa_root: Path
    signer_cert: Path


def _article(store: Path) -> dict[str, str]:
    for path in sorted((store / "articles").rglob("*.json")):
        article = json.loads(path.read_text())
        if article.get("title") and any("\u0600" <= ch <= "\u06ff" for ch in article["title"]):
            return article  # an Arabic article: right-to-left text must come through unchanged
    raise AssertionError("no Arabic article in the crawl")


@pytest.fixture(scope="module")
def packages(crawled: CrawledArchive, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Packages]:
    folder = tmp_path_factory.mktemp("packages")
    env = {"ARCHIVER_KEY_DIR": str(folder / "keys"), "ARCHIVER_TSA_URLS": ""}
    assert archiver("keys", "init", "--name", "Test Archive", env=env).returncode == 0
    article = _article(crawled.store)
    store = f"--store={crawled.store}"
    with LocalTSA() as tsa:
        shutil.copy(tsa.ca_path, folder / "tsa-root.pem")
        one = folder / "one.wacz"
        run = archiver(
            "snapshot", article["url"], "--format", "wacz", "--out", str(one), "--tsa", tsa.url, store, env=env
        )
        assert run.returncode == 0, run.stderr
        assert "signed and timestamped" in run.stdout
        selection = folder / "site.wacz"
        site = article["site"] if "site" in article else article["capture"]["warc_file"].split("/")[1]
        dead = "http://127.0.0.1:9/tsr"  # the first authority is down: the fallback answers
        run = archiver(
            "package", "--site", site, "--out", str(selection), "--tsa", dead, "--tsa", tsa.url, store, env=env
        )
        assert run.returncode == 0, run.stderr
    unsigned = folder / "unsigned.wacz"
    no_key = {"ARCHIVER_KEY_DIR": str(folder / "no-keys")}
    run = archiver("snapshot", article["url"], "--format", "wacz", "--out", str(unsigned), store, env=no_key)
    assert run.returncode == 0 and "unsigned" in run.stdout, run.stderr
    yield Packages(
        folder,
        env,
        article["url"],
        article["title"],
        one,
        selection,
        unsigned,
        folder / "tsa-root.pem",
        folder / "keys" / "archive-cert.pem",
    )


@pytest.mark.parametrize("name", ["one", "selection", "unsigned"])
def test_py_wacz_validates_every_package(packages: Packages, name: str) -> None:
    done = subprocess.run([WACZ, "validate", "-f", getattr(packages, name)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation succeeded" in done.stdout


def test_package_holds_the_capture_and_its_article(packages: Packages, crawled: CrawledArchive) -> None:
    with zipfile.ZipFile(packages.one) as archive:
        names = archive.namelist()
        assert any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)
        assert {"indexes/index.cdxj", "pages/pages.jsonl", "datapackage.json", "datapackage-digest.json"} <= set(names)
        articles = [n for n in names if n.startswith("articles/")]
        assert len(articles) == 1
        stored = json.loads(archive.read(articles[0]))
        assert stored["url"] == packages.url and stored["title"] == packages.title
        key = json.loads(archive.read("evidence/sources.json"))["articles"][articles[0]]
        assert archive.read(articles[0]) == (crawled.store / key).read_bytes()  # bytes as stored
        pages = [json.loads(line) for line in archive.read("pages/pages.jsonl").splitlines()]
        assert pages[0]["format"] == "json-pages-1.0" and pages[1]["url"] == packages.url
        manifests = json.loads(archive.read("evidence/manifests.json"))
        assert any(e["key"] == key for m in manifests for e in m["entries"])
        digest = json.loads(archive.read("datapackage-digest.json"))
        assert {"signature", "domainCert", "timeSignature", "timestampCert"} <= set(digest["signedData"])
        assert "PRIVATE" not in archive.read("datapackage-digest.json").decode()
        # Records copied byte for byte: every package record is the same gzip member as in the store.
        sources = json.loads(archive.read("evidence/sources.json"))["warc"]
        for name, source in sources.items():
            data = archive.read(name)
            original = (crawled.store / source["store_key"]).read_bytes()
            for record in source["records"]:
                start, length = record["offset"], record["length"]
                assert (
                    data[start : start + length] == original[record["store_offset"] : record["store_offset"] + length]
                )


def test_verify_package_offline_summary(packages: Packages) -> None:
    run = archiver(
        "verify-package", str(packages.one), "--trust", str(packages.tsa_root), "--trust", str(packages.signer_cert)
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"This page at {packages.url} was captured on" in run.stdout
    assert "Libya time, from the server at 127.0.0." in run.stdout
    assert "as attested by the time-stamping authority CN=Test Time-Stamping Authority." in run.stdout
    assert "signed by CN=Test Archive (a certificate you trust)" in run.stdout
    run = archiver("verify-package", str(packages.selection), "--trust", str(packages.tsa_root))
    assert (
        run.returncode == 1 and "signature: signer CN=Test Archive is not among the certificates trusted" in run.stdout
    )
    run = archiver("verify-package", str(packages.unsigned))
    assert run.returncode == 0 and "not signed" in run.stdout


def _data_span(path: Path, name: str) -> tuple[int, int]:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    with path.open("rb") as handle:
        handle.seek(info.header_offset + 26)
        header = handle.read(4)
    start = info.header_offset + 30 + int.from_bytes(header[:2], "little") + int.from_bytes(header[2:], "little")
    return start, info.file_size


def _flip_copy(source: Path, target: Path, offset: int) -> Path:
    data = bytearray(source.read_bytes())
    data[offset] ^= 0x01
    target.write_bytes(bytes(data))
    return target


def _rezip_with_flip(source: Path, target: Path, name: str, offset: int | None = None) -> Path:
    """What a tamperer with zip tools does: change one byte of a member and write a consistent zip again."""
    from archiver.evidence.wacz import Member, write_zip

    with zipfile.ZipFile(source) as archive:
        members = []
        for info in archive.infolist():
            data = bytearray(archive.read(info))
            if info.filename == name:
                data[len(data) // 2 if offset is None else offset] ^= 0x01
            members.append(Member(info.filename, data=bytes(data)))
    with target.open("wb") as out:
        write_zip(out, members)
    return target


def _member(packages: Packages, prefix: str) -> str:
    with zipfile.ZipFile(packages.one) as archive:
        return next(n for n in archive.namelist() if n.startswith(prefix))


def _field_offset(packages: Packages, field: str) -> int:
    with zipfile.ZipFile(packages.one) as archive:
        text = archive.read("datapackage-digest.json")
    return text.index(f'"{field}": "'.encode()) + len(field) + 4 + 20


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("archive/", "its sha256 does not match datapackage.json"),
        ("indexes/index.cdxj", "indexes/index.cdxj: its sha256 does not match"),
        ("pages/pages.jsonl", "pages/pages.jsonl: its sha256 does not match"),
        ("articles/", "its sha256 does not match"),
        ("evidence/sources.json", "evidence/sources.json: its sha256 does not match"),
        ("datapackage.json", "datapackage-digest.json: the datapackage digest does not match"),
        ("signature", "signature:"),
        ("timeSignature", "timestamp:"),
    ],
)
def test_one_changed_byte_in_a_member_fails_naming_it(
    packages: Packages, tmp_path: Path, kind: str, expected: str
) -> None:
    if kind in ("signature", "timeSignature"):
        damaged = _rezip_with_flip(
            packages.one, tmp_path / "d.wacz", "datapackage-digest.json", _field_offset(packages, kind)
        )
    else:
        name = _member(packages, kind)
        damaged = _rezip_with_flip(packages.one, tmp_path / "d.wacz", name)
        if kind in ("archive/", "articles/"):
            expected = f"{name}: {expected}"
    run = archiver("verify-package", str(damaged), "--trust", str(packages.tsa_root))
    assert run.returncode == 1, run.stdout
    assert expected in run.stdout, run.stdout
    assert "zip structure" not in run.stdout  # the zip itself is consistent: only the hashes catch it
    assert "do not rely on this package" in run.stderr


def test_a_flipped_byte_in_the_zip_layout_fails(packages: Packages, tmp_path: Path) -> None:
    with zipfile.ZipFile(packages.one) as archive:
        offset = archive.getinfo("pages/pages.jsonl").header_offset + 10  # the member's modification time
    damaged = _flip_copy(packages.one, tmp_path / "damaged.wacz", offset)
    run = archiver("verify-package", str(damaged))
    assert run.returncode == 1 and "zip structure" in run.stdout, run.stdout
    start, size = _data_span(packages.one, _member(packages, "archive/"))
    damaged = _flip_copy(packages.one, tmp_path / "damaged.wacz", start + size // 2)
    run = archiver("verify-package", str(damaged))
    assert run.returncode == 1 and "archive/" in run.stdout.splitlines()[0], run.stdout


def test_any_flipped_byte_anywhere_fails(packages: Packages) -> None:
    data = packages.one.read_bytes()
    trusted = []
    from archiver.evidence.signing import load_pem_chain

    trusted = load_pem_chain(packages.tsa_root.read_bytes()) + load_pem_chain(packages.signer_cert.read_bytes())
    assert verify_package(packages.one, trusted).ok
    damaged = packages.folder / "sweep.wacz"
    step = max(1, len(data) // 250)
    missed = []
    for offset in range(0, len(data), step):
        _flip_copy(packages.one, damaged, offset)
        if verify_package(damaged, trusted).ok:
            missed.append(offset)
    assert missed == []


def test_bad_out_names_and_missing_files(packages: Packages, tmp_path: Path) -> None:
    run = archiver("snapshot", packages.url, "--format", "wacz", "--out", str(tmp_path / "x.zip"))
    assert run.returncode == 2 and "FILE.wacz" in run.stderr
    run = archiver("verify-package", str(tmp_path / "nothing.wacz"))
    assert run.returncode == 2
    (tmp_path / "junk.wacz").write_bytes(b"not a zip")
    run = archiver("verify-package", str(tmp_path / "junk.wacz"))
    assert run.returncode == 1 and "zip structure" in run.stdout


def test_replaywebpage_opens_the_package_and_shows_the_article(packages: Packages, browser: Any) -> None:
    from tests.replayweb import ReplayWebPage

    artifacts = Path(__file__).resolve().parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    with ReplayWebPage({"one.wacz": packages.one}) as rwp:
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if "DataError" in message.text else None)
        try:
            page.goto(rwp.url_for("one.wacz", packages.url))
            shown = ""
            for _attempt in range(60):
                page.wait_for_timeout(500)
                frames = [f for f in page.frames if "mp_/" in f.url]
                if frames:
                    shown = frames[0].inner_text("body", timeout=2000)
                    if packages.title in shown:
                        break
            page.screenshot(path=str(artifacts / "replaywebpage-package.png"))
        finally:
            page.close()
    assert packages.title in shown, shown[:500]
    assert "Archived Page Not Found" not in shown
    assert errors == []  # ReplayWeb.page reads our signature without a key-format error


def test_package_carries_the_custody_lines_of_its_records(
    packages: Packages, crawled: CrawledArchive, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    shutil.copytree(crawled.store, store, ignore=shutil.ignore_patterns("*.sqlite*", ".spool", "custody"))
    with zipfile.ZipFile(packages.one) as archive:
        sources = json.loads(archive.read("evidence/sources.json"))
    warc_key = next(iter(sources["warc"].values()))["store_key"]
    ours = {
        "time": "2026-11-30T23:00:00.000000Z",
        "action": "crawl",
        "actor": "test",
        "inputs": [],
        "outputs": [{"name": warc_key, "sha256": "00" * 32}],
        "prev": "sha256:" + "0" * 64,
    }
    other = dict(ours, outputs=[{"name": "warc/elsewhere/x.warc.gz", "sha256": "11" * 32}])
    folder = store / "custody" / "2026" / "11"
    folder.mkdir(parents=True)
    (folder / "0000000001.jsonl").write_text(json.dumps(ours) + "\n")
    (folder / "0000000002.jsonl").write_text(json.dumps(other) + "\n")
    out = tmp_path / "p.wacz"
    run = archiver(
        "snapshot",
        packages.url,
        "--format",
        "wacz",
        "--out",
        str(out),
        f"--store={store}",
        f"--catalog={tmp_path / 'catalog.sqlite'}",
        env={"ARCHIVER_KEY_DIR": str(tmp_path / "none")},
    )
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(out) as archive:
        lines = [json.loads(line) for line in archive.read("evidence/custody.jsonl").splitlines()]
    assert lines == [ours]
    done = subprocess.run([WACZ, "validate", "-f", out], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert archiver("verify-package", str(out)).returncode == 0
