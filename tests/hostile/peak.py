"""Run a command and report its peak resident memory: `python -m tests.hostile.peak CMD...` runs CMD, then prints
`peak-rss-kib: N` as its last line on stderr (the child's high-water mark, from getrusage) and exits with CMD's
code. A measurement of the child alone, not of the test process or earlier children."""

from __future__ import annotations

import resource
import subprocess
import sys

if __name__ == "__main__":
    code = subprocess.run(sys.argv[1:], check=False).returncode
    sys.stderr.flush()
    print(f"peak-rss-kib: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
    sys.exit(code)
