"""`archiver import` of a WARC made elsewhere: pages per second and the importer's peak memory.

    .venv/bin/python -m bench.import_bench [--pages 2000] [--padding 20000]

Writes a WARC of `--pages` Arabic article pages (each with `--padding` bytes of incompressible base64 in a comment,
so a large file can be made), imports it into a fresh local store with the real CLI in a subprocess, and prints the
wall time, pages and megabytes per second, and the subprocess's high-water RSS. Memory should not grow with the
file: records are streamed one at a time.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archiver.warc import records
from archiver.warc.writer import WarcFile

PARAGRAPHS = [
    "أعلن المجلس البلدي في المدينة عن خطة جديدة لصيانة الطرق الرئيسية قبل فصل الشتاء بعد شكاوى متكررة من السكان.",
    "وقال رئيس المجلس إن الأعمال ستبدأ الأسبوع المقبل وتستمر نحو شهرين على مراحل حتى لا تتعطل حركة المرور.",
    "وأضاف أن الميزانية المخصصة للمشروع تكفي لإصلاح أكثر من عشرين كيلومترا من الطرق داخل الأحياء القديمة.",
    "وطالب عدد من أصحاب المحال التجارية بإعلان جدول زمني واضح حتى يتمكنوا من ترتيب أعمالهم خلال فترة الصيانة.",
]


def page(number: int, padding: int) -> bytes:
    body = "".join(f"<p>{text} ({number})</p>" for text in PARAGRAPHS)
    filler = base64.b64encode(os.urandom(padding * 3 // 4)).decode() if padding else ""
    html = (
        f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>صيانة الطرق رقم {number}</title>'
        '<meta property="article:published_time" content="2019-05-12T10:00:00+02:00"></head>'
        f"<body><article><h1>صيانة الطرق رقم {number}</h1>{body}</article><!-- {filler} --></body></html>"
    )
    return html.encode()


def write_warc(path: Path, pages: int, padding: int) -> None:
    moment = records.utcnow()
    warc = WarcFile(path, path.name, [("software", "bench.import_bench")], moment)
    for number in range(pages):
        content = page(number, padding)
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(content)}\r\n\r\n"
        raw = head.encode() + content
        url = f"http://old-outlet.example.ly/2019/05/12/road-works-{number:05d}/"
        record_id = records.new_record_id()
        warc.write(records.response_record(url, raw, len(head), record_id=record_id, moment=moment, ip=None))
    warc.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--padding", type=int, default=20000, help="random bytes per page (base64, in a comment)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        warc = Path(folder) / "outlet.warc.gz"
        write_warc(warc, args.pages, args.padding)
        size = warc.stat().st_size
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "archiver.cli", "import", str(warc), f"--store={folder}/archive"],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - started
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            return 1
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(run.stdout.strip())
        print(
            f"{args.pages} pages, {size / 1e6:.1f} MB WARC: {seconds:.1f} s, {args.pages / seconds:.0f} pages/s, "
            f"{size / 1e6 / seconds:.1f} MB/s, importer peak RSS {peak_mb:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
