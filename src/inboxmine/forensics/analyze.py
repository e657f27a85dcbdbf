"""One message's header forensics, as the row stage 1 stores in ``parsed_metadata``.

:func:`analyze` is pure: plain message fields and compiled rules in, a row out.
It never raises on odd input: headers of the wrong shape are ignored, every
value is cut to a bounded size before it is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from inboxmine.forensics.auth import Authentication, dkim_aligned, read_authentication
from inboxmine.forensics.domains import (
    SenderIdentity,
    address_domain,
    clean_address,
    clean_host,
    host_suffixes,
    in_domain,
    registered_domain,
    sender_identity,
    tenant_host,
)
from inboxmine.forensics.esp import EspRules, Observed, compile_rules, identify_esp
from inboxmine.forensics.links import body_link_hosts
from inboxmine.forensics.received import read_received
from inboxmine.forensics.temporal import send_time, utc_offset_minutes
from inboxmine.forensics.unsubscribe import (
    feedback_sender_id,
    legacy_list_id,
    list_id_host,
    read_unsubscribe,
)

#: Values read of one header name (a hostile message can repeat a header).
MAX_VALUES = 64
#: Header names looked at for provider-specific headers.
MAX_NAMES = 512
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})


@dataclass(frozen=True)
class Prepared:
    """Compiled rules for :func:`analyze` (built once per run, pickled to workers)."""

    esp: EspRules
    freemail: frozenset[str]
    tenant_platforms: frozenset[str] = frozenset()
    publication_platforms: frozenset[str] = frozenset()


def _domain_list(freemail_rules: Mapping[str, Any], key: str) -> frozenset[str]:
    """The lower-cased domains under ``key`` of ``freemail.yaml`` (absent: none)."""
    values = freemail_rules.get(key) or []
    if not isinstance(values, list):
        from inboxmine.rules.loader import RulesError

        raise RulesError(
            f"freemail.yaml: `{key}` must be a list of domains, e.g. [example.com]; "
            f"got {type(values).__name__}"
        )
    return frozenset(str(d).strip().lower() for d in values if str(d).strip())


def prepare_rules(esp_rules: Mapping[str, Any], freemail_rules: Mapping[str, Any]) -> Prepared:
    """Compile the loaded ``esp.yaml`` and ``freemail.yaml``."""
    domains = freemail_rules.get("domains") if isinstance(freemail_rules, Mapping) else None
    if not isinstance(domains, list):
        from inboxmine.rules.loader import RulesError

        raise RulesError("freemail.yaml: `domains` must be a list of domains, e.g. [gmail.com]")
    return Prepared(
        esp=compile_rules(esp_rules),
        freemail=frozenset(str(d).strip().lower() for d in domains if str(d).strip()),
        tenant_platforms=_domain_list(freemail_rules, "tenant_platforms"),
        publication_platforms=_domain_list(freemail_rules, "publication_platforms"),
    )


def _tenant_identity(
    identity: SenderIdentity, auth: Authentication, prepared: Prepared
) -> SenderIdentity:
    """A platform customer's identity: its own DKIM domain, else its tenant host."""
    if identity.is_publication:  # already its own identity: the publication's address
        return identity
    tenant = tenant_host(identity.sender_subdomain, prepared.tenant_platforms)
    if tenant is None:
        return identity
    esp_dkim = prepared.esp.hosts.get("dkim_domain", {})
    for signature in auth.dkim_signatures:
        domain = registered_domain(signature["domain"])
        if (
            domain
            and "." in domain
            and domain not in prepared.tenant_platforms
            and not any(suffix in esp_dkim for suffix in host_suffixes(signature["domain"]))
        ):
            return SenderIdentity(domain, identity.from_domain, identity.sender_subdomain, False)
    return SenderIdentity(tenant, identity.from_domain, identity.sender_subdomain, False)


def _values(headers: Any, name: str) -> list[str]:
    if not isinstance(headers, Mapping):
        return []
    values = headers.get(name)
    if isinstance(values, str):
        return [values]
    if not isinstance(values, list):
        return []
    return [v for v in values[:MAX_VALUES] if isinstance(v, str)]


