"""Recovery capital over time as an SVG chart (pygal), for staff pages and the person's own space.

The SVG is served as an image (``<img>``), never inlined, so the page's strict CSP holds; pygal's
interactive script is left out entirely, the chart needs none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

import pygal
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pygal.style import Style

from peerway.recovery.instruments.engine import flag_threshold
from peerway.recovery.models import CheckIn, Participant

SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)
# Colours with at least 4.5:1 contrast on white; the threshold line is dashed, so colour is never the only cue.
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    colors=("#0b5394", "#8a4b00"),
    guide_stroke_color="#d0d7de",
    guide_stroke_dasharray="1,0",
    major_guide_stroke_color="#d0d7de",
    font_family="system-ui, sans-serif",
)


def checkin_chart_svg(checkins: Sequence[CheckIn], *, title: str = "") -> bytes:
    """An SVG line chart of the scores in ``checkins`` (oldest first) with the instrument's flagged
    threshold as a dashed line. Check-ins of several instruments are drawn as one line per instrument.

    Instruments are named in the active language, and dates are days in the current time zone (the viewer's
    organization's), so a check-in late in the evening is not shown on the next day."""
    zone = timezone.get_current_timezone()
    language = translation.get_language() or settings.LANGUAGE_CODE

    def day(moment: dt.datetime) -> str:
        # pygal hands each date back as a naive datetime in UTC.
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(zone).strftime("%Y-%m-%d")

    chart = pygal.DateTimeLine(
        js=[],
        style=STYLE,
        width=720,
        height=360,
        title=title or None,
        x_value_formatter=day,
        x_label_rotation=30,
        show_legend=True,
        legend_at_bottom=True,
        dots_size=4,
        truncate_legend=-1,
        no_data_text=_("No check-ins yet"),
    )
    by_instrument: dict[int, list[CheckIn]] = {}
    for checkin in checkins:
        by_instrument.setdefault(checkin.instrument_id, []).append(checkin)
    low: int | None = None
    high: int | None = None
    for entries in by_instrument.values():
        definition = entries[0].instrument.definition
        low = definition.scoring.minimum if low is None else min(low, definition.scoring.minimum)
        high = definition.scoring.maximum if high is None else max(high, definition.scoring.maximum)
        chart.add(
            definition.title.in_language(language),
            [(c.answered_at, c.score) for c in entries],
            stroke_style={"width": 3},
        )
        threshold = flag_threshold(definition.scoring)
        if threshold is not None and len(by_instrument) == 1:
            first, last = entries[0].answered_at, entries[-1].answered_at
            chart.add(
                _("Threshold (%(score)s)") % {"score": threshold},
                [(first, threshold), (last, threshold)],
                show_dots=False,
                stroke_style={"width": 3, "dasharray": "10, 6"},
            )
    if low is not None and high is not None:
        chart.range = (low, high)
    rendered: bytes = chart.render()
    return SCRIPT.sub(b"", rendered)


def participant_checkin_chart_svg(participant: Participant, checkins: Iterable[CheckIn] | None = None) -> bytes:
    """The chart for one participant. Unaudited: callers (staff selectors, the person's own space) log the read."""
    if checkins is None:
        checkins = CheckIn.objects.filter(participant=participant).select_related("instrument")
    ordered = sorted(checkins, key=lambda c: (c.answered_at, c.pk or 0))
    return checkin_chart_svg(ordered, title=_("Recovery capital over time"))
