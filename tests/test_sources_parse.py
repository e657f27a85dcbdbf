"""parse_message: everything a messages row holds, from hostile bytes, never raising."""

import base64
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxmine.sources.dates import parse_date
from inboxmine.sources.parse import content_hash, parse_message

IMPORT_TIME = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ME = {"me@example.com"}

GOOD = (
    b"From: Smith, John <John@X.com>\r\n"
    b'To: me@example.com, "Doe, Jane" <jane@y.com>\r\n'
    b"Cc: =?utf-8?B?U21pdGgsIEpvaG4=?= <j2@x.com>\r\n"
    b"Reply-To: sales@x.com\r\n"
    b"Subject: =?utf-8?Q?Caf=C3=A9_offer?=\r\n"
    b"Date: Tue, 3 Mar 2026 10:02:00 -0800 (PST)\r\n"
    b"Message-ID: < abc@x.com >\r\n"
    b"In-Reply-To: <p@x.com> (John's message of Monday)\r\n"
    b"References: <r@x.com>\r\n <p@x.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b'--b\r\nContent-Type: multipart/alternative; boundary="c"\r\n\r\n'
    b"--c\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nCaf\xe9 is open. Interested?\r\n"
    b"--c\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Caf\xc3\xa9 is <b>open</b></p>\r\n--c--\r\n"
    b"--b\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Disposition: inline\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
    b'--b\r\nContent-Type: application/pdf; name="price list.pdf"\r\n'
    b'Content-Disposition: attachment; filename="price list.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
)


def parse(raw: bytes, me=ME):
    return parse_message(raw, my_addresses=me, received_at=IMPORT_TIME)


def test_a_clean_message_fills_every_field():
    m = parse(GOOD)
    assert m.parse_error is None and not m.unparseable
    assert (m.from_address, m.from_name) == ("john@x.com", "Smith, John")
    assert m.to_addresses == ["me@example.com", "jane@y.com"]
    assert m.cc_addresses == ["j2@x.com"]
    assert m.reply_to == "sales@x.com"
    assert m.subject == "Café offer"
    assert m.message_id == "abc@x.com"
    assert m.in_reply_to == "p@x.com"
    assert m.references == ["r@x.com", "p@x.com"]
    assert m.sent_at == datetime(2026, 3, 3, 18, 2, tzinfo=UTC)
    assert m.sent_at_source == "date"
    assert m.date_raw == "Tue, 3 Mar 2026 10:02:00 -0800 (PST)"
    assert m.body_text.strip() == "Café is open. Interested?"
    assert "<b>open</b>" in m.body_html and "Café" in m.body_html
    assert m.snippet == "Café is open. Interested?"
    assert m.headers["subject"] == ["Café offer"]
    assert m.headers["to"] == ['me@example.com, "Doe, Jane" <jane@y.com>']
    assert m.size_bytes == len(GOOD)
    assert m.is_sent is False
    inline, pdf = m.attachments
    assert (inline.mime_type, inline.content_id, inline.is_inline) == ("image/png", "logo@x", True)
    assert (pdf.filename, pdf.mime_type, pdf.size_bytes, pdf.is_inline) == (
        "price list.pdf",
        "application/pdf",
        9,
        False,
    )


def test_is_sent_when_the_from_address_is_one_of_mine():
    assert parse(GOOD, me={"john@x.com"}).is_sent is True


