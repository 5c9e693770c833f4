"""Word-level differences between two versions of an article's title or body, printable for Arabic.

The archived text is never reordered or rewritten: words stay in logical order. Each change is printed on lines
of its own (context, removed, added), each text run wrapped in Unicode first-strong isolates (U+2068 ... U+2069),
so a bidi-capable terminal shows right-to-left words right-to-left without dragging the `-`/`+` markers or the
neighbouring English and digits into the run; a terminal without bidi still shows the words in reading order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

FSI, PDI = "\u2068", "\u2069"
CONTEXT_WORDS = 4


@dataclass(frozen=True)
class WordChange:
    position: int  # index of the first changed word in the old text
    removed: tuple[str, ...]
    added: tuple[str, ...]
    before: tuple[str, ...]  # up to CONTEXT_WORDS unchanged words before the change
    after: tuple[str, ...]


def word_diff(old: str, new: str, context: int = CONTEXT_WORDS) -> list[WordChange]:
    """The changes turning `old` into `new`, word by word (whitespace-separated; paragraph breaks count as one)."""
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    changes = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        changes.append(
            WordChange(
                i1, tuple(a[i1:i2]), tuple(b[j1:j2]), tuple(a[max(0, i1 - context) : i1]), tuple(a[i2 : i2 + context])
            )
        )
    return changes


def isolate(text: str) -> str:
    return f"{FSI}{text}{PDI}"


def render_diff(field: str, changes: list[WordChange], *, color: bool = False) -> str:
    red, green, dim, reset = ("\x1b[31m", "\x1b[32m", "\x1b[2m", "\x1b[0m") if color else ("", "", "", "")
    lines = [f"  {field}: {len(changes)} change(s)"]
    for change in changes:
        before, after = " ".join(change.before), " ".join(change.after)
        lines.append(f"    {dim}@ word {change.position + 1}: {isolate(f'… {before} ⟦⟧ {after} …')}{reset}")
        if change.removed:
            lines.append(f"    {red}- {isolate(' '.join(change.removed))}{reset}")
        if change.added:
            lines.append(f"    {green}+ {isolate(' '.join(change.added))}{reset}")
    return "\n".join(lines)
