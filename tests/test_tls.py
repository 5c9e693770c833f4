"""TLS certificates are verified; a verified HTTPS capture still holds the HTTP bytes and records the certificate."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import archiver, crawl_args
from tests.fixtureweb.server import FixtureWeb
from tests.fixtureweb.sites import feed_site
from tests.tls import make_tls


def test_untrusted_certificate_is_refused_and_trusted_one_is_archived(tmp_path: Path) -> None:
    site = feed_site("127.0.0.31")
    site.tls, ca_path = make_tls(tmp_path, "127.0.0.31")
    with FixtureWeb([site]):
        refused = archiver(*crawl_args(site.url("/"), store=str(tmp_path / "untrusted")))
        served_before = len(site.log)
        trusted = archiver(
            *crawl_args(site.url("/"), store=str(tmp_path / "trusted")), env={"SSL_CERT_FILE": str(ca_path)}
        )
    assert refused.returncode == 1, refused.stderr[-2000:]  # nothing captured, and the one line says why
    assert "TLS certificate could not be verified" in refused.stderr.strip().splitlines()[-1]
    assert served_before == 0  # no request completed over an unverified connection
    assert not (tmp_path / "untrusted" / "articles").exists()

    assert trusted.returncode == 0, trusted.stderr[-2000:]
    articles = [json.loads(p.read_text()) for p in (tmp_path / "trusted" / "articles").rglob("*.json")]
    assert {a["url"] for a in articles} == {site.url(p) for p in site.state["expected"]}
    warc = next((tmp_path / "trusted" / "warc").rglob("*.warc.gz")).read_bytes()
    import gzip

    text = gzip.decompress(warc)
    assert b"tls-certificate-sha256:" in text and b"tls-protocol: TLSv1.3" in text
    assert b"HTTP/1.1 200 OK" in text
