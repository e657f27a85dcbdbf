"""Plan the corpus: planted scenarios (gems, negatives, malformed) and the
streaming bulk mix.  Produces MessageSpec objects; generator.py renders them."""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from inboxmine.demo import catalogue
from inboxmine.demo.bodies import quote_block, signature
from inboxmine.demo.esp_headers import base_ctx, message_id

FREE_MAIL = {"gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "web.de"}
ME_NAME = "Alex Morgan"
ME_TZ = "-0500"
PROCUREMENT_TERMS = [
    ("rfp", re.compile(r"\bRFP\b")),
    ("security_review", re.compile(r"security review", re.I)),
    ("soc2", re.compile(r"\bSOC ?2\b")),
    ("dpa", re.compile(r"\bDPA\b")),
    ("msa", re.compile(r"\bMSA\b")),
    ("sow", re.compile(r"\bSOW\b")),
    ("poc", re.compile(r"\bPOC\b|proof of concept", re.I)),
    ("vendor_assessment", re.compile(r"vendor assessment", re.I)),
]
PERCENTS = [10, 15, 20, 25, 30, 40]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Sunday"]


def tz(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    return timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))


def long_date(d: datetime) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def procurement_keys(text: str) -> list[str]:
    return [key for key, rx in PROCUREMENT_TERMS if rx.search(text)]


def sender_key(sender: dict) -> str:
    return sender.get("key") or sender["domain"]


@dataclass
class MessageSpec:
    when: datetime
    sender: dict
    esp_key: str
    from_name: str
    from_addr: str
    subject: str
    kind: str
    to_addr: str
    to_name: str | None = ME_NAME
    content: dict | None = None  # marketing content (templates.yaml shape)
    text: str | None = None  # plain text body (human / cold / notification)
    basic: list[str] | None = None  # low-sophistication HTML paragraphs
    values: dict = field(default_factory=dict)
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    outgoing: bool = False
    offers: list[str] = field(default_factory=list)
    link_intents: list[str] = field(default_factory=list)
    procurement: list[str] = field(default_factory=list)
    renewal_date: str | None = None
    personalization: bool = False
    merge_tag: str | None = None
    malformed: str | None = None
    thread_id: str | None = None
    labels: str = "Inbox"
    pdf: tuple[str, str] | None = None  # (invoice number, amount)
    from_header: str | None = None  # raw override (malformed From)
    drop_headers: tuple[str, ...] = ()


@dataclass
class Plan:
    planted: list[MessageSpec]
    senders: dict[str, dict]  # truth senders (planted ones; bulk ones are added as seen)
    gems: list[dict]
    negatives: list[dict]


