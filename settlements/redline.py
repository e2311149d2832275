"""A redline between two versions' plain texts, for the reviewing attorney.

Paragraphs (lines) are compared first; words only inside the paragraphs that changed, pair
by pair. Word-level comparison is quadratic in the worst case, so it is bounded: a pair of
paragraphs with more than WORD_BUDGET token comparisons, and every pair left once DEADLINE
seconds have passed, is shown whole (the old paragraph deleted, the new one inserted). The
result is always correct; only its granularity degrades.
"""

import difflib
import re
import time
from dataclasses import dataclass, field

_TOKENS = re.compile(r"\s+|[^\s]+")
# len(old tokens) x len(new tokens) above which a changed paragraph is shown whole. Two
# paragraphs of 2,000 characters (the longest free text an agreement holds) stay below it.
WORD_BUDGET = 1_000_000
# Seconds after which the remaining changed paragraphs are shown whole.
DEADLINE = 0.5

Paragraph = list[tuple[str, str]]


@dataclass
class Redline:
    paragraphs: list[Paragraph] = field(default_factory=list)
    # How many changed paragraphs are shown whole rather than word by word.
    shown_whole: int = 0


def redline(old: str, new: str) -> Paragraph:
    """[(op, text), ...] with op "same", "del" or "ins", word by word, whitespace kept."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    return _word_diff(a, b)


def _word_diff(a: list[str], b: list[str]) -> Paragraph:
    out: Paragraph = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if tag in ("replace", "delete"):
            out.append(("del", "".join(a[i1:i2])))
        if tag in ("replace", "insert"):
            out.append(("ins", "".join(b[j1:j2])))
    return out


def compare(
    old: str,
    new: str,
    *,
    budget: int = WORD_BUDGET,
    deadline: float = DEADLINE,
    clock=time.monotonic,
) -> Redline:
    """The changed paragraphs of `new` against `old`, word-level where affordable."""
    stop = clock() + deadline
    a = [line for line in old.split("\n") if line]
    b = [line for line in new.split("\n") if line]
    result = Redline()

    def pair(old_line: str, new_line: str) -> None:
        ta, tb = _TOKENS.findall(old_line), _TOKENS.findall(new_line)
        if len(ta) * len(tb) > budget or clock() > stop:
            result.paragraphs.append([("del", old_line), ("ins", new_line)])
            result.shown_whole += 1
        else:
            result.paragraphs.append(_word_diff(ta, tb))

    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        olds, news = a[i1:i2], b[j1:j2]
        paired = min(len(olds), len(news)) if tag == "replace" else 0
        for old_line, new_line in zip(olds[:paired], news[:paired], strict=True):
            pair(old_line, new_line)
        result.paragraphs.extend([("del", line)] for line in olds[paired:])
        result.paragraphs.extend([("ins", line)] for line in news[paired:])
    return result


def changed_paragraphs(old: str, new: str) -> list[Paragraph]:
    """Only the paragraphs (lines) that changed, each as [(op, text), ...]."""
    return compare(old, new).paragraphs
