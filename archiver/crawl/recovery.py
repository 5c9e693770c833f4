"""Before a crawl starts: finish what a crashed crawl left in the spool, so nothing captured is lost."""

from __future__ import annotations

from dataclasses import dataclass, field

from archiver.crawl.archive import manifest_key, write_manifest
from archiver.crawl.naming import WORKER_MARK, job_id_of
from archiver.crawl.publish import publish_warc
from archiver.spool import Spool
from archiver.store import Store
from archiver.warc.records import utcnow


@dataclass
class Recovery:
    salvaged: list[str] = field(default_factory=list)  # open WARCs of dead crawls, cut to complete records
    uploaded: list[str] = field(default_factory=list)  # spool files now in the store
    manifests: list[str] = field(default_factory=list)  # manifests written for crawls that died

    @property
    def anything(self) -> bool:
        return bool(self.salvaged or self.uploaded or self.manifests)


def crawl_id_of(warc_key: str) -> str:
    return warc_key.rsplit("/", 1)[-1].rsplit("-", 1)[0]


def recover_spool(store: Store, spool: Spool) -> Recovery:
    report = Recovery(salvaged=spool.salvage_orphans())
    for key, path in list(spool.closed_files()):
        crawl_id = crawl_id_of(key)
        if spool.crawl_alive(crawl_id):
            continue  # another crawl on this machine (a worker of a shared crawl) uploads its own files
        index, result = publish_warc(store, spool, key, path)
        for entry, kind in ((index, "cdxj"), (result, "warc")):
            spool.append_journal(crawl_id, {"key": entry.key, "sha256": entry.sha256, "size": entry.size, "kind": kind})
        report.uploaded.append(key)
    for crawl_id in spool.orphan_journals():
        if not store.exists(manifest_key(crawl_id)):
            entries = spool.read_journal(crawl_id)
            sites = sorted({str(e["key"]).split("/")[1] for e in entries if str(e["key"]).count("/") > 1})
            counts = {"objects": len(entries)}
            job = job_id_of(crawl_id)
            extra = {"job": job, "worker": crawl_id.removeprefix(job + WORKER_MARK)} if job != crawl_id else {}
            report.manifests.append(
                write_manifest(store, spool, crawl_id, "recovered", None, utcnow(), {}, sites, counts, extra)
            )
        spool.journal_path(crawl_id).unlink(missing_ok=True)
        (spool.root / "open" / f"{crawl_id}.lock").unlink(missing_ok=True)
    return report