def test_takeout_headers_give_gmail_thread_and_labels():
    raw = b'X-GM-THRID: 1790000000000000001\nX-Gmail-Labels: Inbox,"Category, Promotions",Opened\nFrom: a@b.com\n\nhi\n'
    m = parse(raw)
    assert m.gmail_thread_id == format(1790000000000000001, "x")  # the API's hex form
    assert m.labels == ["Inbox", "Category, Promotions", "Opened"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 3 Mar 2026 10:02:00 -0800 (PST)", datetime(2026, 3, 3, 18, 2, tzinfo=UTC)),
        ("3 Mar 26 10:02 -0800", datetime(2026, 3, 3, 18, 2, tzinfo=UTC)),
        ("Tue, 3 Mar 99 10:02:00 +0000", datetime(1999, 3, 3, 10, 2, tzinfo=UTC)),
        ("Tue, 3 Mar 2026 10:02 GMT+2", datetime(2026, 3, 3, 8, 2, tzinfo=UTC)),
        ("Tue, 03 Mar 2026 10:02:00 GMT+0200", datetime(2026, 3, 3, 8, 2, tzinfo=UTC)),
        ("Tue, 3 Mar 2026 10:02:00 +01:00", datetime(2026, 3, 3, 9, 2, tzinfo=UTC)),
        ("Tue, 3 Mar 2026 10:02:00 CEST", datetime(2026, 3, 3, 8, 2, tzinfo=UTC)),
        ("Tue, 3 Mar 2026 10:02:00 EST", datetime(2026, 3, 3, 15, 2, tzinfo=UTC)),
        ("Tuesday, March 3, 2026 10:02 PM", datetime(2026, 3, 3, 22, 2, tzinfo=UTC)),
        ("2026-03-03T10:02:00Z", datetime(2026, 3, 3, 10, 2, tzinfo=UTC)),
        ("Tue Mar  3 10:02:00 2026", datetime(2026, 3, 3, 10, 2, tzinfo=UTC)),
        ("not a date", None),
        ("Tue, 3 Mar 1601 10:00:00 +0000", None),
    ],
)
def test_dates_in_odd_formats_parse_to_utc(value, expected):
    assert parse_date(value) == expected


def test_missing_date_falls_back_to_the_topmost_received_header():
    raw = (
        b"Received: from mx.example.com by mx.me.com; Wed, 4 Mar 2026 09:00:00 +0100\n"
        b"Received: from relay by mx.example.com; Wed, 4 Mar 2026 07:00:00 +0000\n"
        b"From: a@b.com\nSubject: no date\n\nhello\n"
    )
    m = parse(raw)
    assert m.sent_at == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    assert m.sent_at_source == "received"
    assert "no Date header" in m.parse_error


def test_unparseable_date_without_received_falls_back_to_import_time():
    m = parse(b"From: a@b.com\nDate: someday soon\n\nhello\n")
    assert (m.sent_at, m.sent_at_source, m.date_raw) == (IMPORT_TIME, "import", "someday soon")
    assert "'someday soon' is not a date" in m.parse_error


def test_lying_and_unknown_charsets_still_give_readable_text():
    latin1_declared_utf8 = b"From: a@b.com\nContent-Type: text/plain; charset=utf-8\n\nCaf\xe9 cr\xe8me br\xfbl\xe9e is on the menu today for everyone\n"
    utf8_declared_latin1 = (
        b"From: a@b.com\nContent-Type: text/plain; charset=iso-8859-1\n\nCaf\xc3\xa9\n"
    )
    unknown = b"From: a@b.com\nContent-Type: text/plain; charset=x-bogus\n\nCaf\xc3\xa9\n"
    assert "Crème brûlée".lower() in parse(latin1_declared_utf8).body_text.lower()
    assert parse(utf8_declared_latin1).body_text.strip() == "Café"
    m = parse(unknown)
    assert m.body_text.strip() == "Café"
    assert "charset" not in m.parse_error  # UTF-8 worked: nothing was lost


def test_raw_8bit_and_broken_encoded_word_headers_are_decoded():
    raw = b"From: J\xf6rg <j@x.de>\nSubject: =?utf-8?B?SGVsbG8gV29ybGQ?= and =?unknown?Q?Gr=FC=DFe?=\n\nx\n"
    m = parse(raw)
    assert m.from_name == "Jörg"
    assert m.subject == "Hello World and Grüße"


def test_content_hash_ignores_line_endings_and_final_newline():
    lf = b"From: a@b.com\nSubject: x\n\nbody\n"
    assert content_hash(lf) == content_hash(lf.replace(b"\n", b"\r\n"))
    assert content_hash(lf) == content_hash(lf.rstrip(b"\n"))
    assert content_hash(lf) != content_hash(lf + b"more\n")


