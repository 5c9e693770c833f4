"""Indexes derived from the store, never the source of truth: a CDXJ file per WARC file (the format pywb reads),
and the catalog database built from them that answers `history`, `snapshot` and `crawls` quickly."""
