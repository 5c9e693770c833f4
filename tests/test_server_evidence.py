"""Every capture keeps the server's own evidence: the address connected to, and for HTTPS the certificate chain the
server presented (PEM), the TLS version and cipher, and the DNS answer the connection was made from."""

from __future__ import annotations

from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archiver.provenance.connection import chain_pem
from archiver.provenance.summary import server_evidence
from tests.conftest import archiver, crawl_args
from tests.fixtureweb.server import FixtureWeb
from tests.fixtureweb.sites import feed_site
from tests.tls import make_tls


def _records(store: Path) -> list[tuple[str, dict[str, str], bytes]]:
    found = []
    for warc in sorted((store / "warc").rglob("*.warc.gz")):
        with warc.open("rb") as handle:
            for record in ArchiveIterator(handle):
                headers = dict(record.rec_headers.headers)
                found.append((record.rec_type, headers, record.content_stream().read()))
    return found


def _fields(body: bytes) -> dict[str, str]:
    pairs = (line.split(": ", 1) for line in body.decode("utf-8").splitlines() if ": " in line)
    return {name: value for name, value in pairs}


def test_an_https_capture_by_host_name_keeps_chain_tls_and_dns_answer(tmp_path: Path) -> None:
    site = feed_site("127.0.0.1")
    site.tls, ca_path = make_tls(tmp_path, "127.0.0.1", names=("localhost",), present_chain=True)
    store = tmp_path / "store"
    with FixtureWeb([site]):
        start = f"https://localhost:{site.port}/"
        run = archiver(
            *crawl_args(start, store=str(store), extra=("--max-pages=2", "--set=ARCHIVER_ALLOW_PRIVATE_ADDRESSES=1")),
            env={"SSL_CERT_FILE": str(ca_path)},
        )
    assert run.returncode == 0, run.stderr[-3000:]
    records = _records(store)
    responses = {h["WARC-Target-URI"]: h for kind, h, _b in records if kind == "response"}
    assert responses[start]["WARC-IP-Address"] == "127.0.0.1"
    by_id = {h["WARC-Record-ID"]: h["WARC-Target-URI"] for kind, h, _b in records if kind == "response"}
    evidence = {
        by_id[h["WARC-Refers-To"]]: _fields(body)
        for kind, h, body in records
        if kind == "metadata" and h.get("WARC-Refers-To") in by_id and b"tls-protocol" in body
    }
    fields = evidence[start]
    assert fields["tls-protocol"].startswith("TLSv1.")
    assert fields["tls-cipher"]
    assert fields["tls-certificate-chain-length"] == "2"
    leaf, ca = (tmp_path / "server.pem").read_text(), ca_path.read_text()
    assert chain_pem(fields) == [leaf, ca]  # exactly the PEM files the server was given, leaf first
    assert fields["dns-query"] == "localhost"
    assert "127.0.0.1" in fields["dns-answer"].split(", ")
    said = server_evidence(responses[start]["WARC-IP-Address"], fields).sentences()
    assert said[0] == "The server's address was 127.0.0.1."
    assert "presented 2 certificate(s), the first issued for 127.0.0.1" in said[1]
    assert said[2].startswith("The name localhost was looked up and answered ")


def test_an_https_capture_of_an_address_says_no_lookup_was_made(tmp_path: Path) -> None:
    site = feed_site("127.0.0.32")
    site.tls, ca_path = make_tls(tmp_path, "127.0.0.32")
    store = tmp_path / "store"
    with FixtureWeb([site]):
        run = archiver(
            *crawl_args(site.url("/"), store=str(store), extra=("--max-pages=1",)), env={"SSL_CERT_FILE": str(ca_path)}
        )
    assert run.returncode == 0, run.stderr[-3000:]
    records = _records(store)
    [page] = [h for kind, h, _b in records if kind == "response" and h["WARC-Target-URI"] == site.url("/")]
    assert page["WARC-IP-Address"] == "127.0.0.32"
    metadata = [
        _fields(body)
        for kind, h, body in records
        if kind == "metadata" and h["WARC-Refers-To"] == page["WARC-Record-ID"]
    ]
    [tls] = [f for f in metadata if "tls-protocol" in f]
    assert tls["dns-lookup"] == "none: the URL names an IP address"
    assert tls["tls-certificate-chain-length"] == "1"
    assert chain_pem(tls) == [(tmp_path / "server.pem").read_text()]
