"""Quality gate: per-field extraction accuracy on the reviewed corpus must not fall below the pinned floors."""

from __future__ import annotations

import json

import pytest

from archiver import extract
from tests.corpus.gate import FIELDS, FLOORS, Case, field_correct, load_cases, score

CASES = load_cases()


def _extract(case: Case) -> dict:
    return extract(case.body, case.url, case.headers)


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 20


def test_per_field_accuracy_meets_the_floors() -> None:
    floors = json.loads(FLOORS.read_text())
    result = score(CASES, _extract)
    scores = result.as_dict()
    below = {field: (scores[field], floor) for field, floor in floors.items() if scores[field] < floor}
    assert not below, f"below floor: {below}\n" + "\n".join(result.misses)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_case_title_and_source(case: Case) -> None:
    # Titles and aggregator sources are exact on every reviewed case: a miss here names the page to look at.
    article = _extract(case)
    for field in ("title", "original_source"):
        if field in case.expected:
            assert field_correct(field, article.get(field), case.expected[field]), (field, article.get(field))
    assert set(FIELDS) <= set(article)
