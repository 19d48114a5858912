"""The rules every page is checked against with axe-core: WCAG 2.1 A and AA and axe's best practices."""

from __future__ import annotations

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}


def axe_problems(page, axe, where: str, problems: list[str]) -> None:
    """Every axe violation on the page, of any impact, as one line each (``axe`` is axe-playwright-python's Axe).
    axe-core is injected once per loaded page (a second check of the same page reuses it); only violations return."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe.axe_script)
    for violation in page.evaluate("options => axe.run(document, options).then(results => results.violations)", WCAG):
        targets = [node["target"] for node in violation["nodes"][:3]]
        problems.append(f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
