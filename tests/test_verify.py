"""`archiver verify`: intact after a crawl; one flipped byte anywhere (WARC, article JSON, manifest) is found."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import CrawledArchive, archiver


@pytest.fixture
def store(crawled: CrawledArchive, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(crawled.store, copy)
    return copy


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_an_intact_store_verifies(store: Path) -> None:
    run = archiver("verify", f"--store={store}")
    assert run.returncode == 0, run.stdout
    assert run.stdout == "" and "intact" in run.stderr


def test_a_flipped_byte_in_a_warc_is_found(store: Path) -> None:
    warc = max((store / "warc").rglob("*.warc.gz"), key=lambda p: p.stat().st_size)
    _flip(warc, warc.stat().st_size // 2)
    run = archiver("verify", f"--store={store}")
    assert run.returncode == 1
    key = str(warc.relative_to(store))
    assert any(line.startswith(f"{key}: sha256") for line in run.stdout.splitlines())
    assert any(line.startswith(f"{key}@") for line in run.stdout.splitlines())  # the damaged record itself


def test_a_changed_article_json_is_found(store: Path) -> None:
    path = next((store / "articles").rglob("*.json"))
    article = json.loads(path.read_text(encoding="utf-8"))
    article["title"] = article["title"] + "!"
    path.write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")
    run = archiver("verify", f"--store={store}")
    assert run.returncode == 1
    assert f"{path.relative_to(store)}: sha256" in run.stdout


def test_a_changed_manifest_and_a_missing_object_are_found(store: Path) -> None:
    manifest_path = next((store / "crawls").rglob("manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    manifest["objects"][0]["sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    victim = next((store / "articles").rglob("*.json"))
    victim.unlink()
    run = archiver("verify", f"--store={store}")
    assert run.returncode == 1
    assert f"{manifest['objects'][0]['key']}: sha256" in run.stdout
    assert f"{victim.relative_to(store)}: listed in" in run.stdout


def test_an_article_pointing_at_the_wrong_record_is_found(store: Path) -> None:
    path = next((store / "articles").rglob("*.json"))
    article = json.loads(path.read_text(encoding="utf-8"))
    article["capture"]["offset"] += 1
    path.write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")
    run = archiver("verify", f"--store={store}")
    assert run.returncode == 1
    assert f"{path.relative_to(store)}: its capture record" in run.stdout
