"""Message HTML made safe to look at.

Email HTML is hostile: scripts, event handlers, forms, remote images that
report the open (tracking pixels), CSS that loads URLs. :func:`sanitize_html`
keeps the readable markup and drops everything active or remote; the admin
then shows the result in a sandboxed frame under a content-security policy
(:data:`MESSAGE_CSP`) that blocks scripts and every remote load, so even a
sanitizer gap loads nothing. The work is bounded: input is capped at
:data:`MAX_HTML_CHARS` and the sanitizer (ammonia, via nh3) runs in linear time.
"""

from __future__ import annotations

from dataclasses import dataclass

import nh3

MAX_HTML_CHARS = 1_000_000
#: HTML parsing is quadratic in nesting depth (20,000 nested tags take about
#: half a second, 200,000 take minutes), so a message is cut after this many tags.
MAX_TAGS = 20_000

#: The policy of the frame that shows a message: nothing runs, nothing remote loads.
MESSAGE_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src 'none'; "
    "script-src 'none'; connect-src 'none'; frame-src 'none'; form-action 'none'; "
    "base-uri 'none'; frame-ancestors 'self'; sandbox"
)

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "col", "colgroup",
    "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"align", "valign", "width", "height", "style", "title", "dir", "lang", "bgcolor"},
    "a": {"href"},
    "img": {"src", "alt"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "font": {"color", "size", "face"},
    "table": {"border", "cellpadding", "cellspacing"},
}
#: CSS properties that cannot load anything (no background, no url(), no fonts).
_STYLE_PROPERTIES = {
    "color", "background-color", "text-align", "font-weight", "font-style", "font-size",
    "text-decoration", "line-height", "padding", "padding-top", "padding-bottom",
    "padding-left", "padding-right", "margin", "margin-top", "margin-bottom", "margin-left",
    "margin-right", "border", "border-collapse", "width", "max-width", "height",
    "vertical-align", "white-space", "display",
}  # fmt: skip


@dataclass
class Sanitized:
    html: str
    blocked_images: int
    truncated: bool


def sanitize_html(html: str | None) -> Sanitized:
    """Safe HTML for display, and how many remote images were removed."""
    if not html:
        return Sanitized("", 0, False)
    truncated = len(html) > MAX_HTML_CHARS
    if truncated:
        html = html[:MAX_HTML_CHARS]
    cut = _nth_tag(html, MAX_TAGS)
    if cut is not None:
        html = html[:cut]
        truncated = True
    blocked = 0

    def keep(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        if tag == "img" and attribute == "src":
            # Only inline images; a remote one would tell the sender it was opened.
            if value.strip().lower().startswith("data:image/"):
                return value
            blocked += 1
            return None
        if attribute == "href":
            lowered = value.strip().lower()
            if not lowered.startswith(("http://", "https://", "mailto:")):
                return None
        return value

    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head", "noscript", "template"},
        attributes=_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes={"http", "https", "mailto", "data"},
        filter_style_properties=_STYLE_PROPERTIES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Sanitized(cleaned, blocked, truncated)


def _nth_tag(html: str, n: int) -> int | None:
    """Where the (n+1)-th ``<`` starts, or None when there are no more than n."""
    position = -1
    for _ in range(n + 1):
        position = html.find("<", position + 1)
        if position < 0:
            return None
    return position


def message_document(body: Sanitized) -> str:
    """A whole HTML document for the message frame."""
    note = ""
    if body.blocked_images:
        note = (
            '<p style="color:#666;font-size:12px;border-bottom:1px solid #ddd;padding-bottom:4px">'
            f"{body.blocked_images} remote image(s) blocked (they would tell the sender "
            "that you opened this message).</p>"
        )
    if body.truncated:
        note += '<p style="color:#a00;font-size:12px">The message was cut for display.</p>'
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer"></head>'
        f'<body style="font-family:sans-serif;font-size:14px">{note}{body.html}</body></html>'
    )
