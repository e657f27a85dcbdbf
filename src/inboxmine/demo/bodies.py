"""Message bodies: marketing HTML (tables, inline CSS, preheader, pixels,
CTAs, social links, footers), plain text, human mail, MIME assembly."""

from __future__ import annotations

import base64
import binascii
import html
import random
from dataclasses import dataclass, field
from string import Template
from urllib.parse import quote

from inboxmine.demo.esp_headers import esp, fill, unsubscribe_url

ADDRESSES = {
    "us": [
        "548 Market Street, Suite 400, San Francisco, CA 94104, USA",
        "1209 Orange Street, Wilmington, DE 19801, United States",
        "77 Summer Street, 8th Floor, Boston, MA 02110",
    ],
    "uk": [
        "12 Clerkenwell Road, London EC1M 5PQ, United Kingdom",
        "Unit 4, 21 Deansgate, Manchester M3 4LQ, UK",
    ],
    "de": [
        "Torstraße 123, 10119 Berlin, Deutschland",
        "Maximilianstraße 35, 80539 München, Germany",
    ],
    "ca": [
        "250 King St W, Suite 1200, Toronto, ON M5H 1J9, Canada",
        "1100 Rue Sherbrooke O, Montréal, QC H3A 1G7, Canada",
    ],
}
SOCIAL = [
    ("X", "https://x.com/{slug}"),
    ("Twitter", "https://twitter.com/{slug}"),
    ("LinkedIn", "https://www.linkedin.com/company/{slug}"),
    ("Facebook", "https://www.facebook.com/{slug}"),
    ("Instagram", "https://www.instagram.com/{slug}"),
    ("YouTube", "https://www.youtube.com/@{slug}"),
]
COLORS = ["#2563eb", "#16a34a", "#db2777", "#ea580c", "#7c3aed", "#0f766e", "#111827"]
# 1x1 transparent PNG (inline logo stand-in)
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

PAGE = Template("""<!DOCTYPE html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>$title</title>
<style type="text/css">
body { margin:0; padding:0; background-color:#f4f4f7; }
table { border-collapse:collapse; mso-table-lspace:0pt; mso-table-rspace:0pt; }
img { border:0; outline:none; text-decoration:none; -ms-interpolation-mode:bicubic; }
a.button, a.btn { display:inline-block; }
@media only screen and (max-width: 600px) {
  .container { width:100% !important; }
  .mobile-pad { padding:16px !important; }
  .stack { display:block !important; width:100% !important; }
  h1 { font-size:24px !important; line-height:30px !important; }
}
</style>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f7;">
<div class="preheader" style="display:none;max-height:0;overflow:hidden;mso-hide:all;font-size:1px;line-height:1px;color:#f4f4f7;opacity:0;">$preheader&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;&#847;&zwnj;&nbsp;</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f4f4f7">
<tr>
<td align="center" style="padding:24px 0;">
<table role="presentation" class="container" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px;background-color:#ffffff;border-radius:6px;">
<tr><td class="mobile-pad" align="left" style="padding:24px 32px 8px;">$logo</td></tr>
<tr>
<td class="mobile-pad" style="padding:8px 32px 0;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:24px;color:#374151;">
<h1 style="font-size:28px;line-height:34px;color:#111827;margin:0 0 16px;font-weight:700;">$headline</h1>
$paragraphs
$cta
$section
</td>
</tr>
<tr>
<td class="mobile-pad" align="center" style="padding:24px 32px;background-color:#f9fafb;font-family:Helvetica,Arial,sans-serif;font-size:12px;line-height:18px;color:#6b7280;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0" align="center"><tr>$social</tr></table>
$footer
</td>
</tr>
</table>
</td>
</tr>
</table>
$pixel
</body>
</html>
""")


@dataclass
class Rendered:
    text: str
    html: str | None
    link_intents: list[str] = field(default_factory=list)
    has_pixel: bool = False
    inline_logo: bool = False


