"""The article-extraction-benchmark page set (scrapinghub, 181 real pages) and the metric its authors publish.

A checkout of that repository (or a copy holding `ground-truth.json` and `html/<id>.html.gz`) is named with
`--aeb DIR` or `$AEB_DIR`. The metric: `\\w+` tokens, multisets of 4-token shingles, per-page tp/fp/fn;
precision and recall are means over pages, F1 is taken from the two means.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4


@dataclass(frozen=True)
class AebPage:
    id: str
    url: str
    body: bytes
    truth: str


def load_pages(folder: Path) -> list[AebPage]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        AebPage(
            key, item["url"], gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()), item["articleBody"]
        )
        for key, item in sorted(truth.items())
    ]


def shingles(text: str) -> Counter[tuple[str, ...]]:
    words = _TOKEN.findall(text or "")
    if len(words) < SHINGLE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def page_counts(got: str, want: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, normalised by their sum (so each page weighs the same)."""
    got_s, want_s = shingles(got), shingles(want)
    tp = sum((got_s & want_s).values())
    fp = sum((got_s - want_s).values())
    fn = sum((want_s - got_s).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def prf(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    precisions = [tp / (tp + fp) for tp, fp, _ in counts if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, _, fn in counts if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- the extractors compared, each a function (html bytes, url) -> body text ---------------------------------
def ours(page: AebPage) -> str:
    from archiver.extraction.article import extract_article

    return str(extract_article(page.body, page.url, None)["body"])


def trafilatura_body(page: AebPage) -> str:
    import trafilatura

    # Metadata on, as ours always extracts title, date and authors too; comments off, as ours never keeps them.
    doc = trafilatura.bare_extraction(page.body, url=page.url, with_metadata=True, include_comments=False)
    if doc is None:
        return ""
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return str(data.get("text") or "")


def readability_body(page: AebPage) -> str:
    from lxml import html as lxml_html
    from readability import Document

    summary = Document(page.body).summary(html_partial=True)
    if not summary.strip():
        return ""
    tree = lxml_html.fromstring(summary)
    blocks = tree.xpath(".//p|.//li|.//h2|.//h3|.//h4|.//blockquote|.//pre")
    texts = [" ".join(b.text_content().split()) for b in blocks] if blocks else [tree.text_content()]
    return "\n".join(t for t in texts if t)


def newspaper_body(page: AebPage) -> str:
    import newspaper

    article = newspaper.Article(page.url, fetch_images=False)
    article.download(input_html=page.body.decode("utf-8", "replace"))
    article.parse()
    return str(article.text or "")


EXTRACTORS = {
    "archiver (generic layers)": ours,
    "trafilatura": trafilatura_body,
    "readability-lxml": readability_body,
    "newspaper4k": newspaper_body,
}
