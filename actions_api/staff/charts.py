"""
Chart geometry computed on the server, drawn as inline SVG by the templates.

No chart library and no script: the page needs nothing but its own stylesheet, which keeps it
within the portal's Content-Security-Policy (no inline script, no other host) and fast on a phone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT, AXIS = 600, 180, 18  # viewBox units; the SVG scales to its container


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    css: str  # a class of rolegate-dashboard.css: the colour


@dataclass(frozen=True)
class Segment:
    y: float
    height: float
    css: str
    value: int
    label: str


@dataclass(frozen=True)
class Column:
    x: float
    width: float
    label: str  # under the column, every few columns
    title: str  # the tooltip: the bucket and every value
    segments: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class ColumnChart:
    """Stacked columns over time (one per hour or day)."""

    series: Sequence[Series]
    columns: list[Column]
    total: int
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - AXIS


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    label: str
    value: int
    text_y: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, largest first (refusal reasons, connections)."""

    bars: list[Bar]
    width: int = WIDTH
    height: int = 0


def column_chart(
    *,
    rows: Sequence[dict],
    bucket_key: str,
    buckets: Sequence[dt.datetime],
    series: Sequence[Series],
    label: Callable[[dt.datetime], str],
    label_every: int,
) -> ColumnChart:
    """Stacks each bucket's `series` values (missing buckets are zero) into columns scaled to the peak."""
    by_bucket = {row[bucket_key].astimezone(dt.UTC): row for row in rows}
    totals = [sum(by_bucket.get(bucket, {}).get(one.key, 0) for one in series) for bucket in buckets]
    peak = max(totals, default=0) or 1
    slot = WIDTH / max(len(buckets), 1)
    plot = HEIGHT - AXIS - 4
    columns = []
    for index, bucket in enumerate(buckets):
        row, top = by_bucket.get(bucket, {}), HEIGHT - AXIS
        segments = []
        for one in series:
            value = row.get(one.key, 0)
            height = plot * value / peak
            top -= height
            segments.append(
                Segment(y=round(top, 2), height=round(height, 2), css=one.css, value=value, label=one.label)
            )
        title = f"{label(bucket)}: " + ", ".join(f"{segment.value} {segment.label}" for segment in segments)
        columns.append(
            Column(
                x=round(index * slot + slot * 0.12, 2),
                width=round(slot * 0.76, 2),
                label=label(bucket) if index % label_every == 0 else "",
                title=title,
                segments=[segment for segment in segments if segment.value],
            )
        )
    return ColumnChart(series=series, columns=columns, total=sum(totals), peak=max(totals, default=0))


def bar_chart(*, items: Sequence[tuple[str, int]]) -> BarChart:
    """One bar per (label, value), scaled to the largest value; labels sit above their bars."""
    peak = max((value for _, value in items), default=0) or 1
    row = 52
    bars = [
        Bar(
            y=index * row + 28,
            width=round(max(WIDTH * value / peak, 2), 2),
            label=label,
            value=value,
            text_y=index * row + 22,
        )
        for index, (label, value) in enumerate(items)
    ]
    return BarChart(bars=bars, height=len(items) * row + 4)


def last_hours(now: dt.datetime, count: int) -> list[dt.datetime]:
    top = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return [top - dt.timedelta(hours=count - 1 - index) for index in range(count)]


def last_days(now: dt.datetime, count: int) -> list[dt.datetime]:
    top = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return [top - dt.timedelta(days=count - 1 - index) for index in range(count)]
