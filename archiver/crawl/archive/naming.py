"""Crawl ids of the workers of a shared (distributed) crawl: `{job}-w{token}`."""

from __future__ import annotations

WORKER_MARK = "-w"


def job_id_of(worker_crawl_id: str) -> str:
    """The job of a worker crawl id (`{job}-w{token}`); the id itself when it is not a worker's."""
    job, mark, token = worker_crawl_id.rpartition(WORKER_MARK)
    return job if mark and job and token.isalnum() else worker_crawl_id
