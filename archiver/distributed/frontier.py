"""The shared frontier of a distributed crawl, kept in Redis: request queue with leases, jobs, per-origin slots.

Every worker of one crawl job talks to the same keys (prefix `archiver:`; `{id}` is the job's crawl id):

  jobs                       list of announced, unfinished job ids (what `archiver worker` watches)
  crawl:{id}:job             hash: `spec` (JSON JobSpec), `status` (running | done)
  crawl:{id}:queue           sorted set of encoded requests; score = -priority, then FIFO (`crawl:{id}:seq`)
  crawl:{id}:dupefilter      set of request fingerprints (scrapy-redis RFPDupeFilter): the crawl-wide "seen"
  crawl:{id}:leases          sorted set: lease id -> deadline (ms on the Redis clock)
  crawl:{id}:leased          hash: lease id -> "{queue score}\\n{encoded request}", to put it back
  crawl:{id}:pages           page requests accepted so far (crawl-wide --max-pages)
  crawl:{id}:workers         hash: worker token -> JSON (crawl id, host, pid, last heartbeat)
  origin:{host:port}:busy    sorted set: slot token -> expiry; its size is the origin's crawl-wide concurrency
  origin:{host:port}:next    exists (SET PX) while the origin's download delay runs

A pop moves the request into `leases`/`leased` in one Lua script, so a request is always in exactly one of
queue or leases; the popping worker's heartbeat pushes the deadline on, and any worker puts expired leases back
into the queue. Times come from Redis (`TIME`), so workers on machines with skewed clocks agree.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit, urlunsplit

import redis

from archiver.errors import ConfigError

PREFIX = "archiver"
JOBS_KEY = f"{PREFIX}:jobs"
SCHEMES = ("redis", "rediss", "unix")
# Score = -priority * 2**40 + sequence: priority first, FIFO within a priority, exact in a double.
_PRIORITY_SPAN = 2**40

_NOW_MS = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

PUSH = """
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], string.format('%.0f', -tonumber(ARGV[1]) * tonumber(ARGV[3]) + seq), ARGV[2])
return 1
"""
POP_LEASED = (
    _NOW_MS
    + """
local item = redis.call('ZPOPMIN', KEYS[1])
if #item == 0 then return false end
redis.call('ZADD', KEYS[2], string.format('%.0f', now + tonumber(ARGV[2])), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], item[2] .. '\\n' .. item[1])
return item[1]
"""
)
EXTEND = (
    _NOW_MS
    + """
local deadline = string.format('%.0f', now + tonumber(ARGV[1]))
local lost = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then redis.call('ZADD', KEYS[1], 'XX', deadline, ARGV[i])
  else table.insert(lost, ARGV[i]) end
end
if KEYS[2] then redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[1]) * 2) end
return lost
"""
)
# Put leases back in the queue: ARGV[1] = 'expired' (deadline passed, at most ARGV[2] of them) or 'these' (ARGV[2..]).
REQUEUE = (
    _NOW_MS
    + """
local ids
if ARGV[1] == 'expired' then ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
else ids = {unpack(ARGV, 2)} end
local moved = 0
for _, id in ipairs(ids) do
  local value = redis.call('HGET', KEYS[2], id)
  if value and redis.call('ZREM', KEYS[1], id) == 1 then
    local cut = string.find(value, '\\n', 1, true)
    redis.call('ZADD', KEYS[3], string.sub(value, 1, cut - 1), string.sub(value, cut + 1))
    moved = moved + 1
  end
  redis.call('HDEL', KEYS[2], id)
