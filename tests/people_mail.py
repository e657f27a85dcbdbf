"""A small mailbox of people and lists for the timeline and habits tests:
written as an mbox, imported and run through metadata and entities, as a
user's mail would be.

* Ann Lee wrote from ann.lee@oldco.example, moved to ann@newco.example
  (the user wrote to both), and once used ann+events@newco.example; the
  last thread with her ends with her question: the user owes a reply.
* "Ann" at other.example is another person (a first name only).
* Bob Stone at newco.example: the user wrote last, Bob owes a reply.
* news@weekly.example: a list with a one-click unsubscribe link, 4 issues,
  none read (never read); deals@shop.example: 3, one read; nostatus.example:
  3 with no read state at all.
"""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ME = "me@mine.example"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSTILE_SUBJECT = '<img src=x onerror="alert(1)"> =HYPERLINK("http://evil.example")'


def _message(n, sender, subject, *, to=ME, status=None, reply_to_id=None, headers=(), body=None):
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {format_datetime(T0 + timedelta(days=n))}",
        f"Message-ID: <m{n}@people.example>",
    ]
    if reply_to_id:
        lines += [
            f"In-Reply-To: <m{reply_to_id}@people.example>",
            f"References: <m{reply_to_id}@people.example>",
        ]
    if status:
        lines.append(f"Status: {status}")
    lines += list(headers)
    text = body or f"Hello, message {n} about {subject}."
    return ("\n".join(lines) + "\n\n" + text + "\n").encode()


def _newsletter(n, status):
    return _message(
        n,
        "Weekly News <news@weekly.example>",
        f"Issue {n}",
        status=status,
        headers=(
            "List-Id: Weekly News <weekly.list.weekly.example>",
            f"List-Unsubscribe: <https://weekly.example/unsub/{n}>, <mailto:leave@weekly.example>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "Precedence: bulk",
        ),
    )


def messages() -> list[bytes]:
    out = [
        _message(1, "Ann Lee <ann.lee@oldco.example>", "Quote for the Q3 project", status="RO",
                 body="Hi, our quote is $12,000 for the project, renewal on 2026-09-01."),
        _message(2, f"Me <{ME}>", "Re: Quote for the Q3 project", to="ann.lee@oldco.example", reply_to_id=1),
        _message(3, "Ann Lee <ann.lee@oldco.example>", "Moving on", status="RO",
                 body="Hi, I've moved to Newco! My new email address is ann@newco.example."),
        _message(4, "Ann Lee <ann@newco.example>", "Hello from Newco", status="RO"),
        _message(5, f"Me <{ME}>", "Re: Hello from Newco", to="ann@newco.example", reply_to_id=4),
        _message(6, "Ann Lee <ann@newco.example>", "Re: Hello from Newco", status="O", reply_to_id=5,
                 body="Could you send the signed contract by Friday?"),
        _message(7, "Ann Lee <ann+events@newco.example>", HOSTILE_SUBJECT, status="RO"),
        _message(8, "Ann <ann@other.example>", "Hi from another Ann", status="RO"),
        _message(9, "Bob Stone <bob@newco.example>", "Partnership", status="RO"),
        _message(10, f"Me <{ME}>", "Re: Partnership", to="bob@newco.example", reply_to_id=9,
                 body="Could you share your partner terms?"),
    ]  # fmt: skip
    out += [_newsletter(20 + i, "O") for i in range(4)]
    out += [
        _message(30 + i, "Shop Deals <deals@shop.example>", f"Deal {i}", status=s,
                 headers=("List-Unsubscribe: <mailto:unsubscribe@shop.example>",))
        for i, s in enumerate(("RO", "O", "O"))
    ]  # fmt: skip
    out += [_message(40 + i, "Info <info@nostatus.example>", f"Note {i}") for i in range(3)]
    return out


def write_mbox(folder: Path) -> Path:
    path = folder / "people.mbox"
    box = mailbox.mbox(str(path))
    for raw in messages():
        box.add(raw)
    box.flush()
    box.close()
    return path


def load_people_mail(engine, settings, folder: Path):
    """Import the mailbox into ``engine`` and run metadata and entities; returns the settings
    with the user's address as "me"."""
    from inboxmine.runner.executor import run_stages
    from inboxmine.sources.importer import import_messages
    from inboxmine.sources.mbox import read_mbox

    path = write_mbox(folder)
    import_messages(engine, read_mbox(path), source_kind="mbox", path=str(path), my_addresses={ME})
    settings = settings.model_copy(update={"me": [ME]})
    ok, runs = run_stages(engine, settings, ["metadata", "content", "entities"])
    assert ok, f"stages failed: {runs}"
    return settings
