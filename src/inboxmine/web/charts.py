"""Charts drawn on the server as SVG: no chart library, no script, nothing remote.

Labels come from email (sender domains, industries), so every piece of text
is escaped here; the result is safe to insert into a page as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = (
    "#206bc4", "#2fb344", "#f76707", "#d63939", "#ae3ec9", "#17a2b8", "#f59f00",
    "#74b816", "#4263eb", "#e64980", "#495057", "#0ca678",
)  # fmt: skip
MAX_LABEL = 28
MAX_BARS = 15


def _label(text: object) -> str:
    value = "(none)" if text is None or text == "" else str(text)
    return value if len(value) <= MAX_LABEL else value[: MAX_LABEL - 1] + "…"


def empty(message: str) -> Markup:
    return Markup('<p class="text-secondary chart-empty">{}</p>').format(message)


def bar_chart(
    items: Sequence[tuple[object, float]], title: str, unit: str = "", empty_text: str = ""
) -> Markup:
    """Horizontal bars, one per (label, value), biggest first as given."""
    items = [(label, float(value or 0)) for label, value in items][:MAX_BARS]
    if not items:
        return empty(empty_text or "No data yet.")
    row_h, label_w, bar_w = 22, 190, 260
    height = row_h * len(items) + 8
    top = max(value for _, value in items) or 1.0
    parts = [
        Markup(
            '<svg class="chart" role="img" viewBox="0 0 {w} {h}" width="100%" '
            'preserveAspectRatio="xMinYMin meet"><title>{t}</title>'
        ).format(w=label_w + bar_w + 70, h=height, t=title)
    ]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row_h
        width = max(1.0, bar_w * value / top)
        shown = f"{value:g}{unit}"
        parts.append(
            Markup(
                "<g><title>{full}: {shown}</title>"
                '<text x="{lx}" y="{ty}" text-anchor="end" font-size="12">{label}</text>'
                '<rect x="{bx}" y="{y}" width="{bw:.1f}" height="{bh}" fill="{color}" rx="2"></rect>'
                '<text x="{vx:.1f}" y="{ty}" font-size="12">{shown}</text></g>'
            ).format(
                full=str(label),
                shown=shown,
                lx=label_w - 6,
                ty=y + 14,
                label=_label(label),
                bx=label_w,
                y=y,
                bw=width,
                bh=row_h - 6,
                color=PALETTE[i % len(PALETTE)],
                vx=label_w + width + 4,
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def donut_chart(items: Sequence[tuple[object, float]], title: str, empty_text: str = "") -> Markup:
    """A donut with a legend; slices in the given order."""
    items = [(label, float(value or 0)) for label, value in items if value][:MAX_BARS]
    total = sum(value for _, value in items)
    if not items or total <= 0:
        return empty(empty_text or "No data yet.")
    cx, cy, r, inner = 80, 80, 70, 42
    parts = [
        Markup(
            '<svg class="chart" role="img" viewBox="0 0 420 {h}" width="100%" '
            'preserveAspectRatio="xMinYMin meet"><title>{t}</title>'
        ).format(h=max(170, 20 * len(items) + 10), t=title)
    ]
    angle = -math.pi / 2
    for i, (label, value) in enumerate(items):
        color = PALETTE[i % len(PALETTE)]
        share = value / total
        if share >= 0.9999:
            parts.append(
                Markup(
                    '<circle cx="{cx}" cy="{cy}" r="{r}" fill="{c}"><title>{l}: {v:g}</title></circle>'
                ).format(cx=cx, cy=cy, r=r, c=color, l=str(label), v=value)
            )
        else:
            end = angle + share * 2 * math.pi
            large = 1 if share > 0.5 else 0
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
            parts.append(
                Markup(
                    '<path d="M{cx},{cy} L{x1:.2f},{y1:.2f} A{r},{r} 0 {lg} 1 {x2:.2f},{y2:.2f} Z" '
                    'fill="{c}"><title>{l}: {v:g}</title></path>'
                ).format(
                    cx=cx,
                    cy=cy,
                    x1=x1,
                    y1=y1,
                    r=r,
                    lg=large,
                    x2=x2,
                    y2=y2,
                    c=color,
                    l=str(label),
                    v=value,
                )
            )
            angle = end
        parts.append(
            Markup(
                '<rect x="175" y="{y}" width="12" height="12" fill="{c}"></rect>'
                '<text x="193" y="{ty}" font-size="12">{l} ({v:g})</text>'
            ).format(y=8 + i * 20, ty=18 + i * 20, c=color, l=_label(label), v=value)
        )
    parts.append(
        Markup('<circle cx="{cx}" cy="{cy}" r="{r}" fill="#fff"></circle>').format(
            cx=cx, cy=cy, r=inner
        )
    )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def escape_text(value: object) -> Markup:
    return escape(value)
