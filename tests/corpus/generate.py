"""Draft a case's expected fields from the current extractor, for a person to review field by field.

    python -m tests.corpus.generate CASE_ID [--write]

Without --write it prints the draft next to the reviewed values and the fields that differ.
"""

from __future__ import annotations

import argparse
import json
import sys

from archiver import extract
from tests.corpus.gate import CASES, FIELDS


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("case")
    parser.add_argument("--write", action="store_true", help="store the draft as the case's expected fields")
    args = parser.parse_args()
    folder = CASES / args.case
    data = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    article = extract((folder / "page.html").read_bytes(), data["url"], data.get("headers"))
    draft = {field: article.get(field) for field in (*FIELDS, "section", "tags")}
    for field, value in draft.items():
        reviewed = data.get("expected", {}).get(field, "<absent>")
        mark = "  " if reviewed == value else "≠ "
        print(f"{mark}{field}: {json.dumps(value, ensure_ascii=False)[:200]}")
        if reviewed != value:
            print(f"   reviewed: {json.dumps(reviewed, ensure_ascii=False)[:200]}")
    if args.write:
        data["expected"] = draft
        (folder / "case.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
