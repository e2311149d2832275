"""The colours the site's CSS gives outline buttons and the navbar's focus ring meet WCAG:
4.5:1 for button text (AA), 3:1 for a focus indicator, computed from the stylesheets the
pages load (Bootstrap's, then ours, in that order)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

TEMPLATES = Path(settings.BASE_DIR) / "templates"
BACKGROUNDS = {"white": "#ffffff", "the page's paper": "--ni-paper"}
# Variants made for the dark navbar (the search button): measured on its navy, and used
# nowhere else (test_navbar_only_variants_stay_in_the_navbar).
NAVBAR_ONLY = {"light": {"the navbar's navy": "--ni-navy"}}


def stylesheet(path: str) -> str:
    found = finders.find(path)
    assert found, path
    return re.sub(r"/\*.*?\*/", "", Path(found).read_text(), flags=re.S)  # comments out


def declarations(css: str, selector: str) -> dict[str, str]:
    """The declarations of every rule whose selector list is exactly `selector`, in order."""
    out: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if [s.strip() for s in selectors.split(",")] == [selector]:
            for name, value in re.findall(r"([-\w]+)\s*:\s*([^;]+)", body):
                out[name.strip()] = value.strip()
    return out


def cascade(selector: str) -> dict[str, str]:
    ours = stylesheet("css/app.css")
    variables = declarations(ours, ":root") | declarations(ours, ".app-navbar")
    merged = declarations(stylesheet("bootstrap/css/bootstrap.min.css"), selector)
    merged |= declarations(ours, selector)
    return {k: resolve(v, variables) for k, v in merged.items()} | {"_vars": variables}


def resolve(value: str, variables: dict[str, str]) -> str:
    while (m := re.fullmatch(r"var\((--[\w-]+)\)", value)) or value.startswith("--"):
        value = variables[m.group(1) if m else value]
    return value


def luminance(colour: str) -> float:
    hexa = colour.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    channels = [int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_matches_wcag_figures():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#6c757d", "#f5f7fa"), 2) == 4.37  # the 4.36:1 the issue measured


def outline_variants() -> list[str]:
    used = set()
    for template in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"\bbtn-outline-([a-z]+)", template.read_text()))
    return sorted(used)


@pytest.mark.parametrize("variant", outline_variants())
def test_outline_button_text_is_at_least_4_5_to_1(variant):
    rule = cascade(f".btn-outline-{variant}")
    for where, background in NAVBAR_ONLY.get(variant, BACKGROUNDS).items():
        ground = resolve(background, rule["_vars"])
        ratio = contrast(rule["--bs-btn-color"], ground)
        assert ratio >= 4.5, f"btn-outline-{variant} on {where}: {ratio:.2f}:1"
    # Hovered or pressed, the button is filled and its text is white.
    for state in ("hover", "active"):
        ratio = contrast(rule[f"--bs-btn-{state}-color"], rule[f"--bs-btn-{state}-bg"])
        assert ratio >= 4.5, f"btn-outline-{variant} {state}: {ratio:.2f}:1"


def test_the_navbar_focus_ring_stands_out_on_the_navy():
    rule = cascade(".app-navbar :focus-visible")
    width, style, colour = rule["outline"].split()
    assert style == "solid" and float(width.removesuffix("px")) >= 2
    navy = rule["_vars"]["--ni-navy"]
    assert contrast(resolve(colour, rule["_vars"]), navy) >= 3


def test_navbar_only_variants_stay_in_the_navbar():
    for variant in NAVBAR_ONLY:
        for template in TEMPLATES.rglob("*.html"):
            text = template.read_text()
            if f"btn-outline-{variant}" not in text:
                continue
            assert template.name == "base.html", f"btn-outline-{variant} in {template}"
            navbar = text[text.index('<nav class="navbar') : text.index("</nav>")]
            assert text.count(f"btn-outline-{variant}") == navbar.count(f"btn-outline-{variant}")
