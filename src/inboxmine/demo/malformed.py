"""Bodies with planted defects (listed under "malformed" in the truth file).

Header-level defects (missing Date, no Message-ID, odd From headers) are
applied by generator.py; these functions build the broken MIME bodies."""

from __future__ import annotations

import random
from collections.abc import Callable

from inboxmine.demo import bodies
from inboxmine.demo.scenarios import MessageSpec


def unknown_charset(spec: MessageSpec, rng: random.Random) -> bytes:
    text = f"Bonjour Alex,\n\nNos offres d'automne: caf\xe9 cr\xe8me, s\xe9jours \xe0 Lisbonne -20%.\n\n{spec.sender['name']}\n"
    return (
        b'Content-Type: text/plain; charset="x-unknown"\nContent-Transfer-Encoding: 8bit\n\n'
        + text.encode("latin-1")
    )


def latin1_declared_utf8(spec: MessageSpec, rng: random.Random) -> bytes:
    text = (
        f"Hallo Alex,\n\nUnser Frühlingsangebot: 20 % Rabatt auf Décor und Stoffe - nur bis Sonntag.\n\n"
        f"Grüße,\n{spec.sender['name']}\n"
    )
    return (
        b'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n'
        + text.encode("latin-1")
    )


def unclosed_boundary(spec: MessageSpec, rng: random.Random) -> bytes:
    r = bodies.Rendered(
        text="Fresh roast Friday! 15% off all beans.",
        html="<html><body><h1>Fresh roast Friday</h1><p>15% off all beans.</p></body></html>",
    )
    parts = [bodies.text_part(r.text), bodies.text_part(r.html or "", "html")]
    return bodies.multipart("alternative", parts, bodies.boundary(rng, 1), close=False)


def bad_base64(spec: MessageSpec, rng: random.Random) -> bytes:
    text = bodies.text_part("Hi Alex,\n\nYour invoice is attached.\n\nInvoicely\n")
    broken = (
        b'Content-Type: application/pdf; name="invoice-0042.pdf"\n'
        b'Content-Disposition: attachment; filename="invoice-0042.pdf"\n'
        b"Content-Transfer-Encoding: base64\n\n"
        b"JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyA+Pgpl!!!bmRvYmoK\n"
        b"dHJhaWxlcgo8PCAvUm9vdCAxIDAgUiA+Pgol%%RU9G*\nQUJD"
    )
    return bodies.multipart("mixed", [text, broken], bodies.boundary(rng, 0))


def huge_html(spec: MessageSpec, rng: random.Random) -> bytes:
    row = (
        '<tr><td style="padding:8px;border-bottom:1px solid #eeeeee;font-family:Arial;font-size:14px;">'
        "Market wrap: equities mixed, yields steady, SaaS multiples flat. "
        '<a href="https://www.dailyledger.com/markets">Read more</a></td></tr>\n'
    )
    n = 2 * 1024 * 1024 // len(row) + 1
    page = (
        '<html><head><title>The Daily Ledger - full archive</title></head><body>\n<table width="100%">\n'
        + row * n
        + "</table>\n</body></html>\n"
    )
    return (
        b'Content-Type: text/html; charset="us-ascii"\nContent-Transfer-Encoding: 7bit\n\n'
        + page.encode("ascii")
    )


BODY_DEFECTS: dict[str, Callable[[MessageSpec, random.Random], bytes]] = {
    "unknown_charset": unknown_charset,
    "latin1_declared_utf8": latin1_declared_utf8,
    "unclosed_boundary": unclosed_boundary,
    "bad_base64": bad_base64,
    "huge_html": huge_html,
}
