"""Timelines read from a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from tests.people_mail import ME, load_people_mail

from inboxmine.timeline.queries import InvalidSender, TimelineNotFound, load_timeline


@pytest.fixture
def mail(engine, settings, tmp_path):
    load_people_mail(engine, settings, tmp_path)
    return engine


def test_a_contact_timeline_merges_the_person_who_moved_and_her_plus_address(mail):
    timeline = load_timeline(mail, "Ann@NewCo.example")
    assert timeline["kind"] == "contact"
    assert timeline["addresses"] == [
        "ann+events@newco.example",
        "ann.lee@oldco.example",
        "ann@newco.example",
    ]
    (person,) = timeline["people"]
    reasons = " | ".join(person["merged_because"])
    assert "case, +tag or domain alias" in reasons
    assert "you wrote to both" in reasons or "announced ann@newco.example" in reasons
    # The other Ann (a first name only) is not her.
    senders = {e["from_address"] for e in timeline["entries"] if e["kind"] == "message"}
    assert "ann@other.example" not in senders
    assert ME in senders  # the user's replies are part of her timeline
    assert timeline["totals"]["messages"] == 7  # 5 from her, 2 replies


def test_entries_are_newest_first_and_the_last_question_is_owed(mail):
    timeline = load_timeline(mail, "ann.lee@oldco.example", limit=3)
    times = [e["at"] for e in timeline["entries"]]
    assert len(times) == 3 and times == sorted(times, reverse=True)
    owes = {t["subject"]: t["owes"] for t in timeline["threads"]}
    assert owes["Hello from Newco"] == "you"  # her question is the last message
    money = [m["text"] for m in timeline["money"]]
    assert "$12,000" in money


def test_a_company_timeline_has_all_its_people_and_who_owes_whom(mail):
    timeline = load_timeline(mail, "newco.example")
    assert timeline["kind"] == "company"
    names = {p["name"] for p in timeline["people"]}
    assert names == {"Ann Lee", "Bob Stone"}
    owes = {t["subject"]: t["owes"] for t in timeline["threads"]}
    assert owes["Partnership"] == "them"  # the user asked last: Bob owes a reply
    assert owes["Hello from Newco"] == "you"
    assert timeline["totals"]["you_owe"] >= 1 and timeline["totals"]["they_owe"] >= 1
    # oldco.example mail is Ann's, but not Newco's.
    senders = {e["from_address"] for e in timeline["entries"] if e["kind"] == "message"}
    assert "ann.lee@oldco.example" not in senders


def test_unknown_and_invalid_senders_say_what_to_do(mail):
    with pytest.raises(TimelineNotFound, match="no message from or to nobody.example"):
        load_timeline(mail, "nobody.example")
    with pytest.raises(InvalidSender, match="neither an address nor a domain"):
        load_timeline(mail, "not a sender")
