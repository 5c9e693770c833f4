"""Scoring extracted articles against the reviewed corpus (used by the quality gate and bench/extraction.py)."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CASES = Path(__file__).parent / "cases"
FLOORS = Path(__file__).parent / "floors.json"
BODY_F1_CORRECT = 0.97  # a body counts as right at this token F1 or above
FIELDS = ("title", "published_at", "authors", "body", "language", "original_source")


@dataclass(frozen=True)
class Case:
    id: str
    url: str
    headers: dict[str, str]
    expected: dict[str, Any]
    body: bytes


def load_cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in CASES.iterdir() if p.is_dir()):
        data = json.loads((folder / "case.json").read_text(encoding="utf-8"))
        cases.append(
            Case(
                folder.name, data["url"], data.get("headers", {}), data["expected"], (folder / "page.html").read_bytes()
            )
        )
    return cases


def tokens(text: str | None) -> list[str]:
    return unicodedata.normalize("NFC", text or "").split()


def token_f1(got: str | None, want: str | None) -> float:
    got_tokens, want_tokens = Counter(tokens(got)), Counter(tokens(want))
    if not got_tokens and not want_tokens:
        return 1.0
    overlap = sum((got_tokens & want_tokens).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(got_tokens.values()), overlap / sum(want_tokens.values())
    return 2 * precision * recall / (precision + recall)


def field_correct(field: str, got: Any, want: Any) -> bool:
    if field == "body":
        return token_f1(got, want) >= BODY_F1_CORRECT
    if field == "original_source":
        return (got or None) == (want or None)
    if field == "authors":
        return list(got or []) == list(want or [])
    return bool(got == want)


@dataclass
class Score:
    correct: Counter[str]
    counted: Counter[str]
    body_f1: list[float]
    misses: list[str]

    def accuracy(self, field: str) -> float:
        return self.correct[field] / self.counted[field] if self.counted[field] else 1.0

    def as_dict(self) -> dict[str, float]:
        scores = {field: round(self.accuracy(field), 4) for field in FIELDS}
        scores["body_f1_mean"] = round(sum(self.body_f1) / len(self.body_f1), 4) if self.body_f1 else 1.0
        return scores


def score(cases: list[Case], extractor: Callable[[Case], dict[str, Any]]) -> Score:
    result = Score(Counter(), Counter(), [], [])
    for case in cases:
        article = extractor(case)
        for field in FIELDS:
            if field not in case.expected:
                continue
            result.counted[field] += 1
            if field_correct(field, article.get(field), case.expected[field]):
                result.correct[field] += 1
            else:
                result.misses.append(f"{case.id}: {field}: got {str(article.get(field))[:80]!r}")
        if "body" in case.expected:
            result.body_f1.append(token_f1(article.get("body"), case.expected["body"]))
    return result
