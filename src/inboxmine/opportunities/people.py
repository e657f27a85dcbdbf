"""Who a message is from, as profiles and gems count it: an organisation or a person.

A sender identity is normally the registered domain (``northwind.example``),
or the full address for free-mail. The user's own mail is nobody's profile,
and neither, by default, is mail from colleagues at the user's own domain.
With ``include_internal`` the colleagues count too, each one a person (their
full address, as for free-mail), so thread gems work inside the company.

:func:`identity_of` is the one place this is decided; stage 5 reads every
received message through it. :func:`counterpart` names the person a thread
gem belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass

from inboxmine.opportunities.facts import MessageFacts, ThreadFacts

#: Longest contact name kept (a display name is sender-controlled text).
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class Me:
    """The user, as stage 5 needs them.

    ``addresses`` are the user's own addresses (the ``me`` setting and the
    From of sent mail); ``identities`` the sender identities that are the
    user's own: their organisation's domains and their free-mail addresses.
    """

    addresses: frozenset[str] = frozenset()
    identities: frozenset[str] = frozenset()
    include_internal: bool = False

    @property
    def domains(self) -> frozenset[str]:
        """The user's organisation: own identities that are domains, not addresses."""
        return frozenset(i for i in self.identities if "@" not in i)


def identity_of(
    sender_domain: str | None, from_address: str | None, is_sent: bool, me: Me
) -> str | None:
    """The identity a message counts under in profiles and gems; None when it
    counts under none (the user's own mail; a colleague's unless ``include_internal``).

    >>> me = Me(frozenset({"ceo@acme.example"}), frozenset({"acme.example"}))
    >>> identity_of("northwind.example", "ann@northwind.example", False, me)
    'northwind.example'
    >>> identity_of("acme.example", "cfo@acme.example", False, me) is None
    True
    >>> on = Me(me.addresses, me.identities, include_internal=True)
    >>> identity_of("acme.example", "CFO@acme.example", False, on)
    'cfo@acme.example'
    >>> identity_of("acme.example", "ceo@acme.example", False, on) is None
    True
    """
    if is_sent or not sender_domain:
        return None
    identity = sender_domain.strip().lower()
    address = (from_address or "").strip().lower()
    if address and address in me.addresses:
        return None
    if identity not in me.identities:
        return identity
    if me.include_internal and "@" not in identity and _under(address, identity):
        return address
    return None


def _under(address: str, domain: str) -> bool:
    """``bob@mail.acme.example`` is under ``acme.example``."""
    host = address.rpartition("@")[2]
    return bool(host) and "@" in address and (host == domain or host.endswith("." + domain))


def organisation_of(identity: str, me: Me) -> str | None:
    """The user's own domain a colleague's identity is under; None for anyone else."""
    if "@" not in identity:
        return None
    return next((d for d in sorted(me.domains) if _under(identity, d)), None)


def is_internal(identity: str, me: Me) -> bool:
    """True for a colleague: a person identity at one of the user's own domains."""
    return organisation_of(identity, me) is not None


def clean_name(name: str | None) -> str | None:
    """A display name fit to address someone by: quotes and spacing gone, no
    address posing as a name; None when nothing is left."""
    text = " ".join((name or "").replace('"', " ").replace("'", " ").split())
    if not text or "@" in text:
        return None
    return text[:MAX_NAME_CHARS]


@dataclass(frozen=True)
class Contact:
    """The person a thread gem belongs to."""

    email: str | None
    name: str | None


def counterpart(thread: ThreadFacts) -> MessageFacts | None:
    """The message of the person the user owes a reply: the last one in the
    thread not written by the user (None when the user wrote them all)."""
    for message in reversed(thread.messages):
        if not message.is_sent:
            return message
    return None


def contact_of(thread: ThreadFacts) -> Contact:
    """The counterpart's address and name; the name from any of their messages
    in the thread when the last one has none."""
    last = counterpart(thread)
    if last is None:
        return Contact(None, None)
    email = (last.from_address or "").strip().lower() or None
    name = clean_name(last.from_name)
    if name is None and email:
        for message in reversed(thread.messages):
            if (message.from_address or "").lower() == email and clean_name(message.from_name):
                name = clean_name(message.from_name)
                break
    return Contact(email, name)
