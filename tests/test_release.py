"""`archiver release` and `verify-release`: a citable, sealed dataset release; any changed byte is named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import CrawledArchive, archiver


@pytest.fixture(scope="module")
def released(crawled: CrawledArchive, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a copy of the crawled store, a release made from it)."""
    base = tmp_path_factory.mktemp("release")
    store = base / "store"
    shutil.copytree(crawled.store, store)
    out = base / "libya-news-2026.11"
    run = archiver(
        "release",
        "--name=أخبار ليبيا، نوفمبر 2026",
        "--version=2026.11",
        f"--out={out}",
        f"--store={store}",
        "--license=CC-BY-4.0",
        "--contact=archive@example.org",
        env={"ARCHIVER_KEY_DIR": str(base / "no-keys"), "ARCHIVER_TSA": ""},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "not signed" in run.stdout
    return store, out


def test_a_release_holds_citation_datacite_card_and_every_file_hashed(released: tuple[Path, Path]) -> None:
    store, out = released
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert names == {
        "data/articles.jsonl",
        "README.md",
        "manifest.json",
        "CITATION.cff",
        "datacite.json",
        "custody.jsonl",
        "release.json",
        "release-digest.json",
    }
    release = json.loads((out / "release.json").read_text())
    assert {f["name"] for f in release["files"]} == names - {"release.json", "release-digest.json"}
    assert release["name"] == "أخبار ليبيا، نوفمبر 2026" and release["version"] == "2026.11"
    cff = (out / "CITATION.cff").read_text()
    assert 'version: "2026.11"' in cff and "type: dataset" in cff and 'license: "CC-BY-4.0"' in cff
    assert 'title: "أخبار ليبيا، نوفمبر 2026"' in cff  # Arabic as written, not escaped
    sites = {json.loads(line)["site"] for line in (out / "data/articles.jsonl").read_text().splitlines()}
    assert all(f'  - "{site}"' in cff for site in sites)  # the outlets (unregistered ones by their site id)
    record = json.loads((out / "datacite.json").read_text())
    assert record["types"]["resourceTypeGeneral"] == "Dataset" and record["version"] == "2026.11"
    assert record["contributors"] == [{"name": "archive@example.org", "contributorType": "ContactPerson"}]
    rows = [json.loads(line) for line in (out / "data/articles.jsonl").read_text().splitlines()]
    assert rows and all(row["capture"]["record_id"].startswith("<urn:uuid:") for row in rows)
    assert release["rows"] == len(rows)
    card = (out / "README.md").read_text()
    assert "| site | month | articles |" in card
    custody = [json.loads(line) for line in (out / "custody.jsonl").read_text().splitlines()]
    assert [line["action"] for line in custody] == ["crawl"]  # the crawl that wrote the rows' WARC files
    log = archiver("custody", "show", f"--store={store}").stdout.splitlines()
    assert json.loads(log[-1])["action"] == "release" and json.loads(log[-2])["action"] == "export"
    assert archiver("custody", "verify", f"--store={store}").returncode == 0

    run = archiver("verify-release", str(out), f"--store={store}")
    assert run.returncode == 0, run.stdout
    assert "intact" in run.stderr and "1 custody lines against the store" in run.stderr


@pytest.mark.parametrize(
    ("member", "named"),
    [
        ("data/articles.jsonl", "data/articles.jsonl: sha256"),
        ("CITATION.cff", "CITATION.cff: sha256"),
        ("release.json", "release.json: its sha256 differs"),
        ("release-digest.json", "release.json: its sha256 differs"),
        ("custody.jsonl", "custody.jsonl: sha256"),
    ],
)
def test_one_flipped_byte_in_any_member_fails_naming_it(
    released: tuple[Path, Path], tmp_path: Path, member: str, named: str
) -> None:
    _store, out = released
    copy = tmp_path / "r"
    shutil.copytree(out, copy)
    path = copy / member
    data = bytearray(path.read_bytes())
    at = data.index(b"sha256:") + 10 if member == "release-digest.json" else len(data) // 2
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    run = archiver("verify-release", str(copy))
    assert run.returncode == 1
    assert any(line.startswith(named) for line in run.stdout.splitlines()), run.stdout


def test_an_existing_out_folder_is_refused(released: tuple[Path, Path]) -> None:
    store, out = released
    run = archiver("release", "--name=x", "--version=1", f"--out={out}", f"--store={store}")
    assert run.returncode == 2 and "already exists" in run.stderr


def _flip_in(path: Path, field: str) -> None:
    document = json.loads(path.read_text())
    value = document["signedData"][field]
    middle = len(value) // 2
    document["signedData"][field] = value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]
    path.write_text(json.dumps(document))


def test_a_signed_timestamped_release_verifies_and_names_a_broken_seal(crawled: CrawledArchive, tmp_path: Path) -> None:
    from archiver.evidence.keys import init_key
    from tests.tsa import LocalTSA

    store = tmp_path / "store"
    shutil.copytree(crawled.store, store)
    key = init_key("أرشيف الأخبار الليبية", tmp_path / "keys")
    (tmp_path / "archive.pem").write_text(key.certificate_pem)
    other = init_key("someone else", tmp_path / "other")
    (tmp_path / "other.pem").write_text(other.certificate_pem)
    env = {"ARCHIVER_KEY_DIR": str(tmp_path / "keys")}
    out = tmp_path / "rel"
    with LocalTSA() as tsa:
        run = archiver(
            "release", "--name=n", "--version=1", f"--out={out}", f"--store={store}", "--site=127.0.0.3",
            "--tsa=http://127.0.0.1:9/down", f"--tsa={tsa.url}", env=env,
        )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    assert "signed; timestamped" in run.stdout
    good = archiver("verify-release", str(out), f"--trust={tmp_path / 'archive.pem'}")  # offline: no TSA running
    assert good.returncode == 0, good.stdout
    assert "signed by CN=أرشيف الأخبار الليبية" in good.stderr and "Time-Stamping Authority" in good.stderr

    untrusted = archiver("verify-release", str(out), f"--trust={tmp_path / 'other.pem'}")
    assert untrusted.returncode == 1 and "not by a trusted certificate" in untrusted.stdout

    for field, named in (
        ("signature", "release-digest.json: signature"),
        ("timeSignature", "release-digest.json: timestamp"),
    ):
        copy = tmp_path / f"copy-{field}"
        shutil.copytree(out, copy)
        _flip_in(copy / "release-digest.json", field)
        run = archiver("verify-release", str(copy))
        assert run.returncode == 1 and any(line.startswith(named) for line in run.stdout.splitlines()), run.stdout
