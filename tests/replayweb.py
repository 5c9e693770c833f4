"""ReplayWeb.page's own files (from the npm registry, fetched by `make install`) and evidence packages, served on
127.0.0.1 with byte ranges (ReplayWeb.page reads a WACZ file by ranges) for a browser to open offline."""

from __future__ import annotations

import mimetypes
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.loopback import LoopbackServer

RWP_DIR = Path(__file__).resolve().parent.parent / ".cache" / "replaywebpage" / "package"


class ReplayWebPage(LoopbackServer):
    """`with ReplayWebPage({"p.wacz": path}) as rwp:` then open `rwp.url_for("p.wacz", archived_url)`."""

    def __init__(self, files: dict[str, Path]) -> None:
        if not (RWP_DIR / "ui.js").exists():
            raise RuntimeError(f"ReplayWeb.page files missing in {RWP_DIR}: run `make install`")
        self.files = files
        super().__init__(self._handler())

    def url_for(self, name: str, archived_url: str) -> str:
        return f"{self.origin}/index.html?source={self.origin}/{name}#view=pages&url={archived_url}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.split("?", 1)[0].lstrip("/") or "index.html"
                path = files.get(name) or (RWP_DIR / name)
                if ".." in name or not path.is_file():
                    self.send_error(404)
                    return
                data = path.read_bytes()
                status, start, end = 200, 0, len(data)
                ranged = self.headers.get("Range", "")
                if ranged.startswith("bytes="):
                    first, _, last = ranged[6:].partition("-")
                    start = int(first or 0)
                    end = min(len(data), int(last) + 1) if last else len(data)
                    status = 206
                self.send_response(status)
                kind = "application/javascript" if name.endswith(".js") else mimetypes.guess_type(name)[0]
                self.send_header("Content-Type", kind or "application/octet-stream")
                self.send_header("Content-Length", str(end - start))
                self.send_header("Accept-Ranges", "bytes")
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
                self.end_headers()
                self.wfile.write(data[start:end])

            def do_HEAD(self) -> None:
                name = self.path.split("?", 1)[0].lstrip("/")
                path = files.get(name) or (RWP_DIR / name)
                if not path.is_file():
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(path.stat().st_size))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return Handler
