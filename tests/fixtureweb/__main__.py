"""`python -m tests.fixtureweb`: serve the fixture sites until interrupted (for trying the crawler by hand)."""

from __future__ import annotations

import time

from tests.fixtureweb.server import FixtureWeb
from tests.fixtureweb.sites import all_sites

if __name__ == "__main__":
    with FixtureWeb(all_sites()) as web:
        for site in web.sites.values():
            print(f"{site.name:<12} {site.origin}/", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
