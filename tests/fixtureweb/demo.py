"""`make demo`: serve the fixture news sites on loopback, crawl them into ./archive, export, say where it all is.

The sites keep the same addresses on every run (127.0.0.2-6, port DEMO_PORT, default 8765), so a second
`make demo` is an incremental crawl of the same sites into the same ./archive: nothing already archived is fetched
again and the export holds the same articles, not a second copy under new URLs. ./archive is never deleted (it is
also where `make run` keeps real crawls).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fixtureweb.server import FixtureWeb
from tests.fixtureweb.sites import all_sites

# Loopback sites answer at once; the politeness defaults are for the real web.
FAST = [
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_START_DELAY=0",
    "AUTOTHROTTLE_MAX_DELAY=1",
    "DOWNLOAD_TIMEOUT=15",
    "LOG_LEVEL=WARNING",
]


DEFAULT_PORT = 8765


def main() -> int:
    store = Path("archive").resolve()
    archiver = [sys.executable, "-m", "archiver.cli"]
    port = int(os.environ.get("DEMO_PORT") or DEFAULT_PORT)
    web = FixtureWeb(all_sites(), port=port)
    try:
        web.__enter__()
    except OSError as exc:
        web.__exit__(None, None, None)
        print(
            f"make demo: cannot serve the fixture sites on port {port} ({exc.strerror}); another demo running? "
            "stop it, or run DEMO_PORT=N make demo",
            file=sys.stderr,
        )
        return 2
    try:
        starts = [f"--start-url={site.origin}/" for site in web.sites.values()]
        sets = [f"--set={s}" for s in FAST]
        crawl = subprocess.run([*archiver, "crawl", *starts, f"--store={store}", *sets], check=False)
    finally:
        web.__exit__(None, None, None)
    if crawl.returncode != 0:
        return crawl.returncode
    out = store.parent / "export" / "articles.jsonl"
    out.parent.mkdir(exist_ok=True)
    exported = subprocess.run(
        [*archiver, "export", "--format", "jsonl", "--out", str(out), f"--store={store}"], check=False
    )
    if exported.returncode != 0:
        return exported.returncode
    print()
    print(f"WARC files:    {store / 'warc'}")
    for path in sorted((store / "warc").rglob("*.warc.gz")):
        print(f"               {path.relative_to(store)}")
    print(f"article JSON:  {store / 'articles'} ({sum(1 for _ in (store / 'articles').rglob('*.json'))} files)")
    print(f"manifests:     {store / 'crawls'}")
    print(f"CDXJ indexes:  {store / 'indexes' / 'cdxj'}")
    print(f"export:        {out}")
    print(f"fixture sites: {', '.join(site.origin for site in web.sites.values())} (the same on every run)")
    sample = json.loads(next((store / "articles").rglob("*.json")).read_text(encoding="utf-8"))["url"]
    print("look one up:   .venv/bin/archiver history " + sample + f" --store={store}")
    print("               .venv/bin/archiver snapshot " + sample + f" --format=html --store={store}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
