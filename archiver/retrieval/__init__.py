"""Retrieval: what the archive says about a URL, read back from the catalog and the store.

`lookup` answers history and snapshots (article JSON, page HTML, a standalone WARC), `versions` the word
differences between a URL's article versions, `textdiff` computes and renders them, `url_variants` finds the
archived form of a URL given with tracking parameters or another scheme, and `localtime` shows capture times in
Libya's time. No printing here: the commands in `archiver/commands/retrieval.py` do that.
"""
