"""The article-extraction-benchmark metric the bench reports: 4-token shingles, per-page normalised counts."""

from __future__ import annotations

from bench.aeb import page_counts, prf, shingles


def test_shingles_are_four_word_windows_of_unicode_words() -> None:
    assert shingles("صيانة شبكة المياه في المدينة") == {
        ("صيانة", "شبكة", "المياه", "في"): 1,
        ("شبكة", "المياه", "في", "المدينة"): 1,
    }
    assert shingles("too short") == {("too", "short"): 1}
    assert shingles("") == {}


def test_page_counts_and_means() -> None:
    truth = "one two three four five six"  # 3 shingles
    exact = page_counts(truth, truth)
    assert exact == (1.0, 0.0, 0.0)
    half = page_counts("one two three four five", truth)  # 2 of 3 shingles found, none extra
    assert half == (2 / 3, 0.0, 1 / 3)
    empty = page_counts("", truth)
    assert empty == (0.0, 0.0, 1.0)
    precision, recall, f1 = prf([exact, half, empty])
    assert precision == 1.0  # the empty page has no tp + fp and is left out of precision
    assert abs(recall - (1 + 2 / 3 + 0) / 3) < 1e-9
    assert abs(f1 - 2 * precision * recall / (precision + recall)) < 1e-9