def _fmt(s: str, values: dict) -> str:
    try:
        return s.format(**values)
    except (KeyError, IndexError, ValueError):
        return s


def _href(url: str, sender: dict, esp_key: str, ctx: dict, rng: random.Random) -> str:
    click = esp(esp_key).get("click")
    if sender.get("tracking") and click:
        return fill(click, ctx, rng)
    return url


def _utm(url: str, sender: dict, esp_key: str, campaign: str) -> str:
    if not sender.get("utm") or "utm_" in url:
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}utm_source={esp_key.replace('_', '')}&utm_medium=email&utm_campaign={quote(campaign)}"


def _cta(text: str, href: str, color: str, rng: random.Random) -> str:
    style = (
        f"background-color:{color};color:#ffffff;font-family:Helvetica,Arial,sans-serif;font-size:16px;"
        "font-weight:bold;text-decoration:none;padding:14px 28px;border-radius:4px;display:inline-block;"
    )
    variant = rng.randrange(3)
    cls = ['class="button" ', 'class="btn btn-primary" ', ""][variant]
    return (
        f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:24px 0;"><tr>'
        f'<td align="center" bgcolor="{color}" style="border-radius:4px;">'
        f'<a {cls}href="{html.escape(href)}" target="_blank" style="{style}">{html.escape(text)}</a>'
        f"</td></tr></table>"
    )


def _pixel(url: str, rng: random.Random) -> str:
    u = html.escape(url)
    return [
        f'<img src="{u}" width="1" height="1" alt="" border="0" style="height:1px !important;width:1px !important;border-width:0 !important;margin:0;padding:0;">',
        f'<img src="{u}" alt="" style="width:1px;height:1px;border:0;">',
        f'<img src="{u}" alt="" style="display:none;" />',
    ][rng.randrange(3)]


