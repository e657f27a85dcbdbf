"""The digest as text (a terminal or a cron mail), standalone HTML, or JSON.

Every text in a digest can come from mail (subjects in gem summaries, company
names, quotes): HTML escapes all of it and links to nothing outside the
document; text drops control characters so a subject cannot drive the
terminal that prints it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import escape
from typing import Any

from inboxmine.digest.build import Digest

FORMATS = ("text", "html", "json")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SECTIONS = (
    ("new_gems", "New gems"),
    ("changed_gems", "Changed gems"),
    ("new_asks", "New unanswered asks"),
    ("renewals_due", "Renewals coming due"),
    ("drafts_waiting", "Drafts waiting"),
)


def clean(value: Any, limit: int = 240) -> str:
    """One line of printable text: control and bidi characters removed, cut at ``limit``."""
    text = CONTROL.sub(" ", "" if value is None else str(value))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _change(g: dict[str, Any]) -> str:
    parts = []
    if g["before_score"] is not None and g["before_score"] != g["score"]:
        parts.append(f"score {g['before_score']} -> {g['score']}")
    if g["before_status"] is not None and g["before_status"] != g["status"]:
        parts.append(f"{g['before_status']} -> {g['status']}")
    if g["before_status"] is None:
        parts.append(f"now {g['status']}")
    return ", ".join(parts)


def item_line(section: str, item: dict[str, Any]) -> str:
    """One item of a section in words (plain text, not yet escaped)."""
    who = clean(item.get("company_name") or item.get("sender_domain"), 80)
    if section in ("new_gems", "new_asks"):
        return f"[{item['score']}] {item['gem_type']} - {who}: {clean(item['summary'])} (gem {item['id']})"
    if section == "changed_gems":
        return f"[{item['score']}] {item['gem_type']} - {who}: {_change(item)} (gem {item['id']})"
    if section == "renewals_due":
        gem = f" (gem {item['gem_id']})" if item.get("gem_id") else ""
        return f"{item['date']} (in {item['days_until']} days) {item['kind']} - {who}{gem}"
    flag = "new " if item.get("is_new") else ""
    return (
        f"{flag}{item['status']} draft {item['id']} ({item['strategy']}) for gem "
        f"{item['gem_id']} - {who}: {clean(item.get('subject_line'), 120)}"
    )


NO_SNAPSHOT = "no earlier digest to compare scores with: changed gems are status changes only"


def _sections(digest: Digest):
    """``(key, title, items shown, total)`` of each section, in order."""
    for key, title in SECTIONS:
        items = getattr(digest, key)
        if key == "renewals_due":
            title = f"{title} (next {digest.renewal_days} days)"
        yield key, title, items, digest.counts.get(key, len(items))


def render_text(digest: Digest) -> str:
    lines = [
        f"inboxmine digest, {_when(digest.generated_at)}",
        clean(digest.since_note),
    ]
    if not digest.compared_with_snapshot:
        lines.append(f"({NO_SNAPSHOT})")
    if digest.nothing_new:
        lines.append("Nothing new since then.")
    for key, title, items, total in _sections(digest):
        lines += ["", f"{title}: {total}"]
        lines += [f"  - {item_line(key, item)}" for item in items]
        if total > len(items):
            lines.append(f"  ... and {total - len(items)} more")
    return "\n".join(lines) + "\n"


STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1d273b;padding:0 1rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #e6e7e9}
.note{color:#667382}.count{color:#667382;font-weight:normal}li{margin:.25rem 0}
.empty{color:#667382;font-style:italic}
"""


def render_html(digest: Digest) -> str:
    """A standalone document: inline style, no scripts, no links, everything escaped."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>inboxmine digest {escape(_when(digest.generated_at))}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>inboxmine digest, {escape(_when(digest.generated_at))}</h1>",
        f'<p class="note" id="since">{escape(clean(digest.since_note))}</p>',
    ]
    if not digest.compared_with_snapshot:
        parts.append(f'<p class="note">{NO_SNAPSHOT[0].upper()}{NO_SNAPSHOT[1:]}.</p>')
    if digest.nothing_new:
        parts.append('<p id="nothing-new"><strong>Nothing new since then.</strong></p>')
    for key, title, items, total in _sections(digest):
        parts.append(
            f'<section id="{key}"><h2>{escape(title)} <span class="count">{total}</span></h2>'
        )
        if items:
            parts.append("<ul>")
            parts += [f"<li>{escape(item_line(key, item))}</li>" for item in items]
            parts.append("</ul>")
        else:
            parts.append('<p class="empty">none</p>')
        if total > len(items):
            parts.append(f"<p>... and {total - len(items)} more</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render_json(digest: Digest) -> str:
    return json.dumps(digest.to_dict(), default=_json_default, ensure_ascii=False, indent=2) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def render(digest: Digest, fmt: str) -> str:
    """The digest in ``fmt`` (text, html or json)."""
    if fmt == "html":
        return render_html(digest)
    if fmt == "json":
        return render_json(digest)
    return render_text(digest)
