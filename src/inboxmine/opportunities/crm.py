"""CRM-ready records: gems as deals, profiles as companies, people as contacts,
under the column names HubSpot and Pipedrive import (docs/exporting.md names
the source of each). Pure: plain rows in, ``(columns, rows)`` out.

Ids are stable: derived from natural keys (a sender's domain, a person's
address, a gem's sender + type + thread), never from database row ids, so
the same gem or contact keeps its id across re-runs and re-imports and a CRM
import updates instead of duplicating.
"""

from __future__ import annotations

import hashlib
from typing import Any

TARGETS = ("hubspot", "pipedrive")
KINDS = ("gems", "companies", "contacts")
ID_COLUMN = "inboxmine ID"

COLUMNS = {
    ("hubspot", "companies"): [ID_COLUMN, "Company name", "Company Domain Name", "Description", "inboxmine industry"],
    ("hubspot", "contacts"): [ID_COLUMN, "First Name", "Last Name", "Email", "Job Title", "Company Name", "Company Domain Name"],
    ("hubspot", "gems"): [ID_COLUMN, "Deal Name", "Pipeline", "Deal Stage", "Amount", "Close Date", "Deal Description", "Company Domain Name", "Email", "inboxmine amount basis", "inboxmine gem type", "inboxmine score"],
    ("pipedrive", "companies"): [ID_COLUMN, "Organization - Name", "Organization - Address", "Organization - Website"],
    ("pipedrive", "contacts"): [ID_COLUMN, "Person - Name", "Person - First name", "Person - Last name", "Person - Email", "Person - Job title", "Organization - Name"],
    ("pipedrive", "gems"): [ID_COLUMN, "Deal - Title", "Deal - Value", "Deal - Currency", "Deal - Pipeline", "Deal - Stage", "Deal - Status", "Deal - Expected close date", "Organization - Name", "Person - Name", "Person - Email", "inboxmine amount basis", "inboxmine gem type", "inboxmine score", "inboxmine summary"],
}  # fmt: skip


def stable_id(kind: str, *natural_key: str) -> str:
    """``im-<kind>-<16 hex>`` from the natural key (case-insensitive, whitespace-trimmed)."""
    text = "\x1f".join(" ".join(str(k or "").lower().split()) for k in natural_key)
    return f"im-{kind}-{hashlib.sha256(f'{kind}:{text}'.encode()).hexdigest()[:16]}"


def gem_id(gem: dict[str, Any]) -> str:
    """A gem's id: sender, type and the thread's own key (its Message-ID root), not row ids."""
    return stable_id(
        "gem", gem["sender_domain"], gem["gem_type"], gem.get("thread_natural_key") or ""
    )


def contact_id(email: str) -> str:
    """A person's id: their address (lower-cased), whichever profile saw them."""
    return stable_id("contact", email)


def company_id(sender_domain: str) -> str:
    return stable_id("company", sender_domain)


def split_name(name: str | None) -> tuple[str, str]:
    """``(first, last)``: "Ada Lovelace", "Lovelace, Ada", "Ada" (no last name)."""
    text = " ".join((name or "").replace('"', " ").split())
    if not text:
        return "", ""
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    first, _, last = text.partition(" ")
    return first, last


def is_robot(email: str | None, rules: dict[str, Any]) -> bool:
    local = (email or "").split("@", 1)[0].lower()
    return any(local == r or local.startswith(r + "+") for r in rules["robot_local_parts"])


def deal_amount(gem: dict[str, Any], money: list[dict[str, Any]], rules: dict[str, Any]):
    """``(amount, currency, basis)``: the largest amount the gem's own messages name,
    the renewal's amount for a renewal gem, else the figure of its value tier."""
    default_currency = rules["default_currency"]
    from_mail = gem["gem_type"] in rules["amount_from_mail_gem_types"]
    usable = [
        m
        for m in (money if from_mail else [])
        if (m.get("amount") or 0) > 0 and m.get("currency") != "%"
    ]
    evidence = set(gem.get("message_ids") or [])
    own = [m for m in usable if m.get("message_id") in evidence]
    if not own and gem["gem_type"] in rules["amount_from_any_mail_gem_types"] and usable:
        own = usable[:1]
    if own:
        best = max(own, key=lambda m: m["amount"])
        return (
            round(float(best["amount"]), 2),
            best.get("currency") or default_currency,
            (f"mail: {best.get('value') or best['amount']}"),
        )
    tier = gem.get("estimated_value") or "medium"
    amount = rules["amount_by_value_tier"].get(tier)
    if amount is None:
        return None, default_currency, f"no amount for value tier {tier!r}"
    return amount, default_currency, f"estimate: {tier} value tier"


def close_date(gem: dict[str, Any]) -> str | None:
    """The renewal date of a renewal gem (the day to have negotiated by); else unknown."""
    facts = (gem.get("explanation") or {}).get("facts") or {}
    dates = facts.get("renewal_dates") or []
    return str(dates[0]) if dates else None


