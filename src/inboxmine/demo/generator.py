"""generate_demo(): stream a realistic demo mailbox (mboxrd) and its truth file."""

from __future__ import annotations

import heapq
import html
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path

from inboxmine.demo import bodies, catalogue, malformed
from inboxmine.demo.esp_headers import base_ctx, esp_headers, message_id, trace_headers
from inboxmine.demo.mbox_writer import MboxWriter
from inboxmine.demo.scenarios import (
    FREE_MAIL,
    MessageSpec,
    Planner,
    bulk_stream,
    greeting,
    now_utc,
    planted_count,
    sender_key,
)

MIN_MESSAGES = 120


@dataclass
class DemoResult:
    mbox_path: Path
    truth_path: Path
    message_count: int
    me: list[str]
    #: Who the demo user is, as `engagement` settings: the planted co-marketing
    #: partners share this audience, and drafts are signed with this name.
    persona: dict = field(default_factory=lambda: dict(DEMO_PERSONA))


DEMO_PERSONA = {
    "your_name": "Alex",
    "your_service": "marketing analytics consulting",
    "your_audience": "B2B SaaS founders and marketing teams",
}


def _encode(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode()


def _addr(name: str | None, addr: str) -> str:
    return formataddr((name, addr)) if name else addr


class Renderer:
    def __init__(self, rng: random.Random, me: list[str]) -> None:
        self.rng = rng
        self.me = me
        self.seen_ids: set[str] = set()
        self.esps = catalogue.esps()

    def _values(self, spec: MessageSpec) -> dict:
        if spec.values:
            return spec.values
        mode = spec.sender.get("personalization", "none")
        greet, first, tag = greeting(mode, spec.esp_key, self.rng)
        if tag:  # scenario mail renders its greeting
            greet, first, tag = "Hi Alex,", "Alex", None
        spec.personalization = first == "Alex"
        spec.values = {
            "greeting": greet,
            "first": first,
            "name": spec.sender["name"],
            "product": spec.sender.get("product", ""),
            "year": spec.when.year,
            "subject": spec.subject,
            "campaign": spec.kind,
        }
        return spec.values

    def render(self, spec: MessageSpec) -> tuple[bytes, str | None]:
        rng = self.rng
        sender_domain = spec.sender["domain"]
        from_domain = spec.from_addr.rsplit("@", 1)[-1]
        ctx = base_ctx(
            spec.esp_key,
            sender_domain,
            spec.when,
            from_addr=spec.from_addr,
            rcpt=spec.to_addr,
            subject=spec.subject,
        )
        ctx["_when"] = spec.when
        mid = spec.message_id
        while mid is None or mid in self.seen_ids:
            ctx["_memo"] = {}
            mid = message_id(spec.esp_key, ctx, rng)
        self.seen_ids.add(mid)
        spec.message_id = mid
        thrid = spec.thread_id or str(rng.randrange(10**18, 10**19))

        headers: list[tuple[str, str]] = [("X-GM-THRID", thrid), ("X-Gmail-Labels", spec.labels)]
        if spec.outgoing:
            headers.append(
                (
                    "Received",
                    f"by 2002:a05:{rng.randbytes(2).hex()}:{rng.randbytes(2).hex()[:3]}:b0:0:0:0:0 "
                    f"with HTTP; {format_datetime(spec.when)}",
                )
            )
        else:
            trace, _ = trace_headers(
                spec.esp_key,
                spec.sender,
                ctx,
                rng,
                from_domain=from_domain,
                to_alias=spec.to_addr == self.me[-1] and len(self.me) > 1,
            )
            headers += trace
        headers.append(("MIME-Version", "1.0"))
        headers.append(("Date", format_datetime(spec.when)))
        headers.append(("Message-ID", f"<{mid}>"))
        if spec.in_reply_to:
            headers.append(("In-Reply-To", f"<{spec.in_reply_to}>"))
            headers.append(("References", " ".join(f"<{r}>" for r in spec.references)))
        headers.append(("From", spec.from_header or _addr(spec.from_name, spec.from_addr)))
        headers.append(("To", _addr(spec.to_name, spec.to_addr)))
        headers.append(("Subject", _encode(spec.subject)))
        if not spec.outgoing and spec.esp_key in self.esps:
            headers += esp_headers(spec.esp_key, ctx, rng, bulk=spec.content is not None)

        link_intents = list(spec.link_intents)
        has_pixel = False
        if spec.malformed and spec.malformed in malformed.BODY_DEFECTS:
            body = malformed.BODY_DEFECTS[spec.malformed](spec, rng)
        else:
            if spec.content is not None:
                r = bodies.marketing(
                    spec.content, self._values(spec), spec.sender, spec.esp_key, ctx, rng
                )
                link_intents, has_pixel = r.link_intents, r.has_pixel
            elif spec.basic is not None:
                self._values(spec)
                r = bodies.basic(spec.basic, spec.sender)
            else:
                r = bodies.Rendered(text=spec.text or "", html=None)
                gmail = spec.esp_key in ("google_workspace", "personal_gmail")
                if gmail and spec.kind in ("human_thread", "industry_intel") and rng.random() < 0.5:
                    r.html = (
                        '<div dir="ltr">' + html.escape(r.text).replace("\n", "<br>\n") + "</div>\n"
                    )
            pdf = None
            if spec.pdf:
                pdf = bodies.invoice_pdf(spec.pdf[0], spec.pdf[1], spec.sender["name"])
            body = bodies.assemble(
                r,
                rng,
                domain=sender_domain,
                pdf=pdf,
                pdf_name=f"invoice-{spec.pdf[0]}.pdf" if spec.pdf else "invoice.pdf",
            )
        spec.link_intents = link_intents
        spec.values["_pixel"] = has_pixel

        drop = set(spec.drop_headers)
        if spec.malformed == "missing_date":
            drop.add("Date")
        if spec.malformed == "no_message_id":
            drop.add("Message-ID")
        head = "".join(f"{n}: {v}\n" for n, v in headers if n not in drop)
        raw = head.encode("utf-8") + body
        return raw, (None if "Message-ID" in drop else mid)


def _truth_entry(spec: MessageSpec, me_domain: str) -> dict:
    domain = spec.sender.get("domain") if spec.from_header != "<>" else None
    key = sender_key(spec.sender) if domain else None
    if domain in FREE_MAIL and not spec.outgoing:
        key = spec.from_addr.lower()
    if spec.outgoing:
        key = me_domain
    entry = {
        "sender_domain": key,
        "esp": catalogue.esps()[spec.esp_key]["truth_key"],
        "offers": spec.offers,
        "link_intents": spec.link_intents,
        "renewal_date": spec.renewal_date,
        "procurement": spec.procurement,
        "malformed": spec.malformed,
        "has_tracking_pixel": bool(spec.values.get("_pixel")) if spec.values else False,
        "personalization": spec.personalization,
        "language": "en",
        "kind": spec.kind,
        "direction": "sent" if spec.outgoing else "received",
        "thread_id": spec.thread_id,
        "unrendered_merge_tag": spec.merge_tag,
    }
    return entry


def generate_demo(
    out_dir: Path,
    *,
    seed: int = 7,
    messages: int = 2000,
    now: datetime | None = None,
    me: str = "alex@northwind-consulting.com",
) -> DemoResult:
    """Write ``out_dir/demo.mbox`` and ``out_dir/demo-truth.json``; see SPEC in the package docs."""
    if messages < MIN_MESSAGES:
        raise ValueError(f"messages must be at least {MIN_MESSAGES} (got {messages})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    now = now_utc(now)
    alias = me.split("@", 1)[0] + "@northwind.dev"
    me_list = [me, alias]
    me_domain = me.rsplit("@", 1)[-1]

    planner = Planner(random.Random(f"{seed}:plan"), now, me, alias)
    plan = planner.build(planted_count(messages))
    planted = sorted(plan.planted, key=lambda s: s.when)
    bulk = bulk_stream(random.Random(f"{seed}:bulk"), now, messages - len(planted), me, alias)
    stream = heapq.merge(planted, bulk, key=lambda s: s.when)
    renderer = Renderer(random.Random(f"{seed}:render"), me_list)

    bulk_senders = {s["domain"]: s for s in catalogue.senders()}
    senders = dict(plan.senders)
    malformed_list = []
    mbox_path = out_dir / "demo.mbox"
    truth_path = out_dir / "demo-truth.json"
    esps = catalogue.esps()
    first_date = last_date = None
    with MboxWriter(mbox_path) as mbox, open(truth_path, "w", encoding="utf-8") as truth:
        truth.write(
            '{"generator": '
            + json.dumps({"seed": seed, "now": now.isoformat(), "messages": messages})
        )
        truth.write(',\n "me": ' + json.dumps(me_list) + ',\n "messages": {')
        sep = "\n  "
        for position, spec in enumerate(stream):
            raw, mid = renderer.render(spec)
            mbox.write(raw, envelope=f"{1760000000000000000 + position}@xxx", when=spec.when)
            first_date = first_date or spec.when
            last_date = spec.when
            if spec.malformed:
                malformed_list.append(
                    {"position": position, "message_id": mid, "reason": spec.malformed}
                )
            s = bulk_senders.get(spec.sender.get("domain"))
            if s is not None and sender_key(s) not in senders and not spec.outgoing:
                senders[sender_key(s)] = {
                    "intent": s["intent"],
                    "industry": s["industry"],
                    "company_size": s["size"],
                    "relationship": s["relationship"],
                    "esp": esps[s["esp"]]["truth_key"],
                }
            if mid is not None:
                truth.write(
                    sep + json.dumps(mid) + ": " + json.dumps(_truth_entry(spec, me_domain))
                )
                sep = ",\n  "
        truth.write("\n },\n")
        truth.write(' "senders": ' + json.dumps(senders, indent=1, sort_keys=True) + ",\n")
        truth.write(' "gems": ' + json.dumps(plan.gems, indent=1) + ",\n")
        truth.write(' "negatives": ' + json.dumps(plan.negatives, indent=1) + ",\n")
        truth.write(' "malformed": ' + json.dumps(malformed_list, indent=1) + ",\n")
        truth.write(
            ' "span": '
            + json.dumps(
                {
                    "first": first_date.astimezone(UTC).isoformat() if first_date else None,
                    "last": last_date.astimezone(UTC).isoformat() if last_date else None,
                    "days": (now - first_date).days if first_date else 0,
                }
            )
        )
        truth.write("\n}\n")
        count = mbox.count
    return DemoResult(mbox_path=mbox_path, truth_path=truth_path, message_count=count, me=me_list)
