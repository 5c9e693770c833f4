"""The extraction corpus: saved pages in the real structure of Libyan outlets, each with reviewed expected fields.

Layout: `cases/<case-id>/page.html` (the bytes as a server would send them) and `cases/<case-id>/case.json`:
`{"url", "headers", "notes", "expected": {field: value}}`. `python -m tests.corpus.generate <case-id>` drafts
`expected` from the current extractor for a person to review field by field; `tests/test_quality_gate.py` pins
per-field accuracy floors (`floors.json`) so a regression fails CI.
"""
