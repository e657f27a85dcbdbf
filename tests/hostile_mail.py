"""A deterministic set of spam and phishing messages, many families, realistic headers.

``hostile_messages(count=600, seed=10)`` returns :class:`HostileMessage`
objects (raw bytes, the family, the folder labels it was found under) that
a test or a benchmark puts through :mod:`inboxmine.trust.offline`.

The wording here was written apart from ``rules/trust.yaml`` and is varied
per message (synonyms, order, spelling, names, amounts); families marked
``held_out`` use wording chosen to avoid the rules' phrase lists, so that
catching them depends on the other evidence (links, brands, headers,
authentication) and shows how the rules generalise rather than how well
they were fitted to these strings.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

FIXED_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

FIRST = ["James", "Maria", "Chen", "Fatima", "Olga", "David", "Grace", "Ahmed", "Laura",
         "Peter", "Aisha", "Victor", "Helen", "Musa", "Irina", "Tom", "Yuki", "Sofia"]  # fmt: skip
LAST = ["Williams", "Okafor", "Petrova", "Nguyen", "Smith", "Mensah", "Kowalski", "Brown",
        "Garcia", "Ibrahim", "Lee", "Novak", "Adeyemi", "Morales", "Fischer"]  # fmt: skip
FREEMAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "aol.com", "mail.ru",
            "yandex.com", "gmx.com", "proton.me", "163.com"]  # fmt: skip
TLDS = ["com", "net", "info", "top", "xyz", "online", "site", "shop", "club", "biz", "ru", "cn"]
SYLLABLES = ["ka", "lo", "mi", "ra", "ten", "vo", "zu", "pex", "dra", "qui", "nor", "bel",
             "sta", "fin", "gro", "lux", "max", "tri", "ven", "cor"]  # fmt: skip


@dataclass(frozen=True)
class HostileMessage:
    family: str
    raw: bytes
    labels: list[str] | None
    held_out: bool


@dataclass
class Draft:
    from_name: str
    from_address: str
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    extra_headers: list[tuple[str, str]] | None = None
    attachment: tuple[str, bytes, str] | None = None  # filename, content, mime
    auth: str = "none"  # none | pass | fail | spoof
    labels: list[str] | None = None


def _word(rng: random.Random, n: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(n))


def _domain(rng: random.Random) -> str:
    return (
        f"{_word(rng, rng.randint(2, 3))}{rng.choice(['', '-', ''])}{_word(rng)}.{rng.choice(TLDS)}"
    )


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def _freemail(rng: random.Random, first: str, last: str) -> str:
    local = rng.choice(
        [f"{first}.{last}", f"{first}{last}{rng.randint(1, 99)}", f"{last}{first[0]}"]
    )
    return f"{local.lower()}@{rng.choice(FREEMAIL)}"


def _ip(rng: random.Random) -> str:
    return ".".join(str(rng.randint(11, 220)) for _ in range(4))


def _money(rng: random.Random) -> str:
    return f"{rng.choice(['$', 'USD ', '€', '£'])}{rng.randint(2, 48)},{rng.randint(100, 999)},000"


def _link(rng: random.Random, host: str | None = None) -> str:
    host = host or _domain(rng)
    return f"https://{host}/{_word(rng)}/{rng.randint(1000, 99999)}"


def _pick(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


# ---------------------------------------------------------------- families


def pharmacy(rng: random.Random) -> Draft:
    domain = _domain(rng)
    drug = _pick(rng, "Viagra", "Cialis", "V1agra", "Levitra", "Tramadol", "Xanax")
    text = (
        f"{_pick(rng, 'Hi', 'Hello friend', 'Dear customer')},\n"
        f"{_pick(rng, 'Top quality', 'Brand and generic')} {drug} at "
        f"{_pick(rng, '80% off', 'the lowest prices', 'discount prices')}. "
        f"{_pick(rng, 'No prescription needed', 'Order without prescription', 'Discreet packaging')}, "
        f"{_pick(rng, 'overnight shipping', 'worldwide delivery', 'ships in 24h')}.\n"
        f"Visit our {_pick(rng, 'online pharmacy', 'Canadian pharmacy', 'medstore')}: {_link(rng, domain)}\n"
    )
    return Draft(
        _pick(rng, "Pharmacy Online", "Meds Store", "Dr. Health", "RX Team"),
        f"{_pick(rng, 'sales', 'ex.pharmacy', 'info', 'rx')}@{_pick(rng, domain, rng.choice(FREEMAIL))}",
        _pick(
            rng,
            f"{drug} -80% today",
            f"Cheap {drug} {_word(rng)}",
            f"Re: your {drug} order",
            f"Best {drug} prices!!!",
        ),
        text,
        auth=rng.choice(["none", "pass", "none"]),
    )


def crypto(rng: random.Random) -> Draft:
    first, last = _person(rng)
    pct = rng.randint(15, 60)
    company = _pick(
        rng,
        "Musk Energy Solutions",
        "Quantum AI Trading",
        "Bitcoin Evolution",
        "Crypto Prime Capital",
    )
    text = (
        f"Dear investor,\nMy name is {first} {last}, senior account manager at {company}. "
        f"Our {_pick(rng, 'AI trading bot', 'automated arbitrage system', 'crypto trading bot')} "
        f"delivered {pct}% per week for our members. "
        f"{_pick(rng, 'Guaranteed returns', 'Guaranteed profit', 'Zero risk')} with as little as $250. "
        f"{_pick(rng, 'Double your bitcoin in 7 days', 'Withdraw your profit anytime', 'Financial freedom is one click away')}.\n"
        f"Register: {_link(rng)}\n"
    )
    return Draft(
        company,
        _freemail(rng, first, last),
        _pick(
            rng,
            f"{pct}% weekly returns - limited seats",
            "Your bitcoin investment opportunity",
            "Passive income with AI 🚀🚀🚀",
            "RE: Your trading account",
        ),
        text,
        auth=rng.choice(["pass", "none"]),
    )


def lottery(rng: random.Random) -> Draft:
    first, last = _person(rng)
    ticket = f"{rng.randint(10, 99)}-{rng.randint(1000, 9999)}-{rng.randint(100, 999)}"
    text = (
        f"{_pick(rng, 'WINNING NOTIFICATION', 'Congratulations!', 'Attention Winner')}\n"
        f"Your email address was {_pick(rng, 'selected', 'drawn', 'chosen')} in the "
        f"{_pick(rng, 'Euro Millions', 'Microsoft Lottery', 'Coca-Cola Promo', 'UK National Lottery')} "
        f"and you have won {_money(rng)}. Ticket number {ticket}. "
        f"To claim your prize contact our agent {first} {last} with your full name, address and phone.\n"
    )
    return Draft(
        _pick(rng, "Lottery Board", "Claims Department", "Promo Award Team"),
        _freemail(rng, first, last),
        _pick(
            rng,
            "YOU HAVE WON!!!",
            "Winning notification",
            f"Claim ref {ticket}",
            "Your prize is waiting",
        ),
        text,
        reply_to=_freemail(rng, *_person(rng)),
        auth="pass",
    )


def advance_fee(rng: random.Random) -> Draft:
    first, last = _person(rng)
    text = (
        f"{_pick(rng, 'Dear friend', 'Good day', 'Dear beloved')},\n"
        f"I am {_pick(rng, 'Barrister', 'Dr.', 'Mrs.')} {first} {last}, "
        f"{_pick(rng, 'attorney to the late Engr. ' + rng.choice(LAST), 'widow of a mining contractor', 'a bank auditor')}. "
        f"There is a fund of {_money(rng)} with no next of kin, and I seek your assistance to transfer "
        f"the fund to your account. You will receive {rng.randint(20, 40)}% of the total. "
        f"This transaction is {_pick(rng, 'strictly confidential', '100% risk free', 'legal and safe')}. "
        f"Reply to my private email.\nGod bless you.\n"
    )
    return Draft(
        f"{first} {last}",
        _freemail(rng, first, last),
        _pick(
            rng,
            "URGENT BUSINESS PROPOSAL",
            "Confidential",
            "Dear friend, please read",
            "Inheritance fund",
        ),
        text,
        reply_to=_freemail(rng, first, rng.choice(LAST)),
        auth=rng.choice(["pass", "none"]),
    )


def dating(rng: random.Random) -> Draft:
    first = _pick(rng, "Anna", "Katya", "Lisa", "Mila", "Jenny")
    age = rng.randint(21, 29)
    text = (
        f"hey :) I'm {first}, {age}, I saw your profile and {_pick(rng, 'wanted to say hi', 'liked your photos')}. "
        f"{_pick(rng, 'I am looking for a man for something casual', 'lonely here, want to chat?', 'Hot singles in your area are waiting')}. "
        f"{_pick(rng, 'See my private photos here', 'My profile is here', 'Add me here')}: {_link(rng)}\n"
    )
    return Draft(
        f"{first}",
        f"{first.lower()}{rng.randint(10, 999)}@{_domain(rng)}",
        _pick(
            rng,
            f"{first} ({age}) sent you a message",
            "Are you free tonight?",
            "Hi dear 💋💋💋",
            "Re: hello",
        ),
        text,
        auth=rng.choice(["none", "pass"]),
    )


def invoice_attachment(rng: random.Random) -> Draft:
    first, last = _person(rng)
    domain = _domain(rng)
    number = rng.randint(10000, 99999)
    filename = _pick(
        rng,
        f"INV-{number}.zip",
        f"Invoice_{number}.pdf.exe",
        f"invoice{number}.html",
        f"Payment_Advice_{number}.iso",
        f"Remittance-{number}.htm",
    )
    text = (
        f"Hello,\n{_pick(rng, 'Please find attached invoice', 'Kindly find attached the overdue invoice', 'See attached invoice')} "
        f"#{number} for {_money(rng)[:-4]}. {_pick(rng, 'Kindly confirm payment today.', 'Payment is overdue.', 'Please review and revert.')}\n"
        f"Regards,\n{first} {last}\nAccounts\n"
    )
    return Draft(
        f"{first} {last}",
        f"accounts@{domain}",
        _pick(
            rng,
            f"Invoice {number} overdue",
            f"Payment advice {number}",
            f"Outstanding invoice #{number}",
            "RE: Invoice",
        ),
        text,
        attachment=(
            filename,
            b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(64)),
            "application/octet-stream",
        ),
        auth=rng.choice(["none", "pass", "fail"]),
    )


def rfq(rng: random.Random) -> Draft:
    first, last = _person(rng)
    number = rng.randint(1000, 9999)
    text = (
        f"Dear Sir/Madam,\nWe are interested in your products. Kindly send us your best price for the "
        f"items in the attached request for quotation RFQ-{number}. "
        f"{_pick(rng, 'Delivery terms: CIF.', 'Please quote by Friday.', 'Kindly confirm availability.')}\n"
        f"Best regards,\n{first} {last}\nPurchasing Manager\n"
    )
    return Draft(
        f"{first} {last}",
        f"purchase@{_domain(rng)}",
        _pick(
            rng,
            f"Request for Quotation RFQ-{number}",
            "New order inquiry",
            f"Purchase Order PO{number}",
        ),
        text,
        attachment=(
            _pick(rng, f"RFQ-{number}.rar", f"PO_{number}.xlsm", f"RFQ{number}.pdf.scr"),
            b"Rar!\x1a\x07" + bytes(64),
            "application/octet-stream",
        ),
        reply_to=_freemail(rng, first, last),
        auth=rng.choice(["none", "pass"]),
    )


def _phish_html(rng: random.Random, shown: str, target: str, lead: str, button: str) -> str:
    return (
        f'<html><body><p>{lead}</p><p><a href="{target}">{shown}</a></p>'
        f'<p><a href="{target}" style="background:#0070ba;color:#fff">{button}</a></p></body></html>'
    )


def brand_phish(rng: random.Random) -> Draft:
    brand, real, name = rng.choice([
        ("paypal", "www.paypal.com", _pick(rng, "PayPal", "PayPal Service", "PayPal Resolution Center")),
        ("microsoft", "login.microsoftonline.com", _pick(rng, "Microsoft account team", "Microsoft 365", "Outlook Support")),
        ("apple", "appleid.apple.com", _pick(rng, "Apple", "Apple Support", "iCloud")),
        ("chase", "www.chase.com", _pick(rng, "Chase Online Banking", "Chase Security")),
        ("netflix", "www.netflix.com", "Netflix"),
        ("amazon", "www.amazon.com", _pick(rng, "Amazon", "Amazon.com", "Amazon Prime")),
    ])  # fmt: skip
    sender_domain = rng.choice([
        f"{brand}-{_pick(rng, 'secure', 'support', 'verify', 'account')}.{rng.choice(TLDS)}",
        f"{brand.replace('a', '4', 1).replace('o', '0', 1)}.{rng.choice(TLDS)}",
        f"{_pick(rng, 'secure', 'service', 'id')}{brand}.{rng.choice(TLDS)}",
        rng.choice(FREEMAIL),
        _domain(rng),
    ])  # fmt: skip
    local = _pick(rng, "service", "no-reply", "security", "account-update", brand)
    target = f"http://{_pick(rng, _ip(rng), _domain(rng), brand + '.' + _domain(rng))}/{_word(rng)}/login.php"
    lead = _pick(
        rng,
        "We noticed unusual activity on your account and have limited access until you confirm your details.",
        "Your payment method has expired. Update your billing information to keep your subscription.",
        "Someone signed in to your account from a new device. If this wasn't you, secure your account now.",
        "Your account has been suspended due to a failed verification. Restore access within 24 hours.",
    )
    return Draft(
        name,
        f"{local}@{sender_domain}",
        _pick(
            rng,
            "Action required: confirm your account",
            "Your account has been limited",
            "Security alert",
            "Payment declined - update now",
            f"[{_word(rng)}{rng.randint(100, 999)}] Unusual sign-in activity",
        ),
        lead + f"\nhttps://{real}/\n",
        _phish_html(
            rng,
            f"https://{real}/signin",
            target,
            lead,
            _pick(rng, "Verify now", "Update", "Secure my account"),
        ),
        auth=rng.choice(["none", "pass", "spoof"]),
    )


def ledger_breach(rng: random.Random) -> Draft:
    domain = rng.choice(
        [
            f"ledger-{_word(rng)}.{rng.choice(TLDS)}",
            f"{_word(rng)}.{rng.choice(TLDS)}",
            "ledger-secure.io",
        ]
    )
    lead = (
        f"{_pick(rng, 'Important security notice', 'Data breach notification', 'Action required')}: "
        f"{_pick(rng, 'a data breach exposed customer records', 'our e-commerce database was accessed by an unauthorised party')}. "
        f"To protect your assets, {_pick(rng, 'migrate your wallet', 'update your Ledger Live firmware', 'validate your recovery phrase')} "
        f"{_pick(rng, 'today', 'within 48 hours', 'before your funds are at risk')}."
    )
    target = f"https://{_pick(rng, 'ledger.' + _domain(rng), _domain(rng))}/update"
    return Draft(
        _pick(rng, "Ledger", "Ledger Support", "Ledger Live"),
        f"{_pick(rng, 'support', 'security', 'no-reply')}@{domain}",
        _pick(
            rng,
            "Ledger Data Breach - action required",
            "Security incident: protect your assets",
            "Ledger Live update required",
        ),
        lead,
        _phish_html(rng, "https://www.ledger.com/update", target, lead, "Update now"),
        auth=rng.choice(["none", "pass"]),
    )


def punycode(rng: random.Random) -> Draft:
    spoof = rng.choice(
        ["xn--pypal-4ve.com", "xn--80ak6aa92e.com", "xn--micrsoft-qbh.com", "xn--aple-nz4a.com"]
    )
    lead = _pick(
        rng,
        "Please review a recent charge on your card.",
        "Your document is ready to sign.",
        "Your subscription renewal needs attention.",
    )
    return Draft(
        _pick(rng, "Billing", "Customer Care", "Accounts"),
        f"billing@{spoof}",
        _pick(rng, "Receipt for your payment", "Document shared with you", "Renewal notice"),
        lead,
        _phish_html(rng, "View details", f"https://{spoof}/view", lead, "Open"),
        auth="pass",
    )


def link_mismatch(rng: random.Random) -> Draft:
    first, last = _person(rng)
    shown = _pick(
        rng,
        "www.dropbox.com/s/contract",
        "docs.google.com/document",
        "www.docusign.net/sign",
        "onedrive.live.com/view",
    )
    lead = _pick(
        rng,
        f"{first} shared a file with you.",
        "A document was sent for your signature.",
        "You have a new secure message.",
    )
    return Draft(
        f"{first} {last}",
        f"{first.lower()}@{_domain(rng)}",
        _pick(rng, "Shared document", "Please sign", "Secure message"),
        lead,
        _phish_html(
            rng, f"https://{shown}", f"https://{_domain(rng)}/{_word(rng)}", lead, "Open document"
        ),
        auth=rng.choice(["none", "pass"]),
    )


def shortener(rng: random.Random) -> Draft:
    short = f"https://{rng.choice(['bit.ly', 'tinyurl.com', 'cutt.ly', 'rb.gy', 't.ly'])}/{_word(rng)}{rng.randint(10, 99)}"
    text = (
        f"{_pick(rng, 'You have a package waiting', 'Your parcel could not be delivered', 'Your reward is ready')}. "
        f"{_pick(rng, 'Pay the small customs fee', 'Schedule redelivery', 'Confirm your address')} here: {short}\n"
    )
    return Draft(
        _pick(rng, "DHL Express", "Parcel Service", "Delivery Team"),
        f"info@{_domain(rng)}",
        _pick(rng, "Your parcel is on hold", "Delivery attempt failed", "Package notice"),
        text,
        auth=rng.choice(["none", "pass"]),
    )


def raw_ip(rng: random.Random) -> Draft:
    url = f"http://{_ip(rng)}/{_word(rng)}/{_pick(rng, 'index.php', 'login', 'secure')}"
    text = _pick(
        rng,
        f"Your mailbox storage is full. Increase quota: {url}",
        f"New voicemail received (0:{rng.randint(10, 59)}). Listen: {url}",
        f"Pending incoming messages are held. Release them: {url}",
    )
    return Draft(
        _pick(rng, "Mail Administrator", "IT Helpdesk", "Voicemail"),
        f"admin@{_domain(rng)}",
        _pick(rng, "Mailbox quota exceeded", "Voicemail message", "Messages on hold"),
        text,
        auth=rng.choice(["none", "pass"]),
    )


def ceo_fraud(rng: random.Random) -> Draft:
    first, last = _person(rng)
    text = (
        f"{_pick(rng, 'Are you at your desk?', 'Quick task for you.', 'I need a favour.')} "
        f"{_pick(rng, 'I need you to process a payment to a new supplier today.', 'Buy four gift cards for a client, I will refund you.', 'Please update the bank details of our vendor.')} "
        f"{_pick(rng, 'Keep this between us for now.', 'I am in a meeting, email only.', 'It is urgent.')}\n{first}\n"
    )
    return Draft(
        f"{first} {last}",
        f"{first.lower()}.{last.lower()}@{_domain(rng)}",
        _pick(rng, "Urgent", "Request", "Quick question", "Payment today"),
        text,
        reply_to=_freemail(rng, first, last),
        auth=rng.choice(["none", "pass"]),
    )


def dmarc_spoof(rng: random.Random) -> Draft:
    real = rng.choice(["acmecorp.com", "northwind-traders.com", "contoso.com", "globex.com"])
    text = _pick(
        rng,
        "Please see the updated remittance details below and confirm by return.",
        "Our bank account has changed; future payments must go to the new account.",
        "The attached statement needs your approval today.",
    )
    return Draft(
        _pick(rng, "Accounts Payable", "Finance Team", "Payroll"),
        f"finance@{real}",
        _pick(rng, "Updated banking details", "Statement approval", "Change of account"),
        text,
        auth="spoof",
    )


def server_flagged(rng: random.Random) -> Draft:
    d = rng.choice([pharmacy, crypto, lottery, dating])(rng)
    score = round(rng.uniform(5.5, 25.0), 1)
    d.extra_headers = rng.choice([
        [("X-Spam-Flag", "YES"), ("X-Spam-Status", f"Yes, score={score} required=5.0 tests=BAYES_99,HTML_MESSAGE")],
        [("X-Spam-Status", f"Yes, score={score} required=5.0")],
        [("X-Spam-Level", "*" * int(score))],
        [("X-Forefront-Antispam-Report", f"CIP:{_ip(rng)};CTRY:;LANG:en;SCL:{rng.choice([5, 6, 9])};SRV:;IPV:NLI;SFV:SPM;H:x;PTR:;CAT:SPM;SFS:;DIR:INB;"),
         ("X-MS-Exchange-Organization-SCL", str(rng.choice([5, 6, 9])))],
    ])  # fmt: skip
    return d


def junk_folder(rng: random.Random) -> Draft:
    d = rng.choice([cold_outreach, crypto, dating])(rng)
    d.labels = [
        rng.choice(["Junk", "Spam", "[Gmail]/Spam", "INBOX.Junk", "Junk E-mail", "Bulk Mail"])
    ]
    return d


# Held-out wording: the families below avoid the phrase lists on purpose.


def cold_outreach(rng: random.Random) -> Draft:
    first, last = _person(rng)
    text = (
        f"Hi,\nI came across your website and noticed it is not ranking on the first page. "
        f"We can get you to page one in {rng.randint(2, 8)} weeks for a flat fee. "
        f"{_pick(rng, 'Reply YES for a free audit.', 'Shall I send our price list?', 'Interested?')}\n{first}\n"
    )
    return Draft(
        f"{first} {last}",
        _freemail(rng, first, last),
        _pick(rng, "Re: your website", "Website ranking", "Quick question about your site"),
        text,
        auth="pass",
    )


def parcel_lure(rng: random.Random) -> Draft:
    carrier = rng.choice(["DHL", "FedEx", "UPS", "USPS"])
    target = f"https://{carrier.lower()}-{_word(rng)}.{rng.choice(TLDS)}/track"
    lead = (
        f"We tried to bring your shipment {rng.randint(1000000, 9999999)} today but nobody was home. "
        f"A handling charge of {_pick(rng, '$1.99', '€2.49', '£1.45')} must be settled before we try again."
    )
    return Draft(
        f"{carrier} {_pick(rng, 'Express', 'Notification', 'Tracking')}",
        f"tracking@{carrier.lower()}-{_word(rng)}.{rng.choice(TLDS)}",
        f"{carrier}: shipment waiting",
        lead,
        _phish_html(
            rng, f"https://www.{carrier.lower()}.com/track", target, lead, "Arrange delivery"
        ),
        auth=rng.choice(["none", "pass"]),
    )


def sextortion(rng: random.Random) -> Draft:
    text = (
        f"I know {_pick(rng, 'one of your passwords', 'what you did last month')}. I installed software on "
        f"the device you use and recorded you. Send {rng.randint(900, 2500)} in BTC to "
        f"bc1q{''.join(rng.choice('023456789acdefghjklmnpqrstuvwxyz') for _ in range(38))} within two days or the video goes to all your contacts.\n"
    )
    return Draft(
        "",
        f"{_word(rng)}{rng.randint(1, 99)}@{rng.choice(FREEMAIL)}",
        _pick(
            rng,
            "Your account was hacked",
            "Security notice",
            f"{_word(rng)}{rng.randint(1000, 9999)}x",
        ),
        text,
        auth=rng.choice(["none", "fail"]),
    )


FAMILIES: dict[str, tuple[Callable[[random.Random], Draft], bool]] = {
    "pharmacy": (pharmacy, False),
    "crypto_investment": (crypto, False),
    "lottery_prize": (lottery, False),
    "advance_fee": (advance_fee, False),
    "dating": (dating, False),
    "invoice_attachment": (invoice_attachment, False),
    "rfq_attachment": (rfq, False),
    "brand_phishing": (brand_phish, False),
    "ledger_breach": (ledger_breach, False),
    "punycode_lookalike": (punycode, False),
    "link_text_mismatch": (link_mismatch, False),
    "url_shortener": (shortener, False),
    "raw_ip_link": (raw_ip, False),
    "ceo_fraud_reply_to": (ceo_fraud, True),
    "dmarc_fail_spoof": (dmarc_spoof, True),
    "server_verdict": (server_flagged, False),
    "junk_folder": (junk_folder, False),
    "cold_outreach": (cold_outreach, True),
    "parcel_lure": (parcel_lure, True),
    "sextortion": (sextortion, True),
}


def _auth_headers(draft: Draft, rng: random.Random, ip: str) -> list[tuple[str, str]]:
    domain = draft.from_address.rsplit("@", 1)[1]
    if draft.auth == "pass":
        return [("Authentication-Results", f"mx.example.net; spf=pass (sender IP is {ip}) "
                 f"smtp.mailfrom={domain}; dkim=pass header.d={domain}; dmarc=none header.from={domain}")]  # fmt: skip
    if draft.auth == "fail":
        return [
            (
                "Authentication-Results",
                f"mx.example.net; spf=fail smtp.mailfrom={domain}; dkim=none; dmarc=fail header.from={domain}",
            )
        ]
    if draft.auth == "spoof":
        other = _domain(rng)
        return [("Authentication-Results", f"mx.example.net; spf=pass smtp.mailfrom={other}; "
                 f"dkim=fail header.d={domain}; dmarc=fail (p=REJECT) header.from={domain}")]  # fmt: skip
    return [
        (
            "Authentication-Results",
            f"mx.example.net; spf={rng.choice(['none', 'softfail', 'neutral'])} smtp.mailfrom={domain}",
        )
    ]


def render(draft: Draft, rng: random.Random, when: datetime) -> bytes:
    """The message's bytes as a receiving server would store them."""
    message = EmailMessage()
    ip = _ip(rng)
    relay = _domain(rng)
    message["Received"] = (
        f"from {relay} ({relay} [{ip}]) by mx.example.net with ESMTP id {_word(rng, 3)}; "
        f"{format_datetime(when)}"
    )
    for name, value in _auth_headers(draft, rng, ip):
        message[name] = value
    for name, value in draft.extra_headers or []:
        message[name] = value
    message["From"] = (
        f'"{draft.from_name}" <{draft.from_address}>' if draft.from_name else draft.from_address
    )
    message["To"] = "me@example.org"
    message["Subject"] = draft.subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = f"<{rng.randint(10**9, 10**10)}.{_word(rng)}@{relay}>"
    if draft.reply_to:
        message["Reply-To"] = draft.reply_to
    message.set_content(draft.text)
    if draft.html:
        message.add_alternative(draft.html, subtype="html")
    if draft.attachment:
        filename, content, _mime = draft.attachment
        message.add_attachment(
            content, maintype="application", subtype="octet-stream", filename=filename
        )
    return message.as_bytes()


def hostile_messages(count: int = 600, seed: int = 10) -> list[HostileMessage]:
    """``count`` messages, the families in turn, the same bytes for the same seed."""
    rng = random.Random(seed)
    names = list(FAMILIES)
    out = []
    for index in range(count):
        name = names[index % len(names)]
        build, held_out = FAMILIES[name]
        draft = build(rng)
        when = FIXED_NOW - timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 1440))
        out.append(HostileMessage(name, render(draft, rng, when), draft.labels, held_out))
    return out