def marketing(
    content: dict, values: dict, sender: dict, esp_key: str, ctx: dict, rng: random.Random
) -> Rendered:
    """A marketing/newsletter/receipt email as text + HTML."""
    domain = sender["domain"]
    name = sender["name"]
    campaign = values.get("campaign", "email")
    color = COLORS[hash_index(domain, len(COLORS))]
    intents: list[str] = []
    paras = [_fmt(p, values) for p in content.get("paragraphs", [])]
    headline = _fmt(content.get("headline", name), values)
    preheader = _fmt(content.get("preheader", ""), values)

    links = []  # (text, url, intent)
    cta = content.get("cta")
    if cta:
        url = cta.get("url") or f"https://www.{domain}{_fmt(cta.get('path', '/'), values)}"
        links.append(
            (_fmt(cta["text"], values), _utm(url, sender, esp_key, campaign), cta.get("intent"))
        )
    for link in content.get("links") or []:
        url = link.get("url") or f"https://www.{domain}{_fmt(link.get('path', '/'), values)}"
        links.append(
            (_fmt(link["text"], values), _utm(url, sender, esp_key, campaign), link.get("intent"))
        )
    for _, _, intent in links:
        if intent and intent not in intents:
            intents.append(intent)

    unsub = unsubscribe_url(esp_key, ctx, rng)
    intents.append("unsubscribe")
    address = ADDRESSES[sender.get("address", "us")][
        hash_index(domain, len(ADDRESSES[sender.get("address", "us")]))
    ]
    year = values.get("year", "2026")
    reason = rng.choice(
        [
            f"You are receiving this email because you signed up for updates from {name}.",
            f"You are receiving this email because you are a customer of {name}.",
            f"You received this email because you subscribed at {domain}.",
        ]
    )

    text_lines = [headline, ""]
    for p in paras:
        text_lines += [p, ""]
    for text, url, _ in links:
        text_lines.append(f"{text}: {url}")
    text_lines += [
        "",
        "--",
        reason,
        f"Unsubscribe: {unsub}",
        f"© {year} {name}. All rights reserved.",
        address,
    ]
    text = "\n".join(text_lines)

    hrefs = [(_href(url, sender, esp_key, ctx, rng), text, intent) for text, url, intent in links]
    cta_html = _cta(hrefs[0][1], hrefs[0][0], color, rng) if hrefs else ""
    extra = "".join(
        f'<p style="margin:0 0 12px;"><a href="{html.escape(h)}" style="color:{color};text-decoration:underline;">{html.escape(t)}</a></p>'
        for h, t, _ in hrefs[1:]
    )
    section = ""
    if extra:
        section = f'<h2 style="font-size:18px;line-height:24px;color:#111827;margin:24px 0 8px;">More from {html.escape(name)}</h2>{extra}'
    inline_logo = rng.random() < 0.12
    logo_src = "cid:logo@" + domain if inline_logo else f"https://cdn.{domain}/email/logo.png"
    logo = (
        f'<a href="https://www.{domain}/" target="_blank"><img src="{logo_src}" width="140" height="40" '
        f'alt="{html.escape(name)}" style="display:block;width:140px;height:40px;"></a>'
    )
    socials = rng.sample(SOCIAL, k=rng.randint(2, 5))
    social_html = "".join(
        f'<td style="padding:0 6px;"><a href="{url.format(slug=ctx["slug"])}" target="_blank" style="color:#6b7280;">{label}</a></td>'
        for label, url in socials
    )
    footer = (
        f'<p style="margin:12px 0 4px;">{html.escape(reason)}</p>'
        f'<p style="margin:0 0 4px;"><a href="{html.escape(unsub)}" style="color:#6b7280;text-decoration:underline;">Unsubscribe</a>'
        f' | <a href="https://www.{domain}/preferences" style="color:#6b7280;">Update your preferences</a>'
        f' | <a href="https://www.{domain}/privacy" style="color:#6b7280;">Privacy policy</a></p>'
        f'<p style="margin:0 0 4px;">&copy; {year} {html.escape(name)}. All rights reserved.</p>'
        f'<p style="margin:0;">{html.escape(address)}</p>'
    )
    pixel_tpl = esp(esp_key).get("pixel")
    has_pixel = bool(sender.get("tracking") and pixel_tpl)
    page = PAGE.substitute(
        title=html.escape(values.get("subject", name)),
        preheader=html.escape(preheader),
        logo=logo,
        headline=html.escape(headline),
        paragraphs="\n".join(f'<p style="margin:0 0 16px;">{html.escape(p)}</p>' for p in paras),
        cta=cta_html,
        section=section,
        social=social_html,
        footer=footer,
        pixel=_pixel(fill(pixel_tpl, ctx, rng), rng) if has_pixel else "",
    )
    return Rendered(
        text=text, html=page, link_intents=intents, has_pixel=has_pixel, inline_logo=inline_logo
    )


def basic(paragraphs: list[str], sender: dict) -> Rendered:
    """Low-sophistication HTML: no tables, no tracking, no UTM, no unsubscribe link."""
    domain, name = sender["domain"], sender["name"]
    text = (
        "\n\n".join(paragraphs)
        + f"\n\n{name}\nwww.{domain}\n\nTo be removed from our list, reply with REMOVE."
    )
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    page = (
        f'<html><body style="font-family:Arial;font-size:14px">\n<p><b><font size="5" color="#cc0000">{html.escape(name)}</font></b></p>\n'
        f'{body}<p>Visit us at <a href="http://www.{domain}">www.{domain}</a></p>\n'
        '<p><font size="1">To be removed from our list, reply with REMOVE.</font></p>\n</body></html>\n'
    )
    return Rendered(text=text, html=page)


def hash_index(key: str, n: int) -> int:
    return sum(key.encode()) % n


def signature(contact: dict) -> str:
    lines = [contact["name"]]
    if contact.get("title") and contact.get("company"):
        lines += [contact["title"], contact["company"]]
    if contact.get("phone"):
        lines.append(contact["phone"])
    return "\n".join(lines)