class Planner:
    def __init__(self, rng: random.Random, now: datetime, me: str, alias: str) -> None:
        self.rng = rng
        self.now = now
        self.me = me
        self.alias = alias
        self.data = catalogue.scenarios()
        self.esps = catalogue.esps()
        self.specs: list[MessageSpec] = []
        self.senders: dict[str, dict] = {}
        self.gems: list[dict] = []
        self.negatives: list[dict] = []
        self._thread_seq = itertools.count(1)

    # -- helpers -------------------------------------------------------
    def at(self, days_ago: float, offset: str, *, workday: bool = True) -> datetime:
        t = (self.now - timedelta(days=days_ago)).astimezone(tz(offset))
        if workday:
            t = t.replace(
                hour=self.rng.randint(8, 17),
                minute=self.rng.randint(0, 59),
                second=self.rng.randint(0, 59),
            )
        return min(t, self.now - timedelta(hours=2))

    def add_sender(self, sender: dict, esp_key: str) -> None:
        self.senders[sender_key(sender)] = {
            "intent": sender["intent"],
            "industry": sender["industry"],
            "company_size": sender["size"],
            "relationship": sender["relationship"],
            "esp": self.esps[esp_key]["truth_key"],
        }

    def thread_id(self) -> str:
        return str(1700000000000000000 + self.rng.randrange(10**17) + next(self._thread_seq))

    # -- human threads -------------------------------------------------
    def human_thread(self, entry: dict) -> list[MessageSpec]:
        contact, sender = entry["contact"], dict(entry["sender"])
        sender.setdefault("name", contact.get("company") or contact["name"])
        self.add_sender(sender, contact["esp"])
        turns = entry["turns"]
        n = len(turns)
        thread = self.thread_id()
        prev: MessageSpec | None = None
        out = []
        outlook = contact["esp"] in ("microsoft_365", "personal_outlook")
        for i, turn in enumerate(turns):
            days = entry["last_days_ago"] + entry["gap_days"] * (n - 1 - i)
            mine = turn["who"] == "me"
            when = self.at(days, ME_TZ if mine else contact["tz"])
            if prev is not None and when <= prev.when:
                when = prev.when + timedelta(hours=self.rng.randint(2, 20))
            own = turn["text"]
            body = own + "\n\n" + (self.data["signature_me"] if mine else signature(contact))
            if prev is not None:
                who = f"{prev.from_name} <{prev.from_addr}>"
                if outlook and not mine:
                    head = (
                        f"From: {who}\nSent: {prev.when:%A}, {long_date(prev.when)} {prev.when:%I:%M %p}\n"
                        f"To: {prev.to_name} <{prev.to_addr}>\nSubject: {prev.subject}"
                    )
                else:
                    head = (
                        f"On {prev.when:%a}, {prev.when:%b} {prev.when.day}, {prev.when.year} at {prev.when:%I:%M %p}".replace(
                            " 0", " "
                        )
                        + f" {who} wrote:"
                    )
                body += quote_block(prev.text or "", head, outlook and not mine)
            esp_key = "google_workspace" if mine else contact["esp"]
            from_addr = self.me if mine else contact["email"]
            domain = from_addr.split("@")[1]
            subject = (
                entry["subject"]
                if i == 0
                else ("RE: " if outlook and not mine else "Re: ") + entry["subject"]
            )
            ctx = base_ctx(
                esp_key, domain, when, from_addr=from_addr, rcpt=self.me, subject=subject
            )
            spec = MessageSpec(
                when=when,
                sender=sender if not mine else {"domain": domain, "name": ME_NAME},
                esp_key=esp_key,
                from_name=ME_NAME if mine else contact["name"],
                from_addr=from_addr,
                subject=subject,
                kind="human_thread",
                to_addr=contact["email"] if mine else self.me,
                to_name=contact["name"] if mine else ME_NAME,
                text=body,
                message_id=message_id(esp_key, ctx, self.rng),
                outgoing=mine,
                thread_id=thread,
                procurement=procurement_keys(own),
                personalization=own.startswith(("Hi Alex", "Dear Alex", "Alex,", "Hey Alex")),
                labels="Sent" if mine else "Inbox,Important",
            )
            if prev is not None:
                spec.in_reply_to = prev.message_id
                spec.references = [*prev.references, prev.message_id]
            out.append(spec)
            prev = spec
        self.specs.extend(out)
        return out

    # -- bulk-style scenario mail ---------------------------------------
    def scenario_mail(
        self,
        sender: dict,
        days_ago: float,
        subject: str,
        *,
        content: dict | None = None,
        basic: list[str] | None = None,
        offers=(),
        renewal_date: str | None = None,
        pdf: tuple[str, str] | None = None,
        kind: str = "scenario",
    ) -> MessageSpec:
        self.add_sender(sender, sender["esp"])
        when = self.at(days_ago, sender.get("tz", "+0000"))
        spec = MessageSpec(
            when=when,
            sender=sender,
            esp_key=sender["esp"],
            from_name=sender["name"],
            from_addr=sender.get("from") or f"news@{sender['domain']}",
            subject=subject,
            kind=kind,
            to_addr=self.me,
            content=content,
            basic=basic,
            offers=list(offers),
            renewal_date=renewal_date,
            pdf=pdf,
            labels="Category Updates,Inbox",
        )
        self.specs.append(spec)
        return spec

    def gem(self, gem_type: str, sender: dict, why: str, subject: str | None = None) -> None:
        self.gems.append(
            {
                "gem_type": gem_type,
                "sender_domain": sender_key(sender),
                "thread_subject": subject,
                "why": why,
            }
        )

    # -- the plan --------------------------------------------------------
    def build(self, per_type: int) -> Plan:
        d = self.data
        for gem_type, entries in d["threads"].items():
            for entry in entries[:per_type]:
                self.human_thread(entry)
                self.gem(gem_type, entry["sender"], entry["why"], entry["subject"])
        for entry in d["industry_intel"][:per_type]:
            self.intel(entry)
        bulk = d["bulk"]
        for entry in bulk["weak_marketing_lead"][:per_type]:
            s = entry["sender"]
            for i, subject in enumerate(entry["subjects"]):
                self.scenario_mail(
                    s,
                    320 - i * 90 + self.rng.randint(0, 20),
                    subject,
                    basic=entry["paragraphs"],
                    offers=entry["offers"],
                    kind="weak_marketing",
                )
            self.gem("weak_marketing_lead", s, entry["why"])
        for gem_type in (
            "partner_program",
            "vendor_upsell",
            "distribution_channel",
            "co_marketing",
        ):
            for entry in bulk[gem_type][:per_type]:
                for m in entry["messages"]:
                    self.scenario_mail(
                        entry["sender"],
                        m["days_ago"],
                        m["subject"],
                        content=m,
                        offers=m.get("offers", []),
                        kind=gem_type,
                    )
                self.gem(gem_type, entry["sender"], entry["why"])
        for entry in bulk["renewal_leverage"][:per_type]:
            self.renewal(
                entry["sender"],
                entry["plan"],
                entry["price"],
                self.now + timedelta(days=entry["renew_in_days"]),
            )
            self.gem("renewal_leverage", entry["sender"], entry["why"])
        self.plant_negatives()
        self.plant_malformed()
        return Plan(self.specs, self.senders, self.gems, self.negatives)

    def intel(self, entry: dict) -> None:
        contact, sender = entry["contact"], dict(entry["sender"])
        self.add_sender(sender, contact["esp"])
        for i in range(10):
            days = 14 + 29 * i + self.rng.randint(0, 6)
            when = self.at(days, contact["tz"])
            values = {
                "topic": entry["topic"],
                "month": f"{when:%B}",
                "pct": self.rng.choice(PERCENTS),
            }
            subject = self.rng.choice(self.data["intel_subjects"]).format(**values)
            text = "\n\n".join(line.format(**values) for line in self.data["intel_lines"])
            text += "\n\n" + signature(contact)
            ctx = base_ctx(
                contact["esp"], sender["domain"], when, from_addr=contact["email"], rcpt=self.me
            )
            self.specs.append(
                MessageSpec(
                    when=when,
                    sender=sender,
                    esp_key=contact["esp"],
                    from_name=contact["name"],
                    from_addr=contact["email"],
                    subject=subject,
                    kind="industry_intel",
                    to_addr=self.me,
                    text=text,
                    message_id=message_id(contact["esp"], ctx, self.rng),
                    personalization=True,
                    labels="Inbox",
                    thread_id=self.thread_id(),
                )
            )
        self.gem("industry_intel", sender, entry["why"])

    def renewal(
        self, sender: dict, plan: str, price: str, renew: datetime, *, past: bool = False
    ) -> None:
        amount = price.split("/")[0]
        number = f"INV-{self.rng.randint(10000, 99999)}"
        receipt = {
            "headline": "Payment received",
            "paragraphs": [
                "{greeting} thanks for your payment.",
                f"We received {amount}.00 for {sender['name']} {plan} (annual). Invoice {number} is attached.",
            ],
            "cta": {"text": "View billing", "path": "/billing"},
            "links": [],
        }
        days_receipt = max(365 - (renew - self.now).days, 20)
        self.scenario_mail(
            sender,
            days_receipt,
            f"Your {sender['name']} receipt [{number}]",
            content=receipt,
            pdf=(number, amount),
            kind="receipt",
        )
        if past:
            notice = {
                "headline": "Your plan renewed",
                "paragraphs": [
                    "{greeting} this is a confirmation of your renewal.",
                    f"Your {plan} plan renewed on {long_date(renew)} for {price}.",
                ],
                "cta": {"text": "Manage subscription", "path": "/billing"},
                "links": [],
            }
            days = (self.now - renew).days
            subject = f"Your {sender['name']} subscription has renewed"
        else:
            notice = {
                "headline": "Your plan renews soon",
                "paragraphs": [
                    "{greeting} a reminder about your upcoming renewal.",
                    f"Your plan renews on {long_date(renew)}. Your {plan} plan will renew automatically at {price}.",
                    "To change seats or cancel, visit your billing settings before the renewal date.",
                ],
                "cta": {
                    "text": "Review your plan",
                    "path": "/billing/plan",
                    "intent": "pricing_page",
                },
                "links": [],
            }
            days = max(min((renew - self.now).days - 15, 30), 3)
            subject = f"Upcoming renewal: {sender['name']} {plan}"
        self.scenario_mail(
            sender,
            days,
            subject,
            content=notice,
            offers=["renewal"],
            renewal_date=renew.date().isoformat(),
            kind="renewal_notice",
        )

    def plant_negatives(self) -> None:
        neg = self.data["negatives"]
        p = neg["past_renewal"]
        renewed = self.now - timedelta(days=p["renewed_days_ago"])
        self.renewal(p["sender"], p["plan"], p["price"], renewed, past=True)
        self.negatives.append(
            {
                "kind": "past_renewal",
                "sender_domain": p["sender"]["domain"],
                "thread_subject": None,
                "absent_gem_type": "renewal_leverage",
                "note": p["note"],
            }
        )
        for kind, gem_type in (
            ("completed_thread", "dormant_warm_thread"),
            ("already_replied", "unanswered_ask"),
            ("pocket", "procurement_signal"),
        ):
            entry = neg[kind]
            self.human_thread(entry)
            self.negatives.append(
                {
                    "kind": kind,
                    "sender_domain": sender_key(entry["sender"]),
                    "thread_subject": entry["subject"],
                    "absent_gem_type": gem_type,
                    "note": entry["note"],
                }
            )
        self.negatives.append(
            {
                "kind": "slack_not_sla",
                "sender_domain": "slack.com",
                "thread_subject": None,
                "absent_gem_type": "procurement_signal",
                "note": "Slack notifications mention 'Slack' - not an SLA; procurement is empty.",
            }
        )
        # A valid RFC 2047 encoded-word display name (not malformed).
        jose = {
            "key": "jose.garcia.design@gmail.com",
            "domain": "gmail.com",
            "name": "José García",
            "intent": "cold_outreach",
            "industry": "Agency",
            "size": "small",
            "relationship": "selling_to_me",
        }
        self.add_sender(jose, "personal_gmail")
        when = self.at(47, "-0600")
        self.specs.append(
            MessageSpec(
                when=when,
                sender=jose,
                esp_key="personal_gmail",
                from_name="José García",
                from_addr="jose.garcia.design@gmail.com",
                subject="Diseño web / freelance designer available",
                kind="cold_personal",
                to_addr=self.me,
                text="Hi Alex,\n\nI'm a freelance web designer (Guadalajara) - would you need help with landing pages for your clients?\n\nPortfolio: https://josegarcia.design\n\nSaludos,\nJosé García",
            )
        )

    def plant_malformed(self) -> None:
        """Malformed messages; rendered by generator.py with the named defect."""
        by_domain = {s["domain"]: s for s in catalogue.senders()}
        plan = [
            ("unknown_charset", "voyagr.travel", 210),
            ("latin1_declared_utf8", "ateliervelours.eu", 180),
            ("unclosed_boundary", "copperkettle.coffee", 150),
            ("bad_base64", "invoicely.app", 120),
            ("missing_date", "dailyledger.com", 100),
            ("missing_date", "meetly.so", 260),
            ("missing_date", "github.com", 30),
            ("huge_html", "dailyledger.com", 90),
            ("no_message_id", "github.com", 60),
        ]
        for reason, domain, days in plan:
            s = by_domain[domain]
            self.add_sender(s, s["esp"])
            spec = MessageSpec(
                when=self.at(days, s["tz"]),
                sender=s,
                esp_key=s["esp"],
                from_name=s["name"],
                from_addr=s.get("from") or f"news@{domain}",
                subject=f"{s['name']} update",
                kind="malformed",
                to_addr=self.me,
                text=f"Hello,\n\nAn update from {s['name']}.\n",
                malformed=reason,
            )
            self.specs.append(spec)
        odd_from = [
            (
                "from_unquoted_comma",
                "Smith, John <john.smith@smithandco.com>",
                "smithandco.com",
                {
                    "domain": "smithandco.com",
                    "name": "Smith & Co",
                    "intent": "cold_outreach",
                    "industry": "Agency",
                    "size": "small",
                    "relationship": "selling_to_me",
                },
                "custom_smtp",
            ),
            (
                "from_broken_encoded_word",
                "=?utf-8?q?Ren=C3=A9e_M=C3=BCller <renee.mueller@web.de>",
                "web.de",
                {
                    "key": "renee.mueller@web.de",
                    "domain": "web.de",
                    "name": "Renée Müller",
                    "intent": "human_1to1",
                    "industry": "Other",
                    "size": "small",
                    "relationship": "unknown",
                },
                "personal_gmail",
            ),
            ("from_empty", "<>", None, None, "custom_smtp"),
            (
                "from_missing_angle_bracket",
                "Jane Doe <jane.doe@examplewidgets.com",
                "examplewidgets.com",
                {
                    "domain": "examplewidgets.com",
                    "name": "Example Widgets",
                    "intent": "promotional",
                    "industry": "E-commerce",
                    "size": "small",
                    "relationship": "selling_to_me",
                },
                "custom_smtp",
            ),
        ]
        for i, (reason, header, domain, sender, esp_key) in enumerate(odd_from):
            if sender is not None:
                self.add_sender(sender, esp_key)
            s = sender or {"domain": "mailer-daemon.invalid", "name": "", "intent": "transactional"}
            addr = (
                header.rsplit("<", 1)[-1].rstrip(">") if domain else "MAILER-DAEMON@mx.google.com"
            )
            self.specs.append(
                MessageSpec(
                    when=self.at(40 + 37 * i, "+0000"),
                    sender=s,
                    esp_key=esp_key,
                    from_name=s["name"],
                    from_addr=addr,
                    subject=[
                        "Partnership proposal",
                        "Hallo Alex",
                        "Delivery Status Notification",
                        "Widgets on sale",
                    ][i],
                    kind="malformed",
                    to_addr=self.me,
                    text=[
                        "Dear Alex,\n\nWe would like to propose a partnership.\n\nJohn Smith",
                        "Hallo Alex,\n\nwie geht's? Lange nichts gehört.\n\nRenée",
                        "Delivery to the following recipient failed permanently.\n",
                        "Widgets 20% off this week only!\n",
                    ][i],
                    malformed=reason,
                    from_header=header,
                )
            )


