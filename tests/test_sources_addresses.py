"""Senders and recipients recovered from malformed address headers."""

import pytest

from inboxmine.sources.addresses import address_list, parse_addresses, parse_sender

# (From header as found in real mail, expected address, expected display name)
SENDERS = [
    ("John Smith <john@x.com>", "john@x.com", "John Smith"),
    ("Smith, John <john@x.com>", "john@x.com", "Smith, John"),
    ('"Smith, John" <john@x.com>', "john@x.com", "Smith, John"),
    ("JOHN@X.COM", "john@x.com", None),
    ("john@x.com (John Smith)", "john@x.com", "John Smith"),
    ("=?utf-8?B?U21pdGgsIEpvaG4=?= <john@x.com>", "john@x.com", "Smith, John"),
    ("=?utf-8?Q?Doe=2C_Jane?= <jane@x.com>", "jane@x.com", "Doe, Jane"),
    ("=?x-unknown-charset?Q?Caf=E9?= <cafe@x.com>", "cafe@x.com", "Café"),
    ("=?utf-8?B?broken-base64 <deals@shop.com>", "deals@shop.com", "=?utf-8?B?broken-base64"),
    ("=?iso-8859-1?Q?J=F6rg_M=FCller?= <joerg@x.de>", "joerg@x.de", "Jörg Müller"),
    ("John <john@x.com", "john@x.com", "John"),
    ("john@x.com>", "john@x.com", None),
    ("John <john@x.com> (via Mailer) junk", "john@x.com", "John"),
    ("Name <spoof@a.com> <real@b.com>", "real@b.com", "Name"),
    ('"ceo@bank.com" <phish@evil.com>', "phish@evil.com", "ceo@bank.com"),
    ('"John <Smith>" <john@x.com>', "john@x.com", "John <Smith>"),
    ("<mailto:john@x.com>", "john@x.com", None),
    ("John Smith <john@x.com.>", "john@x.com", "John Smith"),
    ('"John" john@x.com', "john@x.com", "John"),
    ("John [john@x.com]", "john@x.com", "John"),
    ('"Unclosed quote <a@b.com>', "a@b.com", "Unclosed quote"),
    ("Jöhn Smïth <john@x.com>", "john@x.com", "Jöhn Smïth"),
    ("Sales Team: sales@x.com;", "sales@x.com", "Sales Team"),
    ("   john@x.com   ", "john@x.com", None),
    ('"Mueller, Dr. Hans (Sales)" <hans@x.de>', "hans@x.de", "Mueller, Dr. Hans (Sales)"),
]


@pytest.mark.parametrize(("header", "address", "name"), SENDERS)
def test_sender_is_recovered_from_malformed_from_header(header, address, name):
    sender = parse_sender(header)
    assert sender.address == address
    assert sender.name == name


@pytest.mark.parametrize("header", ["<>", "", None, "undisclosed-recipients:;"])
def test_headers_without_any_address_give_no_address(header):
    assert parse_sender(header).address is None
    assert address_list(header) == []


def test_null_sender_keeps_the_display_name():
    sender = parse_sender("MAILER-DAEMON <>")
    assert sender.address is None and sender.name == "MAILER-DAEMON"


def test_recipient_list_with_unquoted_comma_names_keeps_every_address_once():
    header = 'a@x.com, Smith, John <john@x.com>, "Doe, Jane" <jane@y.com>; A@X.com'
    assert address_list(header) == ["a@x.com", "john@x.com", "jane@y.com"]
    names = [a.name for a in parse_addresses(header)]
    assert names == [None, "Smith, John", "Doe, Jane"]


def test_group_syntax_lists_its_members():
    assert address_list("Team: a@x.com, b@y.com;, c@z.com") == ["a@x.com", "b@y.com", "c@z.com"]


def test_huge_address_header_is_bounded():
    header = "a@b.com, " * 200_000
    assert len(address_list(header)) == 1  # all the same address, deduplicated
    many = ", ".join(f"user{i}@x.com" for i in range(5000))
    assert len(address_list(many)) == 1000


def test_an_address_literal_sender_is_kept():
    # Spam sent straight from a compromised host names it by IP.
    assert parse_sender("support@[207.184.235.105]").address == "support@[207.184.235.105]"
    sender = parse_sender("security@[67.35.77.104] (PayPal Security Team)")
    assert (sender.address, sender.name) == ("security@[67.35.77.104]", "PayPal Security Team")
    assert parse_sender("Bank <b@[IPv6:2001:db8::1]>").address == "b@[ipv6:2001:db8::1]"


def test_a_long_dotted_name_without_an_at_costs_linear_time():
    # "X+(?:\.X+)*" backtracked exponentially here: 22 dotted letters took 0.5 s, 40 hours.
    import time

    start = time.perf_counter()
    sender = parse_sender(".a" * 30_000 + " x@y.com")
    assert sender.address == "x@y.com"
    assert (
        parse_sender("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d").address is None
    )
    assert time.perf_counter() - start < 2
