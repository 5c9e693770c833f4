"""The archive the web-app tests share: the changing fixture site crawled twice (an article edited between the
crawls), plus a page whose title is an XSS attempt and an article three months older than the others, served by a real `archiver serve` subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from tests.conftest import FAST_SETTINGS, ROOT, archiver, crawl_args
from tests.fixtureweb.revisions import revisions_site
from tests.fixtureweb.server import FixtureWeb, Reply, Site

HOST = "127.0.0.61"
XSS_TITLE = "<img src=x onerror=\"document.title='pwned'\">خبر عاجل"
XSS_PAGE = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{escape(XSS_TITLE)}</title>
<script type="application/ld+json">{
    json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": XSS_TITLE,
            "datePublished": "2026-03-09T10:00:00+02:00",
            "author": {"@type": "Person", "name": "<b>سالم</b>"},
        },
        ensure_ascii=False,
    )
}</script></head>
<body><article><h1>&lt;img src=x onerror="document.title='pwned'"&gt;خبر عاجل</h1><div class="story-body">
<p>أعلنت البلدية اليوم عن خطة جديدة لتنظيف الشواطئ في المدينة بمشاركة المتطوعين من الأحياء المجاورة.</p>
<p>وقال المسؤولون إن الحملة ستستمر ثلاثة أسابيع وتشمل توزيع حاويات جديدة على طول الكورنيش.</p>
<p>ودعت البلدية السكان إلى المشاركة والالتزام بالمواعيد المعلنة حفاظا على نظافة البيئة البحرية.</p>
</div></article></body></html>"""
# An older article, three months before the others: the coverage page shows the two months between as gaps.
OLD_ARTICLE = "/news/2025/12/harbour-lights/"
OLD_PAGE = """<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8">
<title>Harbour lights restored along the Tobruk breakwater</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Harbour lights restored along the Tobruk breakwater", "datePublished": "2025-12-20T16:00:00+02:00"}</script>
</head><body><article><h1>Harbour lights restored along the Tobruk breakwater</h1><div class="story-body">
<p>Port engineers finished replacing the navigation lights on the eastern breakwater on Saturday evening.</p>
<p>Fishermen had complained for months that the unlit stretch made returning after dark dangerous.</p>
<p>The port authority said the new lamps run on solar panels and should need little upkeep.</p>
</div></article></body></html>"""


@dataclass
class ServedArchive:
    store: Path
    site: Site
    base: str  # http://127.0.0.1:PORT
    replay: str  # the replay origin
    token: str
    env: dict[str, str]

    def url(self, number: int) -> str:
        return self.site.url(f"/news/{number}/")

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        return request(self.base + path, headers=headers)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        return request(self.base + path, data=body, headers=headers)