def quote_block(prev_text: str, header: str, outlook: bool) -> str:
    if outlook:
        return "\n\n________________________________\n" + header + "\n\n" + prev_text
    return (
        "\n\n"
        + header
        + "\n\n"
        + "\n".join(("> " + ln) if ln else ">" for ln in prev_text.splitlines())
    )


# ---- MIME assembly -------------------------------------------------------


def _qp(text: str) -> bytes:
    return binascii.b2a_qp(text.encode("utf-8"))


def _b64_lines(data: bytes) -> bytes:
    enc = base64.b64encode(data)
    return b"\n".join(enc[i : i + 76] for i in range(0, len(enc), 76))


def text_part(text: str, subtype: str = "plain", charset: str = "UTF-8") -> bytes:
    ascii_only = text.isascii() and max((len(ln) for ln in text.splitlines()), default=0) < 990
    if ascii_only and subtype == "plain":
        return (
            f'Content-Type: text/{subtype}; charset="{charset}"\nContent-Transfer-Encoding: 7bit\n\n'.encode()
            + text.encode("ascii")
        )
    return (
        f'Content-Type: text/{subtype}; charset="{charset}"\nContent-Transfer-Encoding: quoted-printable\n\n'.encode()
        + _qp(text)
    )


def boundary(rng: random.Random, style: int) -> str:
    if style == 0:
        return "000000000000" + rng.randbytes(8).hex()[:16]
    if style == 1:
        return f"----=_Part_{rng.randint(1000, 99999)}_{rng.randint(100000000, 999999999)}.{rng.randint(10**12, 10**13)}"
    return "_=_swift_" + rng.randbytes(12).hex() + "_=_"


def multipart(subtype: str, parts: list[bytes], bnd: str, *, close: bool = True) -> bytes:
    out = [f'Content-Type: multipart/{subtype}; boundary="{bnd}"\n\n'.encode()]
    for p in parts:
        out.append(f"--{bnd}\n".encode() + p + b"\n")
    if close:
        out.append(f"--{bnd}--\n".encode())
    return b"".join(out)


def attachment(data: bytes, filename: str, ctype: str, *, inline_cid: str | None = None) -> bytes:
    if inline_cid:
        head = (
            f'Content-Type: {ctype}; name="{filename}"\nContent-Disposition: inline; filename="{filename}"\n'
            f"Content-ID: <{inline_cid}>\nContent-Transfer-Encoding: base64\n\n"
        )
    else:
        head = (
            f'Content-Type: {ctype}; name="{filename}"\nContent-Disposition: attachment; filename="{filename}"\n'
            "Content-Transfer-Encoding: base64\n\n"
        )
    return head.encode() + _b64_lines(data)


def invoice_pdf(number: str, amount: str, company: str) -> bytes:
    stream = f"BT /F1 18 Tf 72 720 Td (Invoice {number} - {company} - {amount}) Tj ET".encode(
        "latin-1", "replace"
    )
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    for i, o in enumerate(objs, 1):
        out += f"{i} 0 obj\n".encode() + o + b"\nendobj\n"
    return out + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def assemble(
    r: Rendered,
    rng: random.Random,
    *,
    domain: str,
    pdf: bytes | None = None,
    pdf_name: str = "invoice.pdf",
) -> bytes:
    """MIME body (including its Content-Type header) for a rendered message."""
    style = rng.randrange(3)
    if r.html is None:
        body = text_part(r.text)
    else:
        body = multipart(
            "alternative", [text_part(r.text), text_part(r.html, "html")], boundary(rng, style)
        )
        if r.inline_logo:
            body = multipart(
                "related",
                [body, attachment(PNG_1X1, "logo.png", "image/png", inline_cid=f"logo@{domain}")],
                boundary(rng, style),
            )
    if pdf is not None:
        body = multipart(
            "mixed", [body, attachment(pdf, pdf_name, "application/pdf")], boundary(rng, style)
        )
    return body
