"""Nothing lost, nothing wedged: a store killed mid-crawl, crawls SIGKILLed at several points, a crawl id used
twice, bad site ids, a bad spool entry. After each, one more crawl leaves every article a metadata record names
readable in the store, and `verify` passes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, archiver, crawl_args
from tests.fixtureweb.numbered import slow_site
from tests.fixtureweb.server import FixtureWeb
from tests.seaweed import KillableSeaweed


def promised_articles(warcs: Iterator[bytes]) -> set[str]:
    """Article keys named by the metadata records of these WARC files (read with warcio, not our indexer)."""
    keys = set()
    for data in warcs:
        for record in ArchiveIterator(io.BytesIO(data)):
            if record.rec_type == "metadata":
                for line in record.content_stream().read().decode("utf-8").splitlines():
                    if line.startswith("article-key:"):
                        keys.add(line.split(":", 1)[1].strip())
    return keys


def local_warcs(store: Path) -> Iterator[bytes]:
    for path in sorted((store / "warc").rglob("*.warc.gz")):
        yield path.read_bytes()


def start_crawl(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_s3_killed_mid_crawl_loses_no_article(tmp_path: Path) -> None:
    import boto3

    seaweed = KillableSeaweed()
    seaweed.start()
    try:
        client = boto3.client(
            "s3",
            endpoint_url=seaweed.env["AWS_ENDPOINT_URL"],
            aws_access_key_id=seaweed.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=seaweed.env["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
        env = {**seaweed.env, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
        wait_for(lambda: _create_bucket(client, "outage"), timeout=60)
        store = "s3://outage/arch"

        def stored_articles() -> list[str]:
            answer = client.list_objects_v2(Bucket="outage", Prefix="arch/articles/")
            return [item["Key"] for item in answer.get("Contents", [])]

        site = slow_site("127.0.0.61", count=40, delay=0.1)
        with FixtureWeb([site]):
            args = crawl_args(site.url("/"), store=store, extra=("--set=CONCURRENT_REQUESTS_PER_DOMAIN=1",))
            first = start_crawl(args, env)
            wait_for(lambda: len(stored_articles()) >= 5)
            seaweed.kill()  # the store dies mid-crawl
            _out, err = first.communicate(timeout=240)
            assert first.returncode == 1, err.decode()[-2000:]
            assert "Traceback" not in err.decode()
            seaweed.start()  # back, on the same data
            again = archiver(*crawl_args(site.url("/"), store=store), env=env)
            assert again.returncode == 0, again.stderr[-3000:]

        check = archiver("verify", f"--store={store}", env=env)
        assert check.returncode == 0, check.stdout + check.stderr[-2000:]
        keys = [item["Key"] for item in client.list_objects_v2(Bucket="outage", Prefix="arch/warc/")["Contents"]]
        warcs = (client.get_object(Bucket="outage", Key=key)["Body"].read() for key in keys)
        promised = promised_articles(warcs)
        assert len(promised) == 40  # every article of the site, none lost, none stored twice
        stored = {key.removeprefix("arch/") for key in stored_articles()}
        assert promised == stored  # no article without the record that links it to its capture
        for key in promised:
            article = json.loads(client.get_object(Bucket="outage", Key=f"arch/{key}")["Body"].read())
            assert article["capture"]["warc_file"].startswith("warc/")
    finally:
        seaweed.close()


def _create_bucket(client, name: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        client.create_bucket(Bucket=name)
    except Exception:  # noqa: BLE001 - SeaweedFS needs a moment for its first volume
        return False
    return True


def test_sigkill_at_several_points_then_a_clean_run(tmp_path: Path) -> None:
    store = tmp_path / "archive"
    site = slow_site("127.0.0.62", count=40, delay=0.05)

    def spool_articles() -> int:
        logs = list((store / ".spool" / "articles").glob("*.log")) if (store / ".spool").exists() else []
        return sum(path.read_bytes().count(b'{"key": "articles/') for path in logs)

    with FixtureWeb([site]):
        for round_no, kill_after in enumerate((1, 3, 6)):
            args = crawl_args(
                site.url("/"), store=str(store), extra=(f"--crawl-id=kill-{round_no}", "--set=CONCURRENT_REQUESTS=2")
            )
            proc = start_crawl(args)
            wait_for(lambda n=kill_after, p=proc: spool_articles() >= n or p.poll() is not None)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        clean = archiver(*crawl_args(site.url("/"), store=str(store)))
        assert clean.returncode == 0, clean.stderr[-3000:]
    promised = promised_articles(local_warcs(store))
    assert promised, "no article was archived"
    missing = [key for key in promised if not (store / key).is_file()]
    assert missing == []
    stored = {str(p.relative_to(store)) for p in (store / "articles").rglob("*.json")}
    assert stored == promised  # and no article without the record that links it to its capture
    check = archiver("verify", f"--store={store}")
    assert check.returncode == 0, check.stdout
    for round_no in range(3):
        manifest = json.loads((store / "crawls" / f"kill-{round_no}" / "manifest.json").read_text())
        assert "cdxj" not in manifest["sites"]  # a recovered manifest names real sites only
        assert manifest["sites"] in ([], ["127.0.0.62"])


def test_verify_names_an_article_a_metadata_record_promises(tmp_path: Path, crawled) -> None:  # type: ignore[no-untyped-def]
    import shutil

    store = tmp_path / "store"
    shutil.copytree(crawled.store, store)
    promised = sorted(promised_articles(local_warcs(store)))
    victim = promised[len(promised) // 2]
    (store / victim).unlink()
    # The manifest's entry for it is dropped too, as when the write never happened: only the record promises it.
    for manifest_path in (store / "crawls").rglob("manifest.json"):
        manifest = json.loads(manifest_path.read_text())
        manifest["objects"] = [entry for entry in manifest["objects"] if entry["key"] != victim]
        manifest_path.write_text(json.dumps(manifest))
    run = archiver("verify", f"--store={store}", "--catalog", str(tmp_path / "none.sqlite"))
    assert run.returncode == 1
    assert any(line.startswith(f"{victim}: named by a metadata record in warc/") for line in run.stdout.splitlines())


def test_the_same_crawl_id_twice_is_refused_and_wedges_nothing(tmp_path: Path) -> None:
    store = tmp_path / "archive"
    site = slow_site("127.0.0.63", count=3, delay=0)
    with FixtureWeb([site]):
        first = archiver(*crawl_args(site.url("/"), store=str(store), extra=("--crawl-id=same",)))
        assert first.returncode == 0, first.stderr[-2000:]
        before = sorted(p.relative_to(store) for p in store.rglob("*") if p.is_file() and ".catalog" not in p.parts)
        second = archiver(*crawl_args(site.url("/"), store=str(store), extra=("--crawl-id=same",)))
        assert second.returncode == 2
        assert second.stderr.strip().splitlines()[-1].startswith("archiver: crawl id 'same' is already in the store")
        after = sorted(p.relative_to(store) for p in store.rglob("*") if p.is_file() and ".catalog" not in p.parts)
        assert after == before  # nothing written
        third = archiver(*crawl_args(site.url("/"), store=str(store)))
        assert third.returncode == 0, third.stderr[-2000:]


def test_recovery_sets_a_bad_spool_entry_aside_and_goes_on(tmp_path: Path) -> None:
    """A closed WARC whose index key is taken by different bytes (what a reused crawl id left) blocks nothing."""
    from archiver.crawl.archive.recovery import recover_spool
    from archiver.crawl.archive.spool import Spool
    from archiver.store.local import LocalStore
    from archiver.warc import records
    from archiver.warc.writer import WarcFile

    store = LocalStore(tmp_path / "archive")
    spool = Spool.for_store(store)
    keys = ["warc/site/2026/01/01/dead-00000.warc.gz", "warc/site/2026/01/01/other-00000.warc.gz"]
    for key in keys:
        warc = WarcFile(spool.open_path(key), key, [("software", "test")], records.utcnow())
        warc.close()
        spool.mark_closed(warc.path)
    store.put_bytes("indexes/cdxj/site--dead-00000.cdxj", b"taken\n", content_type="text/plain")
    # What a profile id with '..' left (a key the store refuses), and a journal whose crawl id names no manifest.
    dotdot = "warc/../2026/01/01/dotdot-00000.warc.gz"
    warc = WarcFile(spool.open_path(dotdot), dotdot, [("software", "test")], records.utcnow())
    warc.close()
    spool.mark_closed(warc.path)
    spool.append_journal(".bad", {"key": "x", "sha256": "0" * 64, "size": 0, "kind": "warc"})
    report = recover_spool(store, spool)
    assert report.uploaded == [keys[1]]
    assert len(report.set_aside) == 3, report.set_aside
    assert any(line.startswith(keys[0]) for line in report.set_aside)
    assert any(line.startswith(dotdot) for line in report.set_aside)
    assert any(line.startswith("manifest of crawl .bad") for line in report.set_aside)
    quarantined = sorted(p.name for p in (spool.root / "quarantine").iterdir())
    assert len(quarantined) == 3 and any(name.endswith("dead-00000.warc.gz") for name in quarantined)
    assert list((spool.root / "closed").iterdir()) == []
    assert recover_spool(store, spool).set_aside == []  # the next run is not blocked


@pytest.mark.parametrize("bad_id", ["../escape", "a/b", ".hidden"])
def test_a_profile_with_a_bad_site_id_is_refused_naming_its_file(tmp_path: Path, bad_id: str) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text(
        f'id = "{bad_id}"\nname = "Bad"\nlanguage = "ar"\ndomains = ["bad.example"]\n'
        'start_urls = ["http://bad.example/"]\n',
        encoding="utf-8",
    )
    run = archiver("crawl", "bad", f"--store={tmp_path / 'archive'}", env={"ARCHIVER_PROFILES_DIR": str(tmp_path)})
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith(f"archiver: site profile {profile}: id {bad_id!r}")
    assert not (tmp_path / "archive").exists()


def test_two_crawls_at_once_store_one_version_per_content_hash(tmp_path: Path) -> None:
    from collections import Counter

    store = tmp_path / "archive"
    site = slow_site("127.0.0.66", count=30, delay=0.05)
    with FixtureWeb([site]):
        args = crawl_args(site.url("/"), store=str(store))
        both = [start_crawl(args), start_crawl(args)]
        for proc in both:
            _out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err.decode()[-3000:]
    versions = Counter()
    for path in (store / "articles").rglob("*.json"):
        article = json.loads(path.read_text(encoding="utf-8"))
        versions[(article["id"], article["content_hash"])] += 1
    assert len(versions) == 30
    assert set(versions.values()) == {1}, [k for k, n in versions.items() if n > 1]
    promised = promised_articles(local_warcs(store))
    assert promised and all((store / key).is_file() for key in promised)
    check = archiver("verify", f"--store={store}")
    assert check.returncode == 0, check.stdout


def test_an_article_whose_json_is_missing_is_archived_again(tmp_path: Path) -> None:
    """The catalog and the metadata records say the article was archived; the store lacks its JSON (what a lost
    write left before): the next crawl fetches and stores it again instead of counting it as archived."""
    store = tmp_path / "archive"
    site = slow_site("127.0.0.67", count=3, delay=0)
    with FixtureWeb([site]):
        first = archiver(*crawl_args(site.url("/"), store=str(store)))
        assert first.returncode == 0, first.stderr[-2000:]
        lost = sorted((store / "articles").rglob("*.json"))[0]
        article_id = lost.parent.name
        lost.unlink()
        again = archiver(*crawl_args(site.url("/"), store=str(store)))
        assert again.returncode == 0, again.stderr[-2000:]
    assert list(lost.parent.glob("*.json")), "the article was not archived again"
    assert len(site.fetched("/news/")) == 4  # three articles, then only the lost one again
    assert article_id in lost.parent.as_posix()
