"""Stage 2 on hostile input: bounded work and no exceptions, whatever the message holds."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxmine.content.analyze import MessageContent, analyze_content, load_content_rules

#: Generous for a shared CI machine; each case takes well under a second here.
SECONDS = 10


@pytest.fixture(scope="module")
def rules():
    return load_content_rules()


def timed(rules, **fields):
    start = time.perf_counter()
    row = analyze_content(MessageContent(**fields), rules)
    return row, time.perf_counter() - start


def test_a_20_mb_html_body_is_cut_at_the_cap_and_noted(rules):
    html = "<p>" + ("Take 20% off <a href='https://a.com/pricing'>pricing</a> " * 350_000) + "</p>"
    assert len(html) > 19_000_000
    row, seconds = timed(rules, body_html=html)
    assert seconds < SECONDS
    assert row["content_notes"] == [
        f"html truncated: read the first 1,000,000 of {len(html):,} characters"
    ]
    assert "discount" in row["offer_types"] and len(row["body_clean"]) <= 100_000


@pytest.mark.parametrize(
    "tag", ["div", "blockquote", "span", "b", "table", "a href='https://a.com'"]
)
def test_100000_deep_nesting_finishes_in_seconds(rules, tag):
    name = tag.split()[0]
    html = f"<{tag}>" * 100_000 + "deep text" + f"</{name}>" * 100_000
    row, seconds = timed(rules, body_html=html)
    assert seconds < SECONDS
    assert isinstance(row["body_clean"], str)


def test_a_1_mb_whitespace_signature_finishes_in_seconds(rules):
    text = "Short note.\n-- \n" + " " * 1_000_000 + "\nSam"
    row, seconds = timed(rules, body_text=text)
    assert seconds < SECONDS
    assert row["body_clean"] == "Short note."
    assert row["content_notes"] == [
        f"text truncated: read the first 300,000 of {len(text):,} characters"
    ]


def test_long_lines_of_near_misses_do_not_backtrack(rules):
    near_misses = "On " + "x" * 200_000 + " wrote" + "\n" + ("1 " * 100_000) + "\n" + "%" * 100_000
    row, seconds = timed(rules, body_text=near_misses, subject="{{" * 1000)
    assert seconds < SECONDS
    assert row["offer_types"] == []


html_pieces = st.sampled_from(
    [
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<table>",
        "<tr>",
        "<td bgcolor='#f00'>",
        "</td>",
        "<a href='https://a.com/pricing?utm_source=x'>",
        "<a href='http://[::1'>",
        "</a>",
        "<img src='https://t.co/o.gif' width='1'>",
        "<img width='x' height='-3' style='width:'>",
        "<blockquote type=cite>",
        "<div class='gmail_quote'>",
        "<div id='divRplyFwdMsg'>",
        "<style>@media{}</style>",
        "<script>x</script>",
        "<!--",
        "-->",
        "<br>",
        "&nbsp;",
        "&#0;",
        "\f",
        "\x00",
        "On Mon wrote:",
        "> quoted",
        "-- ",
        "Best,",
        "Unsubscribe",
        "*|FNAME|*",
        "Hi Alex,",
        "CA 94104",
        "20% off",
        "\u202e",
        "\ud7ff",
        "<h1>",
        "<button>",
        "<",
        ">",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pieces=st.lists(st.one_of(html_pieces, st.text(max_size=20)), max_size=60))
def test_random_html_never_raises(rules, pieces):
    row = analyze_content(MessageContent(subject="s", body_html="".join(pieces)), rules)
    assert isinstance(row["body_clean"], str) and 0 <= row["template_complexity_score"] <= 100


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=400), subject=st.one_of(st.none(), st.text(max_size=50)))
def test_random_text_never_raises(rules, text, subject):
    row = analyze_content(
        MessageContent(
            subject=subject, body_text=text, recipient_names=[text[:20]], sender_name=text[:10]
        ),
        rules,
    )
    assert set(row["offer_evidence"]) == set(row["offer_types"])