# ---- bulk stream ---------------------------------------------------------


def _sender_person(sender: dict) -> tuple[str, str]:
    local = (sender.get("from") or "").split("@")[0]
    if (
        "." in local
        or local.isalpha()
        and sender["style"] == "plain"
        and local not in ("info", "news")
    ):
        parts = re.split(r"[._]", local)
        return " ".join(p.capitalize() for p in parts), "Account Executive"
    return sender["name"], ""


def greeting(mode: str, esp_key: str, rng: random.Random) -> tuple[str, str, str | None]:
    """(greeting line, first-name value, unrendered merge tag)."""
    if mode == "filled":
        return rng.choice(["Hi Alex,", "Hello Alex,", "Hey Alex,", "Alex,"]), "Alex", None
    if mode == "merge":
        tag = {
            "mailchimp": "*|FNAME|*",
            "salesforce_mc": "%%FirstName%%",
            "marketo": "{{lead.First Name}}",
        }.get(esp_key, "{{ first_name }}")
        if rng.random() < 0.6:  # most sends render fine, some leak the tag
            return f"Hi {tag},", tag, tag
        return "Hi Alex,", "Alex", None
    return rng.choice(["Hello,", "Hi there,", "Dear customer,", "Hi friend,"]), "there", None


def bulk_stream(
    rng: random.Random, now: datetime, count: int, me: str, alias: str
) -> Iterator[MessageSpec]:
    """``count`` bulk messages in chronological order, spread over ~13 months."""
    senders = catalogue.senders()
    templates = catalogue.templates()
    kinds = templates["kinds"]
    start, end = now - timedelta(days=400), now - timedelta(days=2)
    span = (end - start).total_seconds()
    order = list(range(len(senders)))
    rng.shuffle(order)
    forced = (
        {j * count // len(senders): order[j] for j in range(len(senders))}
        if count >= len(senders)
        else {}
    )
    cum = list(itertools.accumulate(s["weight"] for s in senders))
    issues: dict[str, int] = {}
    for i in range(count):
        t = start + timedelta(seconds=span * (i + rng.random()) / count)
        idx = forced.get(i)
        if idx is None:
            idx = bisect.bisect_right(cum, rng.random() * cum[-1])
        s = senders[idx]
        when = t.astimezone(tz(s["tz"])).replace(microsecond=0)
        kind = rng.choice(s["kinds"])
        variant = rng.choice(kinds[kind])
        issues[s["domain"]] = issue = issues.get(s["domain"], 100 + idx * 7) + 1
        greet, first, tag = greeting(s["personalization"], s["esp"], rng)
        person, title = _sender_person(s)
        values = {
            "name": s["name"],
            "product": s["product"],
            "greeting": greet,
            "first": first,
            "pct": rng.choice(PERCENTS),
            "amount": f"${rng.choice([19, 29, 49, 99, 149, 299])}.00",
            "weekday": rng.choice(WEEKDAYS),
            "month": f"{when:%B}",
            "city": rng.choice(templates["cities"]),
            "issue": issue,
            "topic": rng.choice(templates["topics"]),
            "count": f"{rng.randint(2, 90)},{rng.randint(100, 999)}",
            "date_long": long_date(when + timedelta(days=rng.randint(5, 25))),
            "event": rng.choice(templates["events"]),
            "year": when.year,
            "slug": s["domain"].split(".")[0],
            "sender_name": person,
            "sender_title": title or "Partner",
        }
        subject = rng.choice(variant["subjects"]).format(**values)
        values["subject"] = subject
        values["campaign"] = re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")[:40]
        to_alias = s["industry"] == "Developer Tools"
        spec = MessageSpec(
            when=when,
            sender=s,
            esp_key=s["esp"],
            from_name=person if title else s["name"],
            from_addr=s.get("from") or f"news@{s['domain']}",
            subject=subject,
            kind=kind,
            to_addr=alias if to_alias else me,
            to_name=None if rng.random() < 0.4 else ME_NAME,
            values=values,
            offers=list(variant.get("offers", [])),
            personalization=first == "Alex",
            merge_tag=tag,
            labels={"newsletter": "Category Updates,Inbox", "cold_plain": "Inbox"}.get(
                kind,
                "Category Promotions,Inbox"
                if s["intent"] in ("promotional", "re_engagement")
                else "Category Updates,Inbox",
            ),
        )
        if "plain" in variant:
            spec.text = variant["plain"].format(**values).strip() + "\n"
            spec.link_intents = list(variant.get("link_intents", []))
        else:
            spec.content = variant
            if variant.get("attach_invoice") and rng.random() < 0.5:
                spec.pdf = (f"{s['name'][:3].upper()}-{issue}", values["amount"])
        yield spec


def planted_count(messages: int) -> int:
    return max(1, min(3, messages // 650))


def now_utc(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(microsecond=0)