def _first(headers: Any, *names: str, limit: int = 1024) -> str | None:
    for name in names:
        for value in _values(headers, name):
            value = value.strip()
            if value:
                return value[:limit]
    return None


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else value


def _message_id_host(value: str | None) -> str | None:
    if not value or "@" not in value:
        return None
    return clean_host(value[:1024].rsplit("@", 1)[1].split(">", 1)[0])


#: Local parts of bounce and system senders: they name a mail server, not who wrote.
SYSTEM_SENDERS = frozenset(
    {"mailer-daemon", "postmaster", "bounce", "bounces", "noreply-dmarc-support"}
)


def claimed_sender(
    from_address: str | None, headers: Any, envelope: str | None
) -> tuple[str | None, str | None]:
    """(address, where it came from): who the message says sent it.

    Spam often has a From with only a display name, or none: rather than lose
    the message to every later stage, fall back to Sender, then Reply-To, then
    the envelope (Return-Path) - but never to a bounce's system address.
    """
    if clean_address(from_address):
        return from_address, "from"
    for name, source in (("sender", "sender"), ("reply-to", "reply_to")):
        address = clean_address(_first(headers, name))
        if address:
            return address, source
    if envelope and envelope.split("@", 1)[0] not in SYSTEM_SENDERS:
        return envelope, "return_path"
    return None, None


