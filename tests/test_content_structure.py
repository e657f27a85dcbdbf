"""Stage 2 structure: quoted replies, signatures, footers, postal addresses, personalization."""

import pytest

from inboxmine.content.address import find_address
from inboxmine.content.analyze import MessageContent, analyze_content, load_content_rules
from inboxmine.content.personalization import find_personalization, recipient_first_names
from inboxmine.content.structure import split_text


@pytest.fixture(scope="module")
def rules():
    return load_content_rules()


def split(rules, text, **kw):
    return split_text(text, rules.structure, **kw)


def test_on_wrote_and_quoted_lines_are_quoted_text(rules):
    text = "Sounds good.\n\nOn Mon, Jan 5, 2026 at 9:00 AM Dana Whitfield\n<dana@x.io> wrote:\n> Can we meet?\n> Tuesday?"
    parts = split(rules, text)
    assert parts.body == "Sounds good."
    assert parts.quoted.startswith("On Mon, Jan 5") and "> Tuesday?" in parts.quoted


def test_outlook_header_block_and_separator_start_the_quote(rules):
    text = "Works for me.\n\nFrom: Dana <dana@x.io>\nSent: Monday\nTo: Alex\nSubject: Re: plan\n\nOld text"
    assert split(rules, text).body == "Works for me."
    text = "Works for me.\n________________________________\nFrom: Dana\nOld text"
    assert split(rules, text).body == "Works for me."


def test_inline_quote_lines_are_removed_anywhere(rules):
    parts = split(rules, "> earlier point\nMy answer to that.")
    assert (parts.body, parts.quoted) == ("My answer to that.", "> earlier point")


def test_a_sign_off_near_the_end_starts_the_signature(rules):
    parts = split(
        rules,
        "Hi Alex,\n\nSee attached.\n\nBest regards,\nDana Whitfield\nVP Marketing\n+1 415 555 0134",
    )
    assert parts.body == "Hi Alex,\n\nSee attached."
    assert parts.signature == "Best regards,\nDana Whitfield\nVP Marketing\n+1 415 555 0134"


def test_an_early_thanks_followed_by_more_paragraphs_is_not_a_signature(rules):
    paragraphs = "\n\n".join(
        f"Paragraph {i} with real content about the project." for i in range(12)
    )
    parts = split(rules, f"Thanks!\n\n{paragraphs}")
    assert parts.signature == "" and parts.body.startswith("Thanks!")
    assert parts.body.endswith("Paragraph 11 with real content about the project.")


def test_the_senders_name_starts_a_signature_without_sign_off(rules):
    text = "Please confirm your intent to bid.\n\nRachel Kim\nSenior Procurement Manager\nOrbital Retail"
    parts = split(rules, text, sender_name="Rachel Kim")
    assert parts.body == "Please confirm your intent to bid."
    assert parts.signature.startswith("Rachel Kim")


def test_delimiters_start_the_signature(rules):
    assert split(rules, "Short note.\n-- \nSam\nACME").signature == "--\nSam\nACME"
    assert split(rules, "On my way.\n\nSent from my iPhone").signature == "Sent from my iPhone"


def test_the_footer_is_kept_with_its_address_and_social_row(rules):
    html = """<p>Big news inside.</p>
    <table><tr><td><a href="https://x.com/a">X</a></td><td><a href="https://linkedin.com/a">LinkedIn</a></td></tr></table>
    <p>You are receiving this email because you signed up at acme.io.</p>
    <p><a href="https://acme.io/unsubscribe">Unsubscribe</a> | <a href="https://acme.io/preferences">Update your preferences</a></p>
    <p>&copy; 2026 Acme. All rights reserved.</p>
    <p>548 Market Street, Suite 400, San Francisco, CA 94104, USA</p>"""
    row = analyze_content(MessageContent(body_html=html), rules)
    assert row["body_clean"] == "Big news inside."
    assert row["footer_text"].startswith("X\n\nLinkedIn")
    assert "Unsubscribe" in row["footer_text"]
    assert row["has_physical_address"] is True
    assert (
        row["physical_address_text"] == "548 Market Street, Suite 400, San Francisco, CA 94104, USA"
    )


@pytest.mark.parametrize(
    "address",
    [
        "1209 Orange Street, Wilmington, DE 19801, United States",
        "77 Summer Street, 8th Floor, Boston, MA 02110",
        "12 Clerkenwell Road, London EC1M 5PQ, United Kingdom",
        "Unit 4, 21 Deansgate, Manchester M3 4LQ, UK",
        "Torstraße 123, 10119 Berlin, Deutschland",
        "Maximilianstraße 35, 80539 München, Germany",
        "250 King St W, Suite 1200, Toronto, ON M5H 1J9, Canada",
        "1100 Rue Sherbrooke O, Montréal, QC H3A 1G7, Canada",
        "Acme Inc.\n500 Howard St\nSan Francisco, CA 94105",
    ],
)
def test_postal_addresses_of_several_countries(rules, address):
    assert find_address(f"Acme\n{address}\nAll rights reserved.", rules.address) is not None


@pytest.mark.parametrize(
    "text",
    [
        "© 2026 Acme Inc. All rights reserved.",
        "Call us at +1 617 555 0182 or CA 94104 maybe",
        "We grew 10119 Berlin-style startups",
        "Order 12345 shipped on May 3",
    ],
)
def test_years_numbers_and_phones_are_not_addresses(rules, text):
    assert find_address(text, rules.address) is None


@pytest.mark.parametrize(
    "tag",
    [
        "*|FNAME|*",
        "{{ first_name }}",
        "{{lead.First Name}}",
        "%%FirstName%%",
        "%FIRSTNAME%",
        "[[FIRSTNAME]]",
        "$[LF:FIRSTNAME]$",
    ],
)
def test_merge_tags_of_the_major_esps_are_found(rules, tag):
    tokens = find_personalization("", f"Hi {tag},\nWelcome aboard.", set(), rules.personalization)
    assert tokens == [tag]


def test_the_recipients_name_in_the_greeting_is_filled_personalization(rules):
    names = recipient_first_names(["Alex Morgan"], ["alex@northwind-consulting.com"])
    assert names == {"alex"}
    p = rules.personalization
    assert find_personalization("", "Hi Alex,\nNews.", names, p) == ["first_name:Alex"]
    assert find_personalization("", "Alex,\nNews.", names, p) == ["first_name:Alex"]
    assert find_personalization("We miss you, Alex", "Hello,\nNews.", names, p) == ["subject:Alex"]
    assert find_personalization("", "Hi there,\nNews.", names, p) == []
    assert find_personalization("", "Hello, SaaS Summit returns.", names, p) == []
    assert find_personalization("", "Dear customer,\nNews.", set(), p) == []
    assert recipient_first_names([], ["info@acme.io"]) == set()


def test_percent_signs_in_prices_are_not_merge_tags(rules):
    assert (
        find_personalization("", "Save 20% or 30% today, 100%% sure", set(), rules.personalization)
        == []
    )
