"""A small executive mailbox: most mail between colleagues at acme-corp.example.

The user is the CEO (``ceo@acme-corp.example``). Colleagues ask and wait,
warm threads went quiet, one thread ended with thanks, one waits on a
colleague; a client (northwind.example) has two people, each in a thread of
their own. :data:`TRUTH` says which thread gems exist and whose they are.
Dates are relative to ``now`` (the pipeline's clock).
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ME = "ceo@acme-corp.example"
ME_NAME = "Pat Lee"
DOMAIN = "acme-corp.example"
CLIENT = "northwind.example"

MARIA = ("Maria Gomez", "maria.gomez@acme-corp.example")  # CFO: asks for an approval
TOM = ("Tom Reed", "tom.reed@acme-corp.example")  # VP Sales: a warm thread gone quiet
JEN = ("Jen Park", "jen.park@acme-corp.example")  # a thread that ended with thanks
OMAR = ("Omar Haddad", "omar.haddad@acme-corp.example")  # waits on the CEO's question
DANA = ("Dana Whitfield", "dana@northwind.example")  # client: a warm thread gone quiet
RAJ = ("Raj Patel", "raj.patel@northwind.example")  # client: an open question


@dataclass(frozen=True)
class ExpectedGem:
    gem_type: str
    subject: str
    contact_email: str
    contact_name: str
    sender_domain: str


#: The thread gems of the mailbox with include_internal on; off, only the client's.
TRUTH = (
    ExpectedGem("unanswered_ask", "Q3 budget approval", MARIA[1], MARIA[0], MARIA[1]),
    ExpectedGem("dormant_warm_thread", "Enterprise pricing for Globex", TOM[1], TOM[0], TOM[1]),
    ExpectedGem("unanswered_ask", "Board deck for Thursday", TOM[1], TOM[0], TOM[1]),
    ExpectedGem("dormant_warm_thread", "Northwind rollout pricing", DANA[1], DANA[0], CLIENT),
    ExpectedGem("unanswered_ask", "Northwind onboarding", RAJ[1], RAJ[0], CLIENT),
)
COLLEAGUES = (MARIA[1], TOM[1], JEN[1], OMAR[1])


def _message(frm, to, subject, body, when, msgid, parent=None, cc=()):
    msg = EmailMessage()
    msg["From"] = f"{frm[0]} <{frm[1]}>"
    msg["To"] = ", ".join(f"{n} <{a}>" for n, a in to)
    if cc:
        msg["Cc"] = ", ".join(f"{n} <{a}>" for n, a in cc)
    msg["Subject"] = subject if parent is None else f"Re: {subject}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{msgid}@mail.test>"
    if parent:
        msg["In-Reply-To"] = f"<{parent[-1]}@mail.test>"
        msg["References"] = " ".join(f"<{p}@mail.test>" for p in parent)
    msg.set_content(body)
    return msg


def executive_messages(now: datetime) -> list[EmailMessage]:
    """Every message of the mailbox, oldest thread first."""
    me = (ME_NAME, ME)
    out: list[EmailMessage] = []

    def thread(key, subject, *steps, cc=()):
        ids: list[str] = []
        for n, (frm, to, days, body) in enumerate(steps):
            msgid = f"{key}-{n}"
            when = now - timedelta(days=days, hours=n)
            out.append(_message(frm, to, subject, body, when, msgid, ids[:] or None, cc))
            ids.append(msgid)

    thread(
        "budget",
        "Q3 budget approval",
        (me, [MARIA], 7, "Maria, where do we stand on the Q3 numbers?"),
        (
            MARIA,
            [me],
            5,
            "Numbers attached. Could you approve the $250k marketing budget by Friday? "
            "Let me know if you want to go through it.",
        ),
    )
    thread(
        "globex",
        "Enterprise pricing for Globex",
        (TOM, [me], 52, "Globex asked for enterprise pricing. What discount can we offer?"),
        (me, [TOM], 50, "Up to 15% on a three-year term. Loop me in before you send a quote."),
        (
            TOM,
            [me],
            40,
            "Their CFO wants a meeting with you to negotiate the $400k contract. "
            "Can you schedule a call next week?",
        ),
    )
    thread(
        "board",
        "Board deck for Thursday",
        (me, [TOM, MARIA], 6, "Tom, Maria: I need your slides for the board deck."),
        (MARIA, [me, TOM], 5, "Finance slides are in the shared folder."),
        (TOM, [me, MARIA], 4, "Sales slides done. Can you review the pipeline page tonight?"),
    )
    thread(
        "offsite",
        "Offsite logistics",
        (JEN, [me], 30, "Could you confirm the offsite budget and the date?"),
        (me, [JEN], 29, "Budget is fine, the 14th works."),
        (JEN, [me], 28, "Booked. All set, thanks! Great working with you on this."),
    )
    thread(
        "hiring",
        "Hiring plan",
        (OMAR, [me], 20, "Here is the hiring plan for next quarter, with the cost per role."),
        (me, [OMAR], 19, "Can you split it by team before Monday?"),
    )
    for n in range(6):  # everyday internal mail: no thread gem in it
        out.append(
            _message(
                JEN,
                [me],
                f"FYI: week {n + 1} notes",
                "Notes from the leadership sync are in the wiki.",
                now - timedelta(days=60 - n * 7),
                f"fyi-{n}",
            )
        )
    thread(
        "rollout",
        "Northwind rollout pricing",
        (DANA, [me], 48, "We are evaluating a company-wide rollout. How do you price 500 seats?"),
        (me, [DANA], 46, "For 500 seats the list price is $90k a year; happy to talk discounts."),
        (
            DANA,
            [me],
            38,
            "Thanks. Our VP would like to schedule a call to discuss the budget and a "
            "three-year quote.",
        ),
    )
    thread(
        "onboarding",
        "Northwind onboarding",
        (me, [RAJ], 6, "Raj, our team is ready to start the onboarding."),
        (
            RAJ,
            [me],
            4,
            "Great. Could you send the onboarding timeline? Which day works for a call with "
            "our COO?",
        ),
    )
    return out


def write_executive_mbox(path: Path, now: datetime) -> Path:
    """The mailbox as an mbox file at ``path``."""
    box = mailbox.mbox(str(path), create=True)
    try:
        for message in executive_messages(now):
            box.add(message)
        box.flush()
    finally:
        box.close()
    return path
