"""Import captures other archives made: WARC and WACZ files (`archiver import FILE...`) and a Wayback server's
captures (`archiver import wayback URL-PREFIX --cdx URL`). docs/importing.md describes both.

An import is kept like a crawl: its records in WARC files (a file made elsewhere is stored as received), a manifest
`crawls/{import_id}/manifest.json` listing every object with its sha256, CDXJ indexes and the catalog, article
versions through the same claims as a crawl, and a custody line. Its articles' `capture` says
`"source": "imported"` and `imported_from` (the file, or the capture's replay URL).
"""

from archiver.importing.run import ImportResult, InputOutcome

__all__ = ["ImportResult", "InputOutcome"]
