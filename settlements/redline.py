"""A redline between two versions' plain texts, for the reviewing attorney.

Paragraphs (lines) are compared first; words only inside the paragraphs that changed, pair
by pair. Both comparisons use Myers' diff bounded by the number of edits it may find
(`bounded_diff`): its work grows with (length x edits), never with the square of the length,
whatever the text repeats (difflib's matcher took seconds on one line of "a a a ..."). A
pair of paragraphs that needs more than WORD_EDITS word edits, and every pair left once
DEADLINE seconds have passed, is shown whole (the old paragraph deleted, the new one
inserted); two texts that differ in more than LINE_EDITS paragraphs are compared line by
line with difflib's linear-time-bounded junk heuristics instead. The result is always
correct; only its granularity degrades.
"""

import difflib
import re
import time
from dataclasses import dataclass, field

_TOKENS = re.compile(r"\s+|[^\s]+")
# Word insertions plus deletions above which a changed paragraph is shown whole: a
# paragraph of 2,000 characters (the longest free text an agreement holds) is about 700
# tokens, so a rewrite of half of it is still shown word by word.
WORD_EDITS = 400
# Paragraph insertions plus deletions above which the paragraphs are matched by difflib.
LINE_EDITS = 2_000
# Seconds after which the remaining changed paragraphs are shown whole.
DEADLINE = 0.5
# Kept for callers that pass a budget: the number of word edits.
WORD_BUDGET = WORD_EDITS

Paragraph = list[tuple[str, str]]


@dataclass
class Redline:
    paragraphs: list[Paragraph] = field(default_factory=list)
    # How many changed paragraphs are shown whole rather than word by word.
    shown_whole: int = 0


def redline(old: str, new: str) -> Paragraph:
    """[(op, text), ...] with op "same", "del" or "ins", word by word, whitespace kept (the
    whole old text deleted and the new inserted when they differ in too many words)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    words = _word_diff(a, b)
    return words if words is not None else [("del", old), ("ins", new)]


def bounded_diff(a: list, b: list, max_edits: int) -> list[tuple[str, int, int, int, int]] | None:
    """Opcodes like difflib's get_opcodes() ("equal", "replace", "delete", "insert"), from
    Myers' O((N+M)D) algorithm; None when more than `max_edits` insertions plus deletions
    are needed. Time is O((N+M) x max_edits) at worst, memory O(max_edits^2).
    """
    n, m = len(a), len(b)
    start = 0
    while start < n and start < m and a[start] == b[start]:
        start += 1
    end = 0
    while end < n - start and end < m - start and a[n - 1 - end] == b[m - 1 - end]:
        end += 1
    A, B = a[start : n - end], b[start : m - end]
    N, M = len(A), len(B)
    if abs(N - M) > max_edits:  # every diff needs at least that many edits
        return None
    v = {1: 0}
    trace = []
    found = False
    for d in range(min(N + M, max_edits) + 1):
        trace.append(dict(v))
        for k in range(-d, d + 1, 2):
            x = v[k + 1] if k == -d or (k != d and v[k - 1] < v[k + 1]) else v[k - 1] + 1
            y = x - k
            while x < N and y < M and A[x] == B[y]:
                x += 1
                y += 1
            v[k] = x
            if x >= N and y >= M:
                found = True
                break
        if found:
            break
    if not found:
        return None
    # Walk back through the trace: each step is an equal run, then one edit.
    steps: list[str] = []  # "=", "-" (delete from A) or "+" (insert from B), reversed
    x, y = N, M
    for d in range(len(trace) - 1, -1, -1):
        v = trace[d]
        k = x - y
        prev_k = k + 1 if k == -d or (k != d and v[k - 1] < v[k + 1]) else k - 1
        prev_x = v[prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            steps.append("=")
            x, y = x - 1, y - 1
        if d > 0:
            steps.append("+" if x == prev_x else "-")
        x, y = prev_x, prev_y
    steps.reverse()
    # Group into opcodes over the whole sequences (the trimmed ends are equal runs).
    ops: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    if start:
        ops.append(("equal", 0, start, 0, start))
    pos = 0
    while pos < len(steps):
        if steps[pos] == "=":
            run = pos
            while run < len(steps) and steps[run] == "=":
                run += 1
            length = run - pos
            ops.append(("equal", start + i, start + i + length, start + j, start + j + length))
            i, j, pos = i + length, j + length, run
            continue
        dels = ins = 0
        while pos < len(steps) and steps[pos] != "=":
            if steps[pos] == "-":
                dels += 1
            else:
                ins += 1
            pos += 1
        tag = "replace" if dels and ins else ("delete" if dels else "insert")
        ops.append((tag, start + i, start + i + dels, start + j, start + j + ins))
        i, j = i + dels, j + ins
    if end:
        ops.append(("equal", n - end, n, m - end, m))
    return ops


def _word_diff(a: list[str], b: list[str], max_edits: int = WORD_EDITS) -> Paragraph | None:
    opcodes = bounded_diff(a, b, max_edits)
    if opcodes is None:
        return None
    out: Paragraph = []
    for tag, i1, i2, j1, j2 in opcodes:
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
        words = None
        if clock() <= stop:
            words = _word_diff(_TOKENS.findall(old_line), _TOKENS.findall(new_line), budget)
        if words is None:
            result.paragraphs.append([("del", old_line), ("ins", new_line)])
            result.shown_whole += 1
        else:
            result.paragraphs.append(words)

    opcodes = bounded_diff(a, b, LINE_EDITS)
    if opcodes is None:
        opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=True).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
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
