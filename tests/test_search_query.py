"""The search query language: what people type becomes a typed query (pure, no database)."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from inboxmine.search.compile import fts_match, ts_queries
from inboxmine.search.query import AnyOf, Filter, QueryError, Text, parse_query
from inboxmine.search.snippet import make_snippet


def test_free_words_phrases_and_prefixes():
    query = parse_query('invoice "renewal quote" invoic*')
    assert query.terms == (
        Text("invoice"),
        Text("renewal quote", phrase=True),
        Text("invoic", prefix=True),
    )
    assert query.ranked


def test_text_operators_search_one_field():
    query = parse_query('from:alice@example.com to:bob subject:"big sale" list:news.example.com')
    assert [(t.field, t.text, t.phrase) for t in query.texts] == [
        ("sender", "alice@example.com", True),
        ("recipients", "bob", False),
        ("subject", "big sale", True),
        ("list_id", "news.example.com", True),
    ]


def test_exact_operators_are_filters_with_typed_values():
    query = parse_query(
        "has:attachment after:2024-01-01 before:2024-06-30 domain:@ACME.io. esp:Mailchimp "
        "gem:partner-program"
    )
    assert query.filters == (
        Filter("has", "attachment"),
        Filter("after", date(2024, 1, 1)),
        Filter("before", date(2024, 6, 30)),
        Filter("domain", "acme.io"),
        Filter("esp", "Mailchimp"),
        Filter("gem", "partner_program"),
    )
    assert not query.ranked  # nothing to rank by: newest first


def test_exclusions():
    query = parse_query("razor -spam -from:noreply -has:attachment")
    assert query.terms == (
        Text("razor"),
        Text("spam", negated=True),
        Text("noreply", field="sender", negated=True),
        Filter("has", "attachment", negated=True),
    )


@pytest.mark.parametrize(
    ("typed", "names", "fix"),
    [
        ('"renewal quote', '"renewal quote', "close the phrase"),
        ('"); DROP TABLE messages; --', '"); DROP TABLE', "close the phrase"),
        ("from:", "'from:'", "e.g. from:alice"),
        ("form:alice", "'form:alice'", "use one of from:"),
        ("before:yesterday", "'before:yesterday'", "YYYY-MM-DD"),
        ("after:2024-02-30", "'after:2024-02-30'", "not a real date"),
        ("has:pdf", "'has:pdf'", "has:attachment"),
        ("domain:localhost", "'domain:localhost'", "domain:example.com"),
        ("esp:'mail chimp'", "esp:'mail", "e.g. esp:mailchimp"),
        ("*", "'*'", "prefix search"),
        ("  -- ", None, "nothing to search for"),
        ("in(*", "'in(*'", "prefix search"),
    ],
)
def test_malformed_queries_name_the_token_and_the_fix(typed, names, fix):
    with pytest.raises(QueryError) as raised:
        parse_query(typed)
    message = str(raised.value)
    if names:
        assert names in message
    assert fix in message


def test_limits_are_errors_not_silent_cuts():
    with pytest.raises(QueryError, match="at most 500"):
        parse_query("a" * 501)
    with pytest.raises(QueryError, match="at most 32"):
        parse_query(" ".join(f"w{n}" for n in range(40)))


def test_words_with_nothing_to_index_are_dropped_and_urls_are_text():
    assert parse_query("razor -- !!").terms == (Text("razor"),)
    assert parse_query("https://example.com/a").texts[0].text == "https://example.com/a"
    assert parse_query("10:30 meeting").texts[0].phrase  # two words: found side by side


HOSTILE = [
    "'); DROP TABLE messages; --",
    'a" OR 1=1 --"',
    "NEAR(a b) AND b OR c NOT d",
    "subject:(x OR y) ^start col:* {subject body}:x",
    'from:"a""b" -"x y',
    "x\x00y ' \\ ; `",
]


@pytest.mark.parametrize("typed", HOSTILE)
def test_hostile_input_is_only_ever_quoted_strings_for_fts5(typed):
    """Whatever parses must be valid FTS5 that finds only the literal words."""
    try:
        query = parse_query(typed)
    except QueryError:
        return  # refused with a message: fine too
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE message_search USING fts5(subject, body, sender, recipients, "
        "attachments, list_id, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY)")
    db.execute("INSERT INTO message_search (rowid, subject, body) VALUES (1, 'x', 'nothing')")
    compiled = fts_match(query)
    for expression in (compiled.match, compiled.exclude):
        if expression is not None:
            db.execute(
                "SELECT rowid FROM message_search WHERE message_search MATCH ?", (expression,)
            )
    assert db.execute("SELECT count(*) FROM messages").fetchone() == (0,)  # table still there
    for tsquery in ts_queries(query).by_column.values():
        # Only quoted lexemes of letters/digits and our own operators.
        stripped = tsquery
        for op in ("<->", "&", "|", "!", "(", ")", ":*", " "):
            stripped = stripped.replace(op, "")
        assert all(part.isalnum() for part in stripped.split("'") if part), tsquery


def test_fts5_expression_shape():
    compiled = fts_match(parse_query('razor "spam filter" -from:noreply subject:help*'))
    assert compiled.match == (
        '(("razor") AND ("spam filter") AND (subject : "help"*)) NOT (sender : "noreply")'
    )
    only_negative = fts_match(parse_query("-razor -spam"))
    assert only_negative.match is None and only_negative.exclude == '("razor") OR ("spam")'
    # FTS5 syntax in a word is only ever inside a quoted string.
    assert fts_match(parse_query("NEAR(a AND")).match == '("NEAR(a") AND ("AND")'
    grouped = fts_match(parse_query("invoice OR subject:receipt* renewal -spam"))
    assert grouped.match == (
        '(("renewal") AND (("invoice") OR (subject : "receipt"*))) NOT ("spam")'
    )
    # A group with an exact operator is decided in SQL, not in the index.
    assert fts_match(parse_query("has:attachment OR invoice")).match is None


def test_or_joins_neighbouring_terms_into_one_choice():
    query = parse_query(
        'invoice OR "renewal quote" OR from:acme.io has:attachment OR after:2024-01-01 razor'
    )
    assert query.terms == (
        AnyOf(
            (
                Text("invoice"),
                Text("renewal quote", phrase=True),
                Text("acme.io", phrase=True, field="sender"),
            )
        ),
        AnyOf((Filter("has", "attachment"), Filter("after", date(2024, 1, 1)))),
        Text("razor"),
    )
    assert query.groups[0].only_text and not query.groups[1].only_text
    # A snippet marks every alternative's words; the index ranks an OR of text.
    assert [t.text for t in query.highlight_words] == [
        "razor",
        "invoice",
        "renewal quote",
        "acme.io",
    ]
    assert parse_query("a OR b").ranked
    assert not parse_query("has:attachment OR after:2024-01-01").ranked


def test_or_in_lower_case_or_quoted_is_the_word():
    assert parse_query('invoice or "OR" receipt').terms == (
        Text("invoice"),
        Text("or"),
        Text("OR", phrase=True),
        Text("receipt"),
    )


@pytest.mark.parametrize(
    ("typed", "fix"),
    [
        ("OR invoice", "a term on each side"),
        ("invoice OR", "a term on each side"),
        ("!! OR invoice", "a term on each side"),
        ("invoice OR OR receipt", "one OR between two terms"),
        ("-spam OR invoice", "exclude it on its own"),
        ("invoice OR -spam", "exclude it on its own"),
        ("invoice OR !!", "'!!' after OR has no letters or digits"),
    ],
)
def test_an_or_without_two_terms_is_an_error_with_the_fix(typed, fix):
    with pytest.raises(QueryError, match=fix):
        parse_query(typed)


def test_terms_inside_or_count_towards_the_limit():
    with pytest.raises(QueryError, match="has 33 terms"):
        parse_query(" OR ".join(f"w{n}" for n in range(33)))


def test_tsquery_of_an_or_narrows_the_document_column():
    compiled = ts_queries(parse_query("invoice OR receipt* -spam"))
    assert compiled.by_column == {"document": "('invoice' | 'receipt':*) & !'spam'"}
    assert compiled.ranked


def test_tsquery_shape_matches_how_the_index_splits_words():
    compiled = ts_queries(parse_query("from:alice@example.com Café -spam"))
    assert compiled.by_column["sender_tsv"] == "('alice' <-> 'example' <-> 'com')"
    assert compiled.by_column["document"] == "('alice' <-> 'example' <-> 'com') & 'cafe' & !'spam'"
    assert compiled.ranked


def test_snippet_marks_matches_around_the_first_one():
    body = "Intro words. " * 40 + "Your Renewal quote is attached; the renewal is due soon."
    parts = make_snippet(body, parse_query('"renewal quote" renewal').texts, width=80)
    assert parts[0] == ("… ", False)
    marked = [text for text, match in parts if match]
    assert marked[0] == "Renewal quote" and "renewal" in marked
    assert sum(len(t) for t, _ in parts) <= 80 + 4
    assert make_snippet("<b>not markup</b>", parse_query("markup").texts) == [
        ("<b>not ", False),
        ("markup", True),
        ("</b>", False),
    ]
