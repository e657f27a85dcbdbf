"""List headers and link hosts: unsubscribe, one-click, List-Id, Feedback-ID, body links."""

from inboxmine.forensics.links import body_link_hosts
from inboxmine.forensics.unsubscribe import feedback_sender_id, list_id_host, read_unsubscribe


def test_list_unsubscribe_url_mailto_and_one_click():
    result = read_unsubscribe(
        "<mailto:unsub-123@bounce.shop.com?subject=unsubscribe>, <https://u1.ct.sendgrid.net/lu?oc=1>",
        "List-Unsubscribe=One-Click",
    )
    assert result.url == "https://u1.ct.sendgrid.net/lu?oc=1"
    assert result.email == "unsub-123@bounce.shop.com"
    assert result.one_click is True
    assert result.hosts == ("bounce.shop.com", "u1.ct.sendgrid.net")


def test_one_click_needs_an_https_url():
    assert not read_unsubscribe("<mailto:u@x.com>", "List-Unsubscribe=One-Click").one_click
    assert not read_unsubscribe("<http://x.com/u>", "List-Unsubscribe=One-Click").one_click
    assert not read_unsubscribe("<https://x.com/u>", None).one_click


def test_unbracketed_and_empty_values():
    assert read_unsubscribe("https://x.com/u", None).url == "https://x.com/u"
    empty = read_unsubscribe(None, None)
    assert (empty.url, empty.email, empty.one_click) == (None, None, False)


def test_list_id_and_feedback_id():
    assert list_id_host("Weekly <abc.123.list-id.mcsv.net>") == "abc.123.list-id.mcsv.net"
    assert list_id_host("growth.substack.com") == "growth.substack.com"
    assert feedback_sender_id("1.us-east-1.abc=:AmazonSES") == "amazonses"
    assert feedback_sender_id("no colon") is None


def test_link_hosts_come_from_html_and_text_once_each():
    body = (
        '<a href="https://Click.Example.com/c?x=1">a</a> <img src="http://px.tracker.io/o.gif">'
        " https://click.example.com/again  mailto:x@y.com  https://user@host.example.org/x"
    )
    assert body_link_hosts(body) == ["click.example.com", "px.tracker.io", "host.example.org"]
    assert body_link_hosts(None) == []


def test_a_huge_body_is_scanned_at_its_head_and_tail():
    body = "https://head.example.com " + "x" * 2_000_000 + " https://tail.example.com"
    assert body_link_hosts(body) == ["head.example.com", "tail.example.com"]
