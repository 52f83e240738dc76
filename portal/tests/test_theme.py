"""The theme's colours read at WCAG AA: every state colour as text on white and as a background
under white text (buttons, badges), every alert's text on its tint, links and body text on the
page and on the grey of the footer. The values come from static/css/portal.css itself, so the
test fails when someone changes a colour there to one that does not read."""

import re
from pathlib import Path

import pytest
from django.conf import settings

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text(encoding="utf-8")
STATES = ["primary", "secondary", "success", "danger", "warning", "info"]
AA = 4.5
WHITE = "#ffffff"


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def variable(name: str, css: str = CSS) -> str:
    match = re.search(rf"--{re.escape(name)}:\s*(#[0-9a-fA-F]{{6}})\s*;", css)
    assert match, f"--{name} is not defined as a #rrggbb colour in portal.css"
    return match.group(1).lower()


def rule(selector: str) -> str:
    match = re.search(rf"(?m)^{re.escape(selector)}\s*\{{([^}}]*)\}}", CSS)
    assert match, f"portal.css has no rule for {selector}"
    return match.group(1)


def test_the_contrast_formula_is_wcag_s():
    assert contrast("#000000", WHITE) == pytest.approx(21)
    assert contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)
    # The colour the issue complained of: Bootstrap's warning yellow as text on white.
    assert contrast("#ffc107", WHITE) < 2


@pytest.mark.parametrize("state", STATES)
def test_each_state_colour_reads_as_text_on_white_and_under_white_text(state):
    colour = variable(f"bs-{state}")
    assert contrast(colour, WHITE) >= AA, (state, colour, round(contrast(colour, WHITE), 2))
    rgb = re.search(rf"--bs-{state}-rgb:\s*(\d+),\s*(\d+),\s*(\d+);", CSS)
    assert "#{:02x}{:02x}{:02x}".format(*map(int, rgb.groups())) == colour, "the -rgb twin must be the same colour"


@pytest.mark.parametrize("state", STATES)
def test_each_alert_reads_on_its_tint(state):
    text, background = variable(f"bs-{state}-text-emphasis"), variable(f"bs-{state}-bg-subtle")
    assert contrast(text, background) >= AA, (state, round(contrast(text, background), 2))


@pytest.mark.parametrize("state", STATES)
def test_each_button_reads_in_every_state(state):
    solid = rule(f".btn-{state}")
    outline = rule(f".btn-outline-{state}")
    for name in ("bs-btn-bg", "bs-btn-hover-bg", "bs-btn-active-bg"):
        colour = variable(name, solid)
        assert contrast(colour, WHITE) >= AA, (f".btn-{state}", name, colour)
    colour = variable("bs-btn-color", outline)
    assert contrast(colour, WHITE) >= AA, (f".btn-outline-{state}", colour)


def test_text_and_links_read_on_the_page_and_the_footer():
    ink, surface = variable("portal-ink"), variable("portal-surface")
    for foreground in (ink, variable("bs-link-color"), variable("bs-link-hover-color")):
        for background in (WHITE, surface):
            assert contrast(foreground, background) >= AA, (foreground, background)
    # The funder band's yellow carries black text only.
    assert contrast("#000000", variable("portal-brand-yellow")) >= AA
