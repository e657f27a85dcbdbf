"""Which addresses are one person: plain data in, people out (no database)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from inboxmine.people.identity import (
    AddressSeen,
    canonical_address,
    find_announcements,
    identity_rules,
    merge_people,
    name_key,
    person_of,
)

RULES = identity_rules()


def seen(address, name=None, messages=1, written_to=False) -> AddressSeen:
    return AddressSeen(address, Counter({name: messages} if name else {}), messages, written_to)


def groups(people) -> list[set[str]]:
    return sorted((set(p.addresses) for p in people), key=lambda g: sorted(g))


def test_case_and_plus_addressing_are_one_address():
    assert canonical_address("Ann+Newsletter@Acme.Example", RULES) == "ann@acme.example"
    assert canonical_address("<ANN@acme.example>", RULES) == "ann@acme.example"
    assert canonical_address("+only@acme.example", RULES) == "+only@acme.example"
    assert canonical_address("Ann.Lee@googlemail.com", RULES) == "annlee@gmail.com"
    assert canonical_address("not an address", RULES) is None

    people = merge_people(
        [seen("ann+deals@acme.example", messages=2), seen("Ann@ACME.example", messages=5)], RULES
    )
    assert groups(people) == [{"ann+deals@acme.example", "ann@acme.example"}]
    assert people[0].key == "ann@acme.example" and people[0].messages == 7
    assert "case, +tag or domain alias" in people[0].reasons[0]


def test_same_full_name_at_the_same_company_is_one_person():
    people = merge_people(
        [seen("ann@acme.example", "Ann Lee"), seen("a.lee@acme.example", "Lee, Ann")], RULES
    )
    assert groups(people) == [{"ann@acme.example", "a.lee@acme.example"}]
    assert "same name 'ann lee' at acme.example" in people[0].reasons[0]


def test_two_johns_at_two_companies_stay_two_people():
    people = merge_people(
        [
            seen("john@acme.example", "John", written_to=True),
            seen("john@globex.example", "John", written_to=True),
            seen("john.smith@initech.example", "John Smith"),
            seen("john.doe@hooli.example", "John Doe", written_to=True),
        ],
        RULES,
    )
    assert len(people) == 4
    assert all(p.reasons == [] for p in people)


def test_function_names_and_free_mail_namesakes_are_not_merged():
    assert name_key("Support Team", RULES) is None
    assert name_key("John", RULES) is None
    assert name_key("José  Núñez", RULES) == "jose nunez"
    people = merge_people(
        [
            seen("support@acme.example", "Acme Support"),
            seen("help@acme.example", "Acme Support"),
            # Two strangers called Maria Garcia at gmail.com.
            seen("maria.garcia@gmail.com", "Maria Garcia"),
            seen("mgarcia77@gmail.com", "Maria Garcia"),
        ],
        RULES,
    )
    assert len(people) == 4


def test_a_person_who_moved_company_merges_only_when_the_user_wrote_to_both():
    old = seen("ann.lee@oldco.example", "Ann Lee", messages=9, written_to=True)
    new = seen("ann@newco.example", "Ann Lee", messages=2, written_to=True)
    stranger = seen("ann.lee@other.example", "Ann Lee", messages=4)  # never written to
    people = merge_people([old, new, stranger], RULES)
    assert groups(people) == [
        {"ann.lee@oldco.example", "ann@newco.example"},
        {"ann.lee@other.example"},
    ]
    moved = person_of(people, "Ann@NewCo.example", RULES)
    assert moved.addresses[0] == "ann.lee@oldco.example"  # the busiest first
    assert "you wrote to both" in moved.reasons[0]
    # Without the user's own mail to the new address, no merge.
    assert len(merge_people([old, replace(new, written_to=False), stranger], RULES)) == 3


def test_an_announced_new_address_merges_the_two():
    text = (
        "Hi,\n\nI've moved to Newco! My new email address is ann@newco.example, "
        "please update your contacts.\n\nAnn"
    )
    assert find_announcements(text, "ann.lee@oldco.example", RULES) == ["ann@newco.example"]
    assert (
        find_announcements("Write to sales@acme.example for a quote.", "x@y.example", RULES) == []
    )
    people = merge_people(
        [seen("ann.lee@oldco.example", "Ann Lee"), seen("ann@newco.example", "Ann Lee")],
        RULES,
        announcements=[("ann.lee@oldco.example", "ann@newco.example")],
    )
    assert len(people) == 1
    assert people[0].reasons == [
        "ann.lee@oldco.example announced ann@newco.example as a new address"
    ]
    # Announcing a colleague's address (another name) merges nothing.
    people = merge_people(
        [seen("ann.lee@oldco.example", "Ann Lee"), seen("bob@newco.example", "Bob Stone")],
        RULES,
        announcements=[("ann.lee@oldco.example", "bob@newco.example")],
    )
    assert len(people) == 2


def test_known_aliases_from_the_users_rules(tmp_path):
    (tmp_path / "identity.yaml").write_text(
        "known_aliases:\n  - [bob@home.example, robert@work.example]\n", encoding="utf-8"
    )
    rules = identity_rules(tmp_path)
    people = merge_people(
        [seen("bob@home.example", "Bob"), seen("robert@work.example", "R. Smith")], rules
    )
    assert len(people) == 1
    assert "known_aliases" in people[0].reasons[0]
    assert len(merge_people([seen("bob@home.example"), seen("robert@work.example")], RULES)) == 2