end
return moved
"""
)
TAKE_ORIGIN_SLOT = (
    _NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if tonumber(ARGV[2]) > 0 and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local wait = redis.call('PTTL', KEYS[2])
if wait > 0 then return wait end
redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[4])), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) * 2)
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[3]) end
return 0
"""
)
PUSH_ORIGIN_BACK = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
"""
ANNOUNCE = """
if redis.call('HSETNX', KEYS[1], 'spec', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', 'running')
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
"""


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def check_frontier_url(url: str) -> str:
    if urlsplit(url).scheme not in SCHEMES:
        raise ConfigError(f"--frontier {redact(url)!r}: use redis://HOST:PORT/DB (or rediss://, unix://)")
    return url


def connect(url: str) -> redis.Redis:
    """A client for the frontier at `url`; ConfigError (one line) when it cannot be reached."""
    check_frontier_url(url)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)
        client.ping()
    except (redis.RedisError, ValueError, OSError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"cannot reach frontier {redact(url)}: {first}") from exc
    return client


@dataclass
class JobSpec:
    """What a worker needs to join a crawl job (announced in Redis by the crawl that starts it)."""

    crawl_id: str
    sites: list[str] = field(default_factory=list)
    start_urls: list[str] = field(default_factory=list)
    store: str | None = None
    catalog: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    max_pages: int | None = None
    recrawl: bool = False
    since: str | None = None  # ISO date
    announced_by: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> JobSpec:
        data = json.loads(text)
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


@dataclass(frozen=True)
class JobKeys:
    crawl_id: str

    def key(self, name: str) -> str:
        return f"{PREFIX}:crawl:{self.crawl_id}:{name}"

    @property
    def all(self) -> list[str]:
        names = ("job", "queue", "seq", "dupefilter", "leases", "leased", "pages", "workers")
        return [self.key(name) for name in names]


def origin_keys(origin: str) -> tuple[str, str]:
    return f"{PREFIX}:origin:{origin}:busy", f"{PREFIX}:origin:{origin}:next"


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class Frontier:
    """Redis operations of one crawl job (queue, leases, jobs, per-origin slots); no Scrapy in here."""

    def __init__(self, client: redis.Redis, crawl_id: str) -> None:
        self.client = client
        self.keys = JobKeys(crawl_id)
        self._push = client.register_script(PUSH)
        self._pop = client.register_script(POP_LEASED)
        self._extend = client.register_script(EXTEND)
        self._requeue = client.register_script(REQUEUE)
        self._take_slot = client.register_script(TAKE_ORIGIN_SLOT)
        self._push_back = client.register_script(PUSH_ORIGIN_BACK)
        self._announce = client.register_script(ANNOUNCE)

    # -- queue and leases -------------------------------------------------------------------------------------
    def push(self, data: bytes, priority: int) -> None:
        self._push(keys=[self.keys.key("queue"), self.keys.key("seq")], args=[priority, data, _PRIORITY_SPAN])

    def pop_leased(self, lease_id: str, ttl: float) -> bytes | None:
        """The most urgent request, now leased to `lease_id` until `ttl` seconds from now; None when empty."""
        keys = [self.keys.key("queue"), self.keys.key("leases"), self.keys.key("leased")]
        data = self._pop(keys=keys, args=[lease_id, int(ttl * 1000)])
        return bytes(data) if data else None

    def ack(self, lease_ids: Sequence[str]) -> None:
        """The leased requests are done (their successors, if any, are already queued)."""
        if lease_ids:
            pipe = self.client.pipeline(transaction=False)
            pipe.zrem(self.keys.key("leases"), *lease_ids)
            pipe.hdel(self.keys.key("leased"), *lease_ids)
            pipe.execute()

    def extend(self, lease_ids: Sequence[str], ttl: float) -> list[str]:
        """Push the deadlines on; returns the ids no longer leased (another worker reclaimed them)."""
        if not lease_ids:
            return []
        lost = self._extend(keys=[self.keys.key("leases")], args=[int(ttl * 1000), *lease_ids])
        return [str(_text(item)) for item in lost or []]

    def reclaim_expired(self, limit: int = 1000) -> int:
        """Put leases whose worker stopped renewing them back into the queue; returns how many."""
        keys = [self.keys.key("leases"), self.keys.key("leased"), self.keys.key("queue")]
        return int(self._requeue(keys=keys, args=["expired", limit]))

    def give_back(self, lease_ids: Sequence[str]) -> int:
        """Put these leases back in the queue now (a worker stopping before it processed them)."""
        if not lease_ids:
            return 0
        keys = [self.keys.key("leases"), self.keys.key("leased"), self.keys.key("queue")]
        return int(self._requeue(keys=keys, args=["these", *lease_ids]))

    def status(self) -> tuple[int, int]:
        """(requests queued, requests leased), read atomically."""
        pipe = self.client.pipeline(transaction=True)
        pipe.zcard(self.keys.key("queue"))
        pipe.zcard(self.keys.key("leases"))
        queued, leased = pipe.execute()
        return int(queued), int(leased)

    def queued(self) -> int:
        return int(self.client.zcard(self.keys.key("queue")))

    def count_page(self) -> int:
        return int(self.client.incr(self.keys.key("pages")))

    # -- jobs ---------------------------------------------------------------------------------------------------
    def announce(self, spec: JobSpec) -> bool:
        """Create the job and list it for `archiver worker`s; False when it exists already."""
        created = self._announce(keys=[self.keys.key("job"), JOBS_KEY], args=[spec.to_json(), spec.crawl_id])
        return bool(created)

    def job(self) -> tuple[JobSpec, str] | None:
        """(spec, status) of this job, or None when it was never announced (or has expired)."""
        values = self.client.hmget(self.keys.key("job"), ["spec", "status"])
        if not values or values[0] is None:
            return None
        return JobSpec.from_json(values[0]), str(_text(values[1]) or "running")

    def finish(self, keep_seconds: int) -> None:
        """Mark the job done, unlist it, and let its keys expire (the dupefilter answers late joiners meanwhile)."""
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(self.keys.key("job"), "status", "done")
        pipe.lrem(JOBS_KEY, 0, self.keys.crawl_id)
        for key in self.keys.all:
            pipe.expire(key, keep_seconds)
        pipe.execute()

    def register_worker(self, token: str, crawl_id: str) -> None:
        info = {"crawl_id": crawl_id, "host": socket.gethostname(), "pid": os.getpid()}
        pipe = self.client.pipeline(transaction=False)
        pipe.hset(self.keys.key("workers"), token, json.dumps(info))
        pipe.execute()

    def unregister_worker(self, token: str) -> None:
        self.client.hdel(self.keys.key("workers"), token)

    # -- per-origin politeness ------------------------------------------------------------------------------------
    def take_origin_slot(self, origin: str, token: str, concurrency: int, interval: float, hold: float) -> float:
        """0 when a slot was taken (held until released or `hold` s), else seconds to wait (-1: all slots busy)."""
        wait = self._take_slot(
            keys=list(origin_keys(origin)), args=[token, concurrency, int(interval * 1000), int(hold * 1000)]
        )
        return -1.0 if int(wait) < 0 else int(wait) / 1000

    def release_origin_slot(self, origin: str, token: str) -> None:
        self.client.zrem(origin_keys(origin)[0], token)

    def extend_origin_slots(self, held: Iterable[tuple[str, str]], hold: float) -> None:
        by_origin: dict[str, list[str]] = {}
        for origin, token in held:
            by_origin.setdefault(origin, []).append(token)
        for origin, tokens in by_origin.items():
            busy = origin_keys(origin)[0]
            self._extend(keys=[busy, busy], args=[int(hold * 1000), *tokens])

    def push_origin_back(self, origin: str, seconds: float) -> None:
        """No new download from this origin for `seconds` (Retry-After), crawl-wide."""
        self._push_back(keys=[origin_keys(origin)[1]], args=[int(seconds * 1000)])


def announced_jobs(client: redis.Redis) -> list[tuple[JobSpec, str]]:
    """Every listed job with its status, oldest first."""
    out = []
    for raw in client.lrange(JOBS_KEY, 0, -1):
        found = Frontier(client, str(_text(raw))).job()
        if found is not None:
            out.append(found)
    return out
