"""Every scrolling table box in Peerway's templates can be reached and is named (axe: scrollable-region-focusable).

A ``.table-wrap`` scrolls sideways on a phone; a keyboard user must be able to focus it to scroll, and a screen
reader must hear what it holds: ``role="region"``, ``tabindex="0"`` and a name from its caption or heading.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "peerway" / "templates"
WRAP = re.compile(r"<div\b[^>]*\bclass=\"table-wrap\"[^>]*>")
# allauth's own table element wraps tables allauth renders (no caption to name it by); none scrolls on a phone.
NOT_OURS = {Path("allauth/elements/table.html")}


def test_every_table_wrap_is_a_named_focusable_region() -> None:
    unnamed = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES) in NOT_OURS:
            continue
        for tag in WRAP.findall(path.read_text()):
            named = "aria-labelledby=" in tag or "aria-label=" in tag
            if not ('role="region"' in tag and 'tabindex="0"' in tag and named):
                unnamed.append(f"{path.relative_to(TEMPLATES)}: {tag}")
    assert unnamed == []


def test_each_region_is_named_by_an_element_of_the_same_template() -> None:
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for tag in WRAP.findall(text):
            match = re.search(r'aria-labelledby="([^"{]+)"', tag)
            if match and f'id="{match.group(1)}"' not in text:
                missing.append(f"{path.relative_to(TEMPLATES)}: {match.group(1)}")
    assert missing == []
