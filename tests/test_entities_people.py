"""People with their roles, relationship tags, organizations, phones and URLs."""

from datetime import UTC, datetime
from functools import lru_cache

import pytest

from inboxmine.entities import ExtractOptions, MessageText, extract_with_rules, load_entity_rules
from inboxmine.entities.contacts import find_phones, find_urls
from inboxmine.entities.orgs import find_legal_names
from inboxmine.entities.people import relationship
from inboxmine.entities.signature import read_signature

SENT = datetime(2026, 1, 10, tzinfo=UTC)


@lru_cache(maxsize=1)
def rules():
    return load_entity_rules()


def extract(**fields):
    message = MessageText(message_id=1, sent_at=SENT, **fields)
    return extract_with_rules(
        message, rules(), ExtractOptions(my_addresses=frozenset({"me@example.com"}))
    )


def of_type(entities, kind):
    return [e for e in entities if e.entity_type == kind]


def test_the_sender_row_carries_the_signature_title_and_is_not_duplicated():
    entities = extract(
        from_address="dana.ross@brightpath.io",
        from_name="Dana Ross",
        body="Could we talk about pricing?",
        signature="Best,\nDana Ross\nVP Marketing\nBrightpath Analytics\n+1 415 555 0142\nhttps://brightpath.io",
    )
    [person] = of_type(entities, "person")
    assert person.entity_value == "Dana Ross"
    assert person.entity_normalized == "dana.ross@brightpath.io"
    assert person.role == "VP Marketing"
    assert person.relationship == "decision_maker"
    assert person.source == "header"
    [org] = of_type(entities, "organization")
    assert (org.entity_value, org.source) == ("Brightpath Analytics", "signature")
    assert [p.entity_normalized for p in of_type(entities, "phone")] == ["+14155550142"]
    assert [u.entity_normalized for u in of_type(entities, "url")] == ["https://brightpath.io"]


@pytest.mark.parametrize(
    "signature, title, company",
    [
        (
            "Rachel Kim | Senior Procurement Manager | Orbital Retail",
            "Senior Procurement Manager",
            "Orbital Retail",
        ),
        ("Thanks,\nTom\nHead of Growth at Acme", "Head of Growth", "Acme"),
        (
            "Grace Holloway\nManaging Partner, Fieldstone Partners LLC",
            "Managing Partner",
            "Fieldstone Partners LLC",
        ),
        ("Sam Lee, Co-founder & CEO\nKitebase", "Co-founder & CEO", "Kitebase"),
        ("--\nMarcus Webb\nVP, Sales\nNorthwind Traders", "VP, Sales", "Northwind Traders"),
    ],
)
def test_signatures_are_read_like_business_cards(signature, title, company):
    card = read_signature(rules().signature, signature)
    assert (card.title, card.company) == (title, company)


@pytest.mark.parametrize(
    "address, role, expected",
    [
        ("noreply@stripe.com", "CEO", "automated"),
        ("no-reply@accounts.google.com", None, "automated"),
        ("notifications@github.com", None, "automated"),
        ("MAILER-DAEMON@mx.example.com", None, "automated"),
        ("bounce-123@em.example.com", None, "automated"),
        ("jane@acme.com", "Chief Executive Officer", "decision_maker"),
        ("jane@acme.com", "Co-founder", "decision_maker"),
        ("jane@acme.com", "Managing Director", "decision_maker"),
        ("jane@acme.com", "Head of Partnerships", "decision_maker"),
        ("jane@acme.com", "Executive Assistant to the CEO", "peer"),
        ("jane@acme.com", "Partner Manager", "peer"),
        ("billing@claritycrm.com", None, "vendor_contact"),
        ("sales@acme.com", "Account Executive", "vendor_contact"),
        ("jane@acme.com", "Software Engineer", "peer"),
        ("systems.admin@acme.com", None, "peer"),
    ],
)
def test_people_are_tagged_by_address_and_title(address, role, expected):
    assert relationship(rules().people, address, role) == expected


def test_cc_and_reply_to_people_are_kept_once_each_and_you_are_not_a_contact():
    entities = extract(
        from_address="rachel@orbital.com",
        from_name="Rachel Kim",
        reply_to="rfp-desk@orbital.com",
        cc_addresses=[
            "me@example.com",
            "Ben Okafor <ben@orbital.com>",
            "rachel@orbital.com",
            "ben@orbital.com",
        ],
    )
    people = [
        (p.entity_value, p.entity_normalized, p.confidence) for p in of_type(entities, "person")
    ]
    assert people == [
        ("Rachel Kim", "rachel@orbital.com", 1.0),
        ("rfp-desk@orbital.com", "rfp-desk@orbital.com", 0.8),
        ("Ben Okafor", "ben@orbital.com", 0.7),
    ]


def test_a_signature_by_someone_else_is_its_own_person():
    entities = extract(
        from_address="assistant@acme.com",
        from_name="Pat Doe",
        signature="Kind regards,\nJordan Blake\nChief Financial Officer\nAcme Corp",
    )
    people = {p.entity_value: p for p in of_type(entities, "person")}
    assert people["Pat Doe"].role is None
    assert people["Jordan Blake"].role == "Chief Financial Officer"
    assert people["Jordan Blake"].relationship == "decision_maker"
    assert people["Jordan Blake"].source == "signature"


def test_your_own_messages_list_the_people_you_wrote_to():
    entities = extract(
        from_address="me@example.com",
        from_name="Alex Me",
        is_sent=True,
        to_addresses=["rachel@orbital.com"],
        signature="Alex Me\nPrincipal, Me Consulting LLC",
    )
    assert [p.entity_normalized for p in of_type(entities, "person")] == ["rachel@orbital.com"]
    assert of_type(entities, "organization") == []


def test_companies_with_legal_suffixes_are_found_in_text():
    text = "We at Acme Widgets, Inc. partner with Müller Maschinenbau GmbH. © 2026 Brightdesk LLC"
    found = [
        (o.entity_value, o.entity_normalized) for o in find_legal_names(rules().orgs, text, "body")
    ]
    assert found == [
        ("Acme Widgets, Inc.", "acme widgets"),
        ("Müller Maschinenbau GmbH", "müller maschinenbau"),
        ("Brightdesk LLC", "brightdesk"),
    ]


def test_phones_need_a_plus_a_label_or_ten_digits():
    assert find_phones("T: 555 0142 12") == [("555 0142 12", "555014212")]
    assert find_phones("Mobile (415) 555-0142") == [("(415) 555-0142", "4155550142")]
    assert find_phones("Released 2026-01-10, build 12 345") == []


def test_urls_are_normalised():
    assert find_urls("Visit WWW.Acme.com/Team/.") == [
        ("WWW.Acme.com/Team/", "https://www.acme.com/Team")
    ]


def test_a_sign_off_with_at_company_names_the_company():
    entities = extract(
        from_address="tom@acme.io",
        from_name="Tom Baker",
        signature="Cheers,\nTom Baker at Acme Robotics",
    )
    [org] = of_type(entities, "organization")
    assert org.entity_value == "Acme Robotics"


def test_a_huge_display_name_is_stored_clipped():
    [person] = of_type(extract(from_address="x@y.com", from_name="A" * 1_000_000), "person")
    row = person.as_row(1, SENT)
    assert len(row["entity_value"]) <= 300 and len(row["context"]) <= 500
