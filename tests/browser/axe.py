"""axe-core in the browser tests: the copy bundled with axe-playwright-python (PyPI), put
into the page by Playwright, so nothing is fetched from the network."""

from axe_playwright_python.sync_playwright import Axe

# Run with axe's default rules (WCAG 2.0/2.1/2.2 A and AA and its best practices); what
# blocks is a violation axe rates serious or critical.
BLOCKING = ("serious", "critical")
_AXE = Axe()


def blocking_violations(page, context=None) -> list[dict]:
    """The serious and critical violations on the page as it is now (or within `context`,
    a CSS selector)."""
    results = _AXE.run(page, context=context, options={"resultTypes": ["violations"]})
    return [v for v in results.response["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict], where: str) -> list[str]:
    """One readable line per violation and element: rule, impact, where, and how to fix."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(
                f"{where}: {v['id']} ({v['impact']}) at {target}: {v['help']} <{v['helpUrl']}>"
            )
    return lines