def deep_multipart(depth: int) -> bytes:
    parts = [b'From: a@b.com\nSubject: deep\nContent-Type: multipart/mixed; boundary="b0"\n\n']
    for i in range(1, depth):
        parts.append(b'--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i - 1, i))
    parts.append(b"--b%d\nContent-Type: text/plain\n\nhello\n" % (depth - 1))
    return b"".join(parts)


NASTY = {
    "empty": (b"", "no headers found"),
    "jpeg renamed .eml": (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 40,
        "no headers found",
    ),
    "binary garbage": (bytes((i * 7919) % 256 for i in range(50_000)), "no headers found"),
    "100k-deep nesting": (deep_multipart(100_000), "nested too deep"),
    "1 MB header line": (b"From: a@b.com\nSubject: " + b"x" * 1_000_000 + b"\n\nbody\n", "was cut"),
    "1 MB To line": (b"From: a@b.com\nTo: " + b"a@b.com, " * 120_000 + b"\n\nbody\n", "was cut"),
    "truncated multipart": (GOOD[: len(GOOD) // 2], "boundary is missing"),
    "broken base64": (
        b"From: a@b.com\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n%%%not base64!!!\n",
        None,
    ),
    "multipart without boundary": (
        b"From: a@b.com\nContent-Type: multipart/mixed\n\nhello\n",
        None,
    ),
    "NUL bytes in body": (b"From: a@b.com\nSubject: a\x00b\n\nhel\x00lo\n", None),
}


@pytest.mark.parametrize("name", list(NASTY))
def test_nasty_input_never_raises_and_says_why(name):
    raw, reason = NASTY[name]
    started = time.monotonic()
    m = parse(raw)
    assert time.monotonic() - started < 5
    assert m.content_hash == content_hash(raw)
    if reason:
        assert reason in (m.parse_error or "")
    for text in (m.body_text, m.subject, m.parse_error, m.snippet):
        assert text is None or "\x00" not in text


def test_twenty_megabyte_body_is_capped_quickly():
    body = (b"lorem ipsum dolor sit amet " * 40 + b"\n") * 19_000
    raw = (
        b"From: a@b.com\nDate: Tue, 3 Mar 2026 10:02:00 +0000\nContent-Type: text/plain\n\n" + body
    )
    started = time.monotonic()
    m = parse(raw)
    assert time.monotonic() - started < 5
    assert len(m.body_text) == 5_000_000
    assert "stored the start only" in m.parse_error
    assert m.size_bytes == len(raw)


def test_base64_html_body_is_decoded():
    html = "<html><head><style>p{}</style></head><body><p>Spring sale: 20% off</p></body></html>"
    raw = (
        b"From: shop@x.com\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(html.encode())
    )
    m = parse(raw)
    assert m.body_html == html
    assert m.body_text is None
    assert m.snippet == "Spring sale: 20% off"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(raw):
    m = parse(raw)
    assert m.sent_at.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(GOOD)), st.binary(max_size=50))
def test_truncated_or_corrupted_real_message_never_raises(cut, noise):
    m = parse(GOOD[:cut] + noise)
    assert m.content_hash
    if cut > 60:
        assert m.from_address == "john@x.com"


# ------------------------------------------------------------------ spam's header blocks

SPAM_HEAD = (
    b"From: PayPal <support@paypa1.ru>\nSubject: Verify now\nDate: Tue, 3 Mar 2026 10:00:00 +0000\n"
)


@pytest.mark.parametrize(
    "raw, repaired",
    [
        (b"\xef\xbb\xbf" + SPAM_HEAD + b"\nbody\n", "byte-order mark"),
        (b"\r\n\r\n" + SPAM_HEAD + b"\nbody\n", "blank lines before the headers"),
        (
            b"X-Bad Header: space in name\n" + SPAM_HEAD + b"\nbody\n",
            "not headers and were skipped",
        ),
        (SPAM_HEAD.replace(b"Subject", b"\xff\xfe: \xfa\nSubject") + b"\nbody\n", "not headers"),
        (SPAM_HEAD.replace(b"\n", b"\n\r") + b"\n\rbody\n", "mix LF and CR"),
        (SPAM_HEAD.replace(b"From:", b"F\x00rom:") + b"\nbody\n", "NUL bytes"),
        (b">From spammer Tue Mar  3 10:00:00 2026\n" + SPAM_HEAD + b"\nbody\n", ">From"),
    ],
)
def test_a_broken_header_block_is_repaired_not_lost(raw, repaired):
    # The stdlib ends the headers at the first junk line: From, Subject and
    # Date would become body text and the message would be "unparseable".
    m = parse(raw)
    assert not m.unparseable
    assert (m.from_address, m.subject) == ("support@paypa1.ru", "Verify now")
    assert m.sent_at_source == "date"
    assert m.body_text.strip().lstrip("\r") == "body"
    assert repaired in m.parse_error


def test_a_lone_cr_inside_a_header_value_does_not_end_the_headers():
    m = parse(b"Subject: Act\rnow\nFrom: a@b.com\nDate: Tue, 3 Mar 2026 10:00:00 +0000\n\nbody\n")
    assert (m.subject, m.from_address, m.body_text) == ("Act now", "a@b.com", "body\n")


def test_a_missing_blank_line_still_starts_the_body_at_the_first_non_header():
    m = parse(SPAM_HEAD + b"Hello Alex,\nYour account is locked.\n\nBye\n")
    assert m.subject == "Verify now"
    assert m.body_text.startswith("Hello Alex,\nYour account is locked.")


def test_clean_messages_and_non_mail_are_not_touched_by_the_repair():
    assert parse(GOOD).parse_error is None
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\n\r\n" + bytes(range(256)) * 20
    assert parse(jpeg).parse_error == "no headers found: this does not look like an email"


@pytest.mark.parametrize("placeholder", ["<@>", "<>", "<1>", "<abc@>", "<@example.com>", "<12345>"])
def test_a_placeholder_message_id_is_no_identity(placeholder):
    # Spam kits stamp one placeholder on every message of a campaign: as an
    # identity it would make all but one of them "duplicates" and one thread.
    raws = [
        SPAM_HEAD.replace(b"Verify now", f"Offer {n}".encode())
        + f"Message-ID: {placeholder}\nReferences: {placeholder}\n\nbody {n}\n".encode()
        for n in range(2)
    ]
    first, second = (parse(raw) for raw in raws)
    assert first.message_id is None and second.message_id is None
    assert first.references == []
    assert first.content_hash != second.content_hash
    assert parse(SPAM_HEAD + b"Message-ID: <5aebd988d0c>\n\nx").message_id == "5aebd988d0c"


@pytest.mark.parametrize("size", [0, 1, 2, 3, 57, 1001, 300_000])
def test_attachment_sizes_are_exact_without_decoding(size):
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart

    message = MIMEMultipart()
    message["From"] = "a@b.example"
    message.attach(
        MIMEApplication(bytes(range(256)) * (size // 256) + b"x" * (size % 256), Name="f.bin")
    )
    parsed = parse_message(message.as_bytes(), my_addresses=set())
    assert [a.size_bytes for a in parsed.attachments] == [size]


def test_a_huge_message_is_parsed_from_its_start_and_kept_whole(monkeypatch):
    from inboxmine.sources import parse as parse_module

    monkeypatch.setattr(parse_module, "MAX_PARSED_BYTES", 2_000)
    raw = b"From: big@sender.example\nSubject: big\n\nhello\n" + b"A" * 10_000
    parsed = parse_message(raw, my_addresses=set())
    assert parsed.from_address == "big@sender.example" and parsed.subject == "big"
    assert parsed.size_bytes == len(raw)  # the original's size, not the parsed part's
    assert parsed.content_hash == content_hash(raw)
    assert "the first 2,000 were parsed" in parsed.parse_error
