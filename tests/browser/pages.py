"""What every portal page must hold in the browser, whatever its content: checks run in the page itself.

- `axe_problems`: axe-core (the script axe-playwright-python ships) over the page; a serious or critical
  finding fails. Run inside the page through the DevTools protocol, so the app's CSP is not loosened.
- `layout_problems`: nothing pushes the page sideways or past its card, no box scrolls sideways, no text is
  clipped by `overflow: hidden` (the mobile cards that hid the subject, kind and status).
"""

from axe_playwright_python.base import AXE_SCRIPT

# WCAG 2.1 A and AA, as the requirements ask; best-practice rules are advice, not failures.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
FAILING_IMPACTS = {"serious", "critical"}

_AXE_RUN = "options => axe.run(document, options).then(results => results.violations)"


def axe_problems(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    violations = page.evaluate(_AXE_RUN, AXE_OPTIONS)
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node['failureSummary'][:160]!r}"
        for violation in violations
        if violation["impact"] in FAILING_IMPACTS
        for node in violation["nodes"][:3]
    ]


# An element "sticks out" when it reaches past the viewport or past the card it sits in; a box "scrolls
# sideways" when its content is wider than it and it lets the person scroll (overflow-x: auto | scroll).
_LAYOUT = """
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const where = el => {
    const text = (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `${name(el)} "${text}"`;
  };
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
  }
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || box.right <= 0) continue;  // empty, or parked off-screen (.skip)
    if (box.right > width + 1) problems.push(`${where(el)} reaches ${Math.round(box.right)}px`);
    const card = el.parentElement && el.parentElement.closest('.card');
    if (card) {
      const edge = card.getBoundingClientRect();
      if (box.right > edge.right + 1) problems.push(`${where(el)} sticks out of its card`);
    }
    const sideways = style.overflowX === 'auto' || style.overflowX === 'scroll';
    if (sideways && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${where(el)} scrolls sideways (${el.scrollWidth}px in ${el.clientWidth}px)`);
    }
    if (style.overflowX === 'visible' && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1
        && !el.closest('svg')) {  // an SVG chart scales as a whole: its labels are checked by eye
      problems.push(`${where(el)}: its content runs past it (${el.scrollWidth}px in ${el.clientWidth}px)`);
    }
    const clips = style.overflowX === 'hidden' || style.textOverflow === 'ellipsis';
    if (clips && el.scrollWidth > el.clientWidth + 1) problems.push(`${where(el)} clips its text`);
  }
  return [...new Set(problems)].slice(0, 40);
}
"""


def layout_problems(page) -> list[str]:
    return page.evaluate(_LAYOUT)
