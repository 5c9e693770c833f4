"""Quality gate: per-field extraction accuracy on the reviewed corpus must not fall below the pinned floors,
with the site profiles and with the generic layers alone (what a crawl of an unregistered site gets)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from archiver import extract
from archiver.extraction.article import extract_article
from tests.corpus.gate import FIELDS, FLOORS, Case, field_correct, load_cases, score

CASES = load_cases()


def _extract(case: Case) -> dict[str, Any]:
    return extract(case.body, case.url, case.headers)


def _generic(case: Case) -> dict[str, Any]:
    return extract_article(case.body, case.url, case.headers)


def _check(floors: dict[str, float], extractor: Any = _extract) -> None:
    result = score(CASES, extractor)
    scores = result.as_dict()
    below = {field: (scores[field], floor) for field, floor in floors.items() if scores[field] < floor}
    assert not below, f"below floor: {below}\n" + "\n".join(result.misses)


def test_corpus_covers_at_least_twelve_outlets() -> None:
    assert len(CASES) >= 24
    assert len({case.id.rsplit("-", 1)[0] for case in CASES}) >= 12


def test_accuracy_with_site_profiles_meets_the_floors() -> None:
    _check(json.loads(FLOORS.read_text())["with_profiles"])


def test_accuracy_of_the_generic_layers_alone_meets_the_floors() -> None:
    _check(json.loads(FLOORS.read_text())["generic_only"], _generic)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_case_title_and_source(case: Case) -> None:
    # Titles and aggregator sources are exact on every reviewed case: a miss here names the page to look at.
    article = _extract(case)
    for field in ("title", "original_source"):
        if field in case.expected:
            assert field_correct(field, article.get(field), case.expected[field]), (field, article.get(field))
    assert set(article) >= set(FIELDS)
