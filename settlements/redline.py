"""A word-level redline between two versions' plain texts, for the reviewing attorney."""

import difflib
import re

_TOKENS = re.compile(r"\s+|[^\s]+")


def redline(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text), ...] with op "same", "del" or "ins", word by word, whitespace kept."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if tag in ("replace", "delete"):
            out.append(("del", "".join(a[i1:i2])))
        if tag in ("replace", "insert"):
            out.append(("ins", "".join(b[j1:j2])))
    return out


def changed_paragraphs(old: str, new: str, context: int = 0) -> list[list[tuple[str, str]]]:
    """The redline cut into paragraphs (lines), keeping only lines that changed."""
    lines = []
    current: list[tuple[str, str]] = []
    changed = False
    for op, text in redline(old, new):
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if i:
                if changed:
                    lines.append(current)
                current, changed = [], False
            if part:
                current.append((op, part))
                changed = changed or op != "same"
    if changed:
        lines.append(current)
    return lines
