"""One parse of a message's HTML: visible text, quotes, links, images, CTAs.

The HTML is hostile input. Work is bounded: the document handed to the
parser is capped (:data:`MAX_HTML_CHARS`), nesting that would make the
parser quadratic is cut (:func:`limit_nesting`), node and link counts are
capped, and the tree is parsed exactly once. Removed parts (quotes, hidden
text, scripts) are detached from the tree, never destroyed while Python
still holds their children, so nothing is touched after it is freed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from inboxmine.content.text import normalize_lines, one_line

#: Most characters of HTML handed to the parser (the rest is noted, not read).
MAX_HTML_CHARS = 1_000_000
#: Deepest nesting of block elements kept; lexbor is quadratic in it.
MAX_BLOCK_DEPTH = 2_000
#: Most links, images and styled elements looked at in one message.
MAX_LINKS = 2_000
MAX_IMAGES = 2_000
MAX_STYLED = 20_000
#: Longest anchor text kept for a link, and longest CTA text.
MAX_LINK_TEXT = 200
MAX_CTA_TEXT = 80

# Block elements end a line of text. A form feed marks the break: it is
# whitespace to the HTML parser (so table content is not re-parented) and
# rare in real mail (existing ones are turned into spaces first).
_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|div|br|tr|li|h[1-6]|table|blockquote|hr|ul|ol|dl|dt|dd|section|article"
    r"|header|footer|center|pre|address|form|title|td|th)[\s/>])",
    re.IGNORECASE,
)
# Elements whose start tag makes lexbor scan the stack of open elements.
_SCOPE_TAG = re.compile(
    r"<(/?)(?:div|blockquote|section|article|aside|header|footer|nav|main|center|ul|ol|dl"
    r"|figure|fieldset|details|form|address|menu|h[1-6]|pre|hgroup|dir|summary|dialog"
    r"|figcaption|listing|xmp)[\s/>]",
    re.IGNORECASE,
)
_SIZE_NUMBER = re.compile(r"^\s*(\d{1,6})(?:\.\d+)?\s*(?:px)?\s*$")
_CSS_SIZE = re.compile(r"(?<![-\w])(width|height)\s*:\s*(\d{1,6})(?:\.\d+)?\s*(?:px)?\s*(?:;|$|!)")
_CSS_BACKGROUND = re.compile(r"(?<![-\w])background(?:-color)?\s*:\s*([^;]{1,60})")
_FONT_SIZE = re.compile(r"font-size\s*:\s*(\d{1,3})(?:\.\d+)?\s*px")
_BUTTON_CLASS = re.compile(r"(?<![a-z])(?:button|btn|cta)", re.IGNORECASE)
_NO_COLOUR = ("transparent", "none", "inherit", "initial", "#fff", "#ffffff", "white")
_HEADLINE_FONT_PX = 22


@dataclass(slots=True)
class Link:
    """One distinct link of the message (the first anchor wins its texts)."""

    url: str
    texts: list[str] = field(default_factory=list)
    is_cta: bool = False


@dataclass(slots=True)
class Image:
    src: str
    alt: str
    width: int | None
    height: int | None
    style: str


@dataclass(slots=True)
class HtmlDocument:
    """What one HTML body holds, in the shape the analysis needs."""

    text: str = ""
    quoted_text: str = ""
    preheader: str = ""
    headline: str | None = None
    links: list[Link] = field(default_factory=list)
    cta_texts: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    table_count: int = 0
    styled_count: int = 0
    has_media_query: bool = False
    notes: list[str] = field(default_factory=list)


def limit_nesting(html: str, max_depth: int = MAX_BLOCK_DEPTH) -> tuple[str, int | None]:
    """``html`` cut where block nesting first gets deeper than ``max_depth``.

    Returns the (possibly shortened) HTML and the cut position, or None when
    nothing was cut. Cheap for normal mail: documents with fewer tags than
    ``max_depth`` cannot be that deep and are not scanned.
    """
    if html.count("<") <= max_depth:
        return html, None
    depth = 0
    for match in _SCOPE_TAG.finditer(html):
        if match.group(1):
            depth = max(0, depth - 1)
            continue
        depth += 1
        if depth > max_depth:
            return html[: match.start()], match.start()
    return html, None


def _pixel_size(value: str | None) -> int | None:
    if not value:
        return None
    match = _SIZE_NUMBER.match(value[:20])
    return int(match.group(1)) if match else None


def _clean(text: str, limit: int) -> str:
    return one_line(text, limit)


def parse_html(
    html: str,
    quote_selectors: list[str],
    cut_after: list[str],
    hidden_style: re.Pattern,
    total_length: int | None = None,
) -> HtmlDocument:
    """Parse one HTML body (once) into text, quoted text, links, images, CTAs.

    ``total_length`` is the stored length when ``html`` is only its start.
    ``quote_selectors`` are CSS selectors of quote containers (removed, kept
    as ``quoted_text``); ``cut_after`` are markers after which the rest of
    their parent is quoted (Outlook); ``hidden_style`` matches inline CSS that
    hides an element (its text is not visible; the first is the preheader).
    """
    doc = HtmlDocument()
    total = max(len(html), total_length or 0)
    if total > MAX_HTML_CHARS:
        doc.notes.append(
            f"html truncated: read the first {MAX_HTML_CHARS:,} of {total:,} characters"
        )
        html = html[:MAX_HTML_CHARS]
    html, cut = limit_nesting(html)
    if cut is not None:
        doc.notes.append(
            f"html nested deeper than {MAX_BLOCK_DEPTH} blocks: read the first {cut:,} characters"
        )
    lowered = html.lower()
    doc.has_media_query = "@media" in lowered
    doc.table_count = lowered.count("<table")
    html = _BLOCK_TAG.sub("\f<", html.replace("\f", " "))
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return doc
    for node in root.css("script, style, noscript, template, title, head"):
        node.decompose(recursive=False)

    doc.quoted_text = _remove_quotes(root, quote_selectors, cut_after)

    styled = root.css("[style]")[:MAX_STYLED]
    doc.styled_count = len(styled)
    doc.headline = _headline(root, styled)
    doc.images = _images(root)
    doc.links, doc.cta_texts = _links_and_ctas(root)

    hidden_texts = []
    for node in styled:
        style = node.attributes.get("style") or ""
        if hidden_style.search(style[:2000]):
            if len(hidden_texts) < 3:
                hidden_texts.append(_clean(node.text(), 300))
            node.decompose(recursive=False)
    for node in root.css("[hidden]"):
        node.decompose(recursive=False)
    doc.preheader = next((t for t in hidden_texts if t), "")
    doc.text = normalize_lines(root.text())
    return doc


def _remove_quotes(root: LexborNode, selectors: list[str], cut_after: list[str]) -> str:
    """Detach the quoted message(s) from the tree; returns their text."""
    quoted: list[str] = []
    for selector in cut_after:
        for marker in root.css(selector)[:20]:
            siblings = []
            sibling = marker.next
            while sibling is not None and len(siblings) < 500:
                siblings.append(sibling)
                sibling = sibling.next
            quoted.append(marker.text())
            marker.decompose(recursive=False)
            for node in siblings:
                quoted.append(node.text())
                node.decompose(recursive=False)
    for selector in selectors:
        for node in root.css(selector)[:200]:
            # A container nested in one removed already is detached with it;
            # taking its text again would repeat it.
            if node.parent is None:
                continue
            quoted.append(node.text())
            node.decompose(recursive=False)
    return normalize_lines("\f".join(quoted)) if quoted else ""


def _headline(root: LexborNode, styled: list[LexborNode]) -> str | None:
    """First h1, else first h2, else the first text set in a large font."""
    for selector in ("h1", "h2"):
        for node in root.css(selector)[:20]:
            text = _clean(node.text(), 300)
            if text:
                return text
    for node in styled[:2000]:
        match = _FONT_SIZE.search((node.attributes.get("style") or "")[:1000])
        if match and int(match.group(1)) >= _HEADLINE_FONT_PX:
            text = _clean(node.text(), 300)
            if text:
                return text
    return None


def _images(root: LexborNode) -> list[Image]:
    images = []
    for node in root.css("img")[:MAX_IMAGES]:
        attrs = node.attributes
        width = _pixel_size(attrs.get("width"))
        height = _pixel_size(attrs.get("height"))
        style = (attrs.get("style") or "")[:1000]
        for dimension, number in _CSS_SIZE.findall(style.lower()):
            if dimension == "width" and width is None:
                width = int(number)
            elif dimension == "height" and height is None:
                height = int(number)
        images.append(
            Image(
                src=(attrs.get("src") or "").strip()[:2048],
                alt=_clean(attrs.get("alt") or "", MAX_LINK_TEXT),
                width=width,
                height=height,
                style=style,
            )
        )
    return images


def _looks_like_button(node: LexborNode) -> bool:
    """A link styled as a button: button classes, a background, or a coloured cell."""
    attrs = node.attributes
    if _BUTTON_CLASS.search((attrs.get("class") or "")[:300]):
        return True
    if _has_background(attrs):
        return True
    # "Bulletproof" buttons: the link is the only content of a coloured cell.
    parent = node.parent
    return (
        parent is not None
        and parent.tag in ("td", "th", "div", "span", "p", "center")
        and _has_background(parent.attributes)
    )


def _has_background(attrs: dict) -> bool:
    colour = (attrs.get("bgcolor") or "").strip().lower()
    if colour and colour not in _NO_COLOUR:
        return True
    match = _CSS_BACKGROUND.search((attrs.get("style") or "")[:1000].lower())
    return bool(match) and match.group(1).replace("!important", "").strip() not in _NO_COLOUR


def _links_and_ctas(root: LexborNode) -> tuple[list[Link], list[str]]:
    by_url: dict[str, Link] = {}
    ctas: list[str] = []
    for node in root.css("a[href]")[: MAX_LINKS * 2]:
        href = (node.attributes.get("href") or "").strip()[:2048]
        if not href or href.startswith("#"):
            continue
        text = _clean(node.text(), MAX_LINK_TEXT)
        if not text:
            # An image link speaks through its alt text (logos, social icons).
            image = node.css_first("img")
            if image is not None:
                text = _clean(image.attributes.get("alt") or "", MAX_LINK_TEXT)
        link = by_url.get(href)
        if link is None:
            if len(by_url) >= MAX_LINKS:
                continue
            link = by_url[href] = Link(url=href)
        if text and text not in link.texts and len(link.texts) < 3:
            link.texts.append(text)
        if text and len(text) < MAX_CTA_TEXT and _looks_like_button(node):
            link.is_cta = True
            if text not in ctas:
                ctas.append(text)
    for node in root.css("button, input[type=submit]")[:100]:
        text = _clean(node.text() or node.attributes.get("value") or "", MAX_CTA_TEXT)
        if text and text not in ctas:
            ctas.append(text)
    return list(by_url.values()), ctas
