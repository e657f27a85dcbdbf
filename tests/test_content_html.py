"""Stage 2 HTML parsing: visible text, hidden preheaders, quotes, headline, links, CTAs, pixels."""

import pytest

from inboxmine.content.analyze import MessageContent, analyze_content, load_content_rules
from inboxmine.content.html import limit_nesting


@pytest.fixture(scope="module")
def rules():
    return load_content_rules()


def analyze(rules, html=None, text=None, subject="", **kw):
    return analyze_content(
        MessageContent(subject=subject, body_html=html, body_text=text, **kw), rules
    )


def test_visible_text_drops_scripts_styles_and_the_hidden_preheader(rules):
    html = """<html><head><title>T</title><style>.x{color:red}</style></head><body>
    <div style="display:none;max-height:0">Use code SAVE20 at checkout.&#847;&zwnj;&nbsp;</div>
    <script>var a = "tracking";</script>
    <p>Hello <b>there</b>, welcome.</p><p>Second paragraph</p></body></html>"""
    row = analyze(rules, html)
    assert row["body_clean"] == "Hello there, welcome.\n\nSecond paragraph"
    assert row["preheader_text"] == "Use code SAVE20 at checkout."
    # The preheader still counts as evidence of an offer.
    assert "discount" in row["offer_types"]


def test_gmail_and_apple_quotes_are_removed_before_text_conversion_and_kept(rules):
    html = """<div dir="ltr">Sounds good, see you Tuesday.</div>
    <div class="gmail_quote"><div class="gmail_attr">On Mon, Jan 5, 2026 Dana wrote:</div>
    <blockquote class="gmail_quote">Can we meet? Here is our pricing.</blockquote></div>
    <blockquote type="cite">Older quoted text</blockquote>"""
    row = analyze(rules, html)
    assert row["body_clean"] == "Sounds good, see you Tuesday."
    assert "Can we meet?" in row["quoted_text"] and "Older quoted text" in row["quoted_text"]


def test_outlook_reply_header_cuts_everything_after_it(rules):
    html = """<div>Thanks, that works.</div><div id="appendonsend"></div><hr>
    <div id="divRplyFwdMsg"><b>From:</b> Dana<br><b>Sent:</b> Monday</div><div>Original proposal text</div>"""
    row = analyze(rules, html)
    assert row["body_clean"] == "Thanks, that works."
    assert "Original proposal text" in row["quoted_text"]


def test_headline_is_the_first_h1_else_h2_else_large_type(rules):
    assert analyze(rules, "<h2>Second</h2><h1>First</h1>")["primary_headline"] == "First"
    assert analyze(rules, "<p>x</p><h2>Only h2</h2>")["primary_headline"] == "Only h2"
    big = '<div style="font-size:28px;font-weight:bold">Big news</div><p>text</p>'
    assert analyze(rules, big)["primary_headline"] == "Big news"
    assert analyze(rules, "<p>plain</p>")["primary_headline"] is None


def test_links_are_deduplicated_and_only_http_links_count(rules):
    html = """<a href="https://a.com/x">One</a><a href="https://a.com/x">One again</a>
    <a href="mailto:me@a.com">Mail</a><a href="#top">Top</a><a href="https://b.com/">B</a>"""
    row = analyze(rules, html)
    assert row["link_count"] == 2
    assert row["unique_link_domains"] == ["a.com", "b.com"]


def test_ctas_are_buttons_and_button_styled_links(rules):
    html = """<a class="btn btn-primary" href="https://a.com/1">Start free trial</a>
    <a href="https://a.com/2" style="background-color:#2563eb;color:#fff">Book a demo</a>
    <table><tr><td bgcolor="#16a34a"><a href="https://a.com/3">Shop the sale</a></td></tr></table>
    <a href="https://a.com/4" style="background-color:transparent">Plain link</a>
    <button>Subscribe</button>"""
    assert analyze(rules, html)["cta_texts"] == [
        "Start free trial",
        "Book a demo",
        "Shop the sale",
        "Subscribe",
    ]


@pytest.mark.parametrize(
    "img",
    [
        '<img src="https://x.com/o.png" width="1" height="1">',
        '<img src="https://x.com/o.png" style="width:1px;height:1px;border:0;">',
        '<img src="https://x.com/o.png" style="display:none;">',
        '<img src="https://u1.ct.sendgrid.net/wf/open?upn=abc" alt="">',
        '<img src="https://trk.klclick1.com/wf/open?upn=u001.x">',
    ],
)
def test_tracking_pixels_by_size_css_or_known_tracker(rules, img):
    row = analyze(rules, f"<p>Hi</p>{img}")
    assert row["tracking_pixel_count"] == 1
    assert row["image_count"] == 1


def test_a_logo_is_an_image_but_not_a_pixel(rules):
    html = '<img src="https://cdn.x.com/logo.png" width="140" height="40" style="width:140px;height:40px">'
    row = analyze(rules, html)
    assert (row["image_count"], row["tracking_pixel_count"]) == (1, 0)


def test_plain_text_is_used_when_there_is_no_html(rules):
    row = analyze(rules, None, text="Hi,\n\nBook here: https://calendly.com/x/demo.\n\nBest,\nSam")
    assert row["body_clean"] == "Hi,\n\nBook here: https://calendly.com/x/demo."
    assert row["link_intents"] == {"demo_booking": ["https://calendly.com/x/demo"]}
    assert row["signature_block"] == "Best,\nSam"


def test_nesting_deeper_than_the_limit_is_cut_and_noted():
    html = "<div>" * 5000 + "deep"
    cut, position = limit_nesting(html, max_depth=100)
    assert position == 100 * len("<div>") and len(cut) == position
    assert limit_nesting("<div>ok</div>", max_depth=100) == ("<div>ok</div>", None)


def test_complexity_counts_tables_styles_media_images_links_and_personalization(rules):
    plain = analyze(rules, None, text="Hello there, just text.")
    assert plain["template_complexity_score"] == 0
    html = """<style>@media (max-width:600px){.a{width:100%}}</style>
    <table><tr><td style="padding:4px">Hi Alex, welcome</td></tr></table>
    <img src="https://cdn.x.com/a.png" width="100"><a href="https://x.com">x</a>"""
    row = analyze(rules, html, recipient_names=["Alex Morgan"])
    assert row["has_personalization"] is True
    # table 5 + styled 1x2 + @media 15 + image 3 + link 2 + personalization 10
    assert row["template_complexity_score"] == 37