def analyze(message: Mapping[str, Any], prepared: Prepared) -> dict[str, Any]:
    """The ``parsed_metadata`` row of one message (without ``parsed_at``).

    ``message`` has ``id``, ``headers`` ({lower-case name: [values]}),
    ``from_address``, ``sent_at`` (aware UTC), ``sent_at_source``,
    ``date_raw``, ``is_sent`` and ``body`` (HTML or text, for link hosts).
    """
    headers = message.get("headers")
    envelope = clean_address(_first(headers, "return-path"))
    from_address, sender_source = claimed_sender(message.get("from_address"), headers, envelope)
    identity = sender_identity(from_address, prepared.freemail, prepared.publication_platforms)
    own_domain = identity.from_domain

    auth = read_authentication(
        {
            name: _values(headers, name)
            for name in (
                "authentication-results",
                "arc-authentication-results",
                "arc-seal",
                "received-spf",
                "dkim-signature",
            )
        },
        own_domain,
    )
    identity = _tenant_identity(identity, auth, prepared)
    # The domain whose own mention is no ESP evidence: the sender's (for a
    # platform tenant, the customer's, so the platform's signals still count;
    # a publication owns nothing of its platform: all of it is evidence).
    if identity.is_publication:
        own_domain = None
    else:
        own_domain = identity.from_domain if identity.is_freemail else identity.sender_domain
    chain = read_received(_values(headers, "received"), auth.spf_client_ip)
    unsubscribe = read_unsubscribe(
        _first(headers, "list-unsubscribe", limit=4096), _first(headers, "list-unsubscribe-post")
    )
    list_header = _first(headers, "list-id", limit=512)
    list_id_raw = list_header or legacy_list_id(
        _first(headers, "mailing-list"),
        _first(headers, "x-mailing-list"),
        _first(headers, "x-beenthere"),
    )
    feedback_raw = _first(headers, "feedback-id", "x-feedback-id", limit=512)
    x_mailer = _first(headers, "x-mailer", "user-agent", limit=512)
    precedence = (_first(headers, "precedence", limit=64) or "").lower() or None
    message_id_host = _message_id_host(_first(headers, "message-id"))
    envelope_host = address_domain(envelope)
    list_host = list_id_host(list_header)

    own_signals: list[tuple[str, str]] = []
    own_infrastructure = False
    # Without a From (a bounce), the DKIM signer is the domain that claims the mail.
    infra_domain = own_domain or registered_domain(
        auth.dkim_domains[0] if auth.dkim_domains else None
    )
    if infra_domain and not identity.is_freemail and not identity.is_publication:
        aligned = dkim_aligned(auth, infra_domain)
        host_own = in_domain(chain.sending_host, infra_domain)
        msgid_own = in_domain(message_id_host, infra_domain)
        if aligned:
            own_signals.append(("dkim_aligned", auth.dkim_domains[0]))
        if host_own:
            own_signals.append(("sending_host_own", chain.sending_host))
        if msgid_own:
            own_signals.append(("message_id_own", message_id_host))
        # Two of the three, and no one else's DKIM signature: an unsigned
        # message from the sender's own server with its own Message-ID counts.
        foreign_signature = bool(auth.dkim_domains) and not aligned
        own_infrastructure = not foreign_signature and (aligned + host_own + msgid_own) >= 2

    names = headers.keys() if isinstance(headers, Mapping) else ()
    observed = Observed(
        hosts={
            "return_path": [envelope_host] if envelope_host else [],
            "dkim_domain": auth.dkim_domains,
            "received_host": chain.sender_side_hosts(),
            "message_id_domain": [message_id_host] if message_id_host else [],
            "list_unsubscribe_host": list(unsubscribe.hosts),
            "list_id": [list_host] if list_host else [],
            "link_domain": body_link_hosts(message.get("body")),
        },
        header_names=[n for n in islice(names, MAX_NAMES) if isinstance(n, str)],
        feedback_id=feedback_sender_id(feedback_raw),
        x_mailer=x_mailer.lower() if x_mailer else None,
        own=own_signals,
    )
    esp = identify_esp(observed, prepared.esp, own_domain, identity.is_freemail, own_infrastructure)

    sent_at: datetime | None = message.get("sent_at")
    real_time = (
        sent_at if sent_at is not None and message.get("sent_at_source") != "import" else None
    )
    offset = utc_offset_minutes(message.get("date_raw") or _first(headers, "date"))
    timing = send_time(real_time, offset) if real_time is not None else None
    dkim_domains = auth.dkim_domains

    return {
        "message_id": message["id"],
        "sender_domain": identity.sender_domain,
        "sender_source": sender_source if identity.sender_domain else None,
        "from_domain": identity.from_domain,
        "sender_subdomain": identity.sender_subdomain,
        "envelope_sender": envelope,
        "message_id_domain": message_id_host,
        "esp_identified": esp.esp,
        "esp_confidence": esp.confidence,
        "esp_evidence": esp.evidence,
        "esp_infrastructure": esp.infrastructure,
        "dkim_domains": dkim_domains,
        "dkim_domain": dkim_domains[0] if dkim_domains else None,
        "dkim_signatures": auth.dkim_signatures,
        "spf_result": _clip(auth.spf_result, 32),
        "dkim_result": _clip(auth.dkim_result, 32),
        "dmarc_result": _clip(auth.dmarc_result, 32),
        "arc_result": _clip(auth.arc_result, 32),
        "authentication_quality": auth.quality,
        "sending_ip": chain.sending_ip,
        "sending_host": chain.sending_host,
        "received_hops": [hop.as_dict() for hop in chain.hops],
        "x_mailer": x_mailer,
        "precedence": _clip(precedence, 32),
        "list_id": list_id_raw,
        "list_unsubscribe_url": unsubscribe.url,
        "list_unsubscribe_email": unsubscribe.email,
        "list_unsubscribe_one_click": unsubscribe.one_click,
        "feedback_id": feedback_raw,
        "is_bulk": bool(
            precedence in BULK_PRECEDENCE or unsubscribe.url or unsubscribe.email or list_id_raw
        ),
        "is_freemail": identity.is_freemail,
        "is_sent": bool(message.get("is_sent")),
        "sent_at": real_time,
        "utc_offset_minutes": offset,
        "sent_hour_utc": timing.hour_utc if timing else None,
        "sent_hour_local": timing.hour_local if timing else None,
        "sent_weekday": timing.weekday if timing else None,
    }