def deal_name(gem: dict[str, Any]) -> str:
    who = gem.get("company_name") or gem["sender_domain"]
    return f"{who}: {gem['gem_type'].replace('_', ' ')}"


def deal_rows(target, gems, money_by_sender, contacts_by_sender, rules) -> list[dict[str, Any]]:
    cfg = rules["targets"][target]
    out = []
    for gem in gems:
        amount, currency, basis = deal_amount(
            gem, money_by_sender.get(gem["sender_domain"], []), rules
        )
        person = _deal_contact(gem, contacts_by_sender.get(gem["sender_domain"], []))
        stage = cfg["stages"].get(gem["status"], next(iter(cfg["stages"].values())))
        common = {ID_COLUMN: gem_id(gem), "inboxmine amount basis": basis, "inboxmine gem type": gem["gem_type"], "inboxmine score": gem["score"]}  # fmt: skip
        if target == "hubspot":
            row = {"Deal Name": deal_name(gem), "Pipeline": cfg["pipeline"], "Deal Stage": stage, "Amount": amount, "Close Date": close_date(gem), "Deal Description": gem.get("summary"), "Company Domain Name": gem["sender_domain"], "Email": person.get("email")}  # fmt: skip
        else:
            row = {"Deal - Title": deal_name(gem), "Deal - Value": amount, "Deal - Currency": currency, "Deal - Pipeline": cfg["pipeline"], "Deal - Stage": stage, "Deal - Status": cfg["statuses"].get(gem["status"], "open"), "Deal - Expected close date": close_date(gem), "Organization - Name": gem.get("company_name") or gem["sender_domain"], "Person - Name": person.get("name"), "Person - Email": person.get("email"), "inboxmine summary": gem.get("summary")}  # fmt: skip
        out.append({**common, **row})
    return out


def _deal_contact(gem: dict[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any]:
    """The gem's own counterpart when detection recorded one, else the sender's first contact."""
    if gem.get("contact_email"):
        return {"email": gem["contact_email"].strip().lower(), "name": gem.get("contact_name")}
    return contacts[0] if contacts else {}


def company_rows(target: str, profiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for p in profiles:
        name = p.get("company_name") or p["sender_domain"]
        domain = None if p.get("is_freemail") else p["sender_domain"]
        if target == "hubspot":
            row = {"Company name": name, "Company Domain Name": domain, "inboxmine industry": p.get("industry"), "Description": p.get("product_description")}  # fmt: skip
        else:
            row = {"Organization - Name": name, "Organization - Address": p.get("physical_address"), "Organization - Website": f"https://{domain}" if domain else None}  # fmt: skip
        out.append({ID_COLUMN: company_id(p["sender_domain"]), **row})
    return out


def contacts_from(profiles, gem_contacts, rules) -> list[dict[str, Any]]:
    """One contact per address: gem counterparts first (they are people you talk to),
    then the people profiles saw. A CRM contact needs an address (CRMs match
    contacts by it), so names without one - often a name-like phrase that is
    no person - are left out, as are robots and automated senders."""
    skip = set(rules["skip_relationships"])
    seen: dict[str, dict[str, Any]] = {}
    company = {p["sender_domain"]: p.get("company_name") or p["sender_domain"] for p in profiles}
    candidates = [
        {
            "name": g.get("contact_name"),
            "email": g.get("contact_email"),
            "role": None,
            "sender_domain": g["sender_domain"],
        }  # fmt: skip
        for g in gem_contacts
    ]
    for p in profiles:
        for c in p.get("known_contacts") or []:
            if c.get("relationship") not in skip:
                candidates.append({**c, "sender_domain": p["sender_domain"]})
    for c in candidates:
        email = (c.get("email") or "").strip().lower() or None
        if not email or "@" not in email or is_robot(email, rules):
            continue
        key = contact_id(email)
        known = seen.get(key)
        if known is None:
            seen[key] = {"id": key, "name": c.get("name"), "email": email, "role": c.get("role"), "sender_domain": c["sender_domain"], "company_name": company.get(c["sender_domain"], c["sender_domain"])}  # fmt: skip
        else:
            known["name"] = known["name"] or c.get("name")
            known["role"] = known["role"] or c.get("role")
    return sorted(
        seen.values(), key=lambda c: (c["sender_domain"], c["email"] or "", c["name"] or "")
    )


def contact_rows(target: str, contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in contacts:
        first, last = split_name(c.get("name"))
        if target == "hubspot":
            row = {"First Name": first, "Last Name": last, "Email": c.get("email"), "Job Title": c.get("role"), "Company Name": c.get("company_name"), "Company Domain Name": c["sender_domain"] if "@" not in c["sender_domain"] else None}  # fmt: skip
        else:
            row = {"Person - Name": c.get("name") or c.get("email"), "Person - First name": first, "Person - Last name": last, "Person - Email": c.get("email"), "Person - Job title": c.get("role"), "Organization - Name": c.get("company_name")}  # fmt: skip
        out.append({ID_COLUMN: c["id"], **row})
    return out
