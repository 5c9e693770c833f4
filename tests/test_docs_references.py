"""The project documents itself: no tracked file may send a reader to working papers outside the repository.

Such papers were used while the project was built; a user of the project has none of them. Code comments, tests,
profiles and docs cite the project's own pages (docs/sites.md, docs/formats.md, docs/capture.md ...) instead.
"""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT

# Spelled in pieces so that this file does not name them itself.
OUTSIDE = re.compile(
    "|".join(
        (
            r"SITES" + r"\.md",
            r"ARCHIVING" + r"-NOTES",
            r"INTEROP" + r"-NOTES",
            r"\.\./" + r"shared",
            r"\bSP" + r"EC\b",  # the private product contract, by name (identifiers such as SPEC_FIELDS are fine)
        )
    )
)


def _tracked_text_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_points_outside_the_repository() -> None:
    found = []
    for name in _tracked_text_files():
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # binary fixtures, or a file deleted in the working tree
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{name}:{number}: {line.strip()[:120]}")
    assert not found, "cite docs/ instead:\n" + "\n".join(found)


def test_the_pattern_catches_each_outside_name() -> None:
    for line in (
        "see SITES" + ".md §4",
        "ARCHIVING" + "-NOTES",
        "INTEROP" + "-NOTES",
        "../" + "shared/x",
        "the SP" + "EC",
    ):
        assert OUTSIDE.search(line), line
    assert not OUTSIDE.search("SPEC_FIELDS = set(ARTICLE_FIELDS)")