def request(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            return answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


# A capture another archive made, years before our crawls, of an outlet we never crawled: `archiver import` takes it in.
IMPORTED_URL = "http://lamma-import.example/news/2019/06/desalination-plant/"
IMPORTED_WARC = "other-archive-2019.warc.gz"
IMPORTED_PAGE = """<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>افتتاح محطة تحلية المياه في زوارة</title>
<meta property="article:published_time" content="2019-06-10T09:00:00+02:00"></head>
<body><article><h1>افتتاح محطة تحلية المياه في زوارة</h1><div class="story-body">
<p>افتتحت السلطات المحلية صباح الإثنين محطة جديدة لتحلية مياه البحر تخدم أحياء المدينة الغربية.</p>
<p>وقال مدير المحطة إن طاقتها تبلغ عشرة آلاف متر مكعب يوميا وإنها تعمل بالطاقة الشمسية جزئيا.</p>
<p>ورحب السكان بالمشروع بعد صيف طويل من انقطاع المياه عن المنازل والمدارس.</p>
</div></article></body></html>"""


def other_archives_warc(tmp: Path) -> Path:
    """A WARC as another tool writes it (warcio): warcinfo, then one HTML response dated 2019."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp / IMPORTED_WARC
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(IMPORTED_WARC, {"software": "warcio"}))
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            IMPORTED_URL,
            "response",
            payload=BytesIO(IMPORTED_PAGE.encode("utf-8")),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": "2019-06-10T10:15:00Z"},
        )
        writer.write_record(record)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def changing_site() -> Site:
    site = revisions_site(HOST)
    site.add("/news/xss/", Reply(body=XSS_PAGE.encode("utf-8")))
    site.add(OLD_ARTICLE, Reply(body=OLD_PAGE.encode("utf-8")))
    return site


@contextmanager
def served_archive(tmp: Path) -> Iterator[ServedArchive]:
    site = changing_site()
    store = tmp / "archive"
    profiles = tmp / "profiles"
    profiles.mkdir()
    env = {
        "ARCHIVER_PROFILES_DIR": str(profiles),
        "ARCHIVER_TOKENS_FILE": str(tmp / "tokens.json"),
        "ARCHIVER_WEB_CRAWL_ARGS": " ".join(f"--set={s}" for s in FAST_SETTINGS),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "XDG_STATE_HOME": str(tmp / "state"),
    }
    with FixtureWeb([site]):
        (profiles / "webfix.toml").write_text(
            f'id = "webfix"\nname = "وكالة المرصد الساحلي"\nlanguage = "ar"\ndomains = ["{HOST}"]\n'
            f'start_urls = ["{site.url("/")}"]\nschedule = "0 */6 * * *"\n',
            encoding="utf-8",
        )
        first = archiver(
            *crawl_args(site.url("/"), site.url("/news/xss/"), site.url(OLD_ARTICLE), store=str(store)), env=env
        )
        assert first.returncode == 0, first.stderr[-3000:]
        site.state["edition"] = 2
        second = archiver(*crawl_args(site.url("/"), store=str(store), extra=("--recrawl",)), env=env)
        assert second.returncode == 0, second.stderr[-3000:]
        imported = archiver("import", str(other_archives_warc(tmp)), f"--store={store}", env=env)
        assert imported.returncode == 0, imported.stderr[-3000:]
        made = archiver("tokens", "create", "tester", env=env)
        assert made.returncode == 0, made.stderr
        port, replay_port = free_port(), free_port()
        # The server's log goes to a file: a pipe nobody drains fills up, and the server then blocks writing a line.
        log = (tmp / "serve.log").open("w", encoding="utf-8")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "archiver.cli",
                "serve",
                f"--store={store}",
                f"--port={port}",
                f"--replay-port={replay_port}",
            ],  # fmt: skip
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert "serving" in line, (line, (tmp / "serve.log").read_text() if proc.poll() is not None else "")
            served = ServedArchive(
                store, site, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{replay_port}", made.stdout.strip(), env
            )
            _wait(served.base + "/api/sites")
            yield served
        finally:
            children = _children(proc.pid)
            proc.terminate()
            proc.wait(timeout=20)
            log.close()
            assert children, "archiver serve runs pywb as its child"
            for child in children:  # pywb stops with the app: no replay server outlives it
                for _ in range(50):
                    if not Path(f"/proc/{child}").exists():
                        break
                    time.sleep(0.1)
                assert not Path(f"/proc/{child}").exists(), f"pywb (pid {child}) outlived archiver serve"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _wait(url: str) -> None:
    for _ in range(100):
        try:
            request(url)
            return
        except OSError:
            time.sleep(0.1)


def as_json(body: bytes) -> Any:
    return json.loads(body)


def wait_for_crawl(served: ServedArchive, crawl_id: str, seconds: float = 120) -> dict[str, Any]:
    """A crawl started through the app, once its manifest is in the store (so later tests do not race it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for entry in as_json(served.get("/api/crawls")[2]):
            if entry["crawl_id"] == crawl_id:
                return dict(entry)
        time.sleep(0.5)
    raise AssertionError(f"crawl {crawl_id} started by the web app did not finish in {seconds:.0f}s")
