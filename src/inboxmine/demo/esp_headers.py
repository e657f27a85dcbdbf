"""Header fingerprints: fill esps.yaml templates and build the trace headers
(Received chain, Authentication-Results, ARC, Received-SPF, DKIM-Signature)."""

from __future__ import annotations

import base64
import hashlib
import random
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from inboxmine.demo import catalogue

_TOKEN = re.compile(r"\{(\w+)(?::(\d+))?\}")


def _b64(rng: random.Random, n: int) -> str:
    raw = rng.randbytes(n * 3 // 4 + 3)
    return base64.urlsafe_b64encode(raw).decode("ascii")[:n]


def fill(template: str, ctx: dict, rng: random.Random) -> str:
    """Replace ``{token}`` / ``{token:N}`` placeholders (see esps.yaml header)."""

    memo = ctx.setdefault("_memo", {})

    def rep(m: re.Match) -> str:
        name, size = m.group(1), int(m.group(2) or 0)
        if name in ("hex", "HEX", "num"):  # ids repeated within one message stay consistent
            key = m.group(0)
            if key not in memo:
                memo[key] = _fresh(name, size)
            return memo[key]
        return _fresh(name, size)

    def _fresh(name: str, size: int) -> str:
        if name == "hex":
            return rng.randbytes(size // 2 + 1).hex()[:size]
        if name == "HEX":
            return rng.randbytes(size // 2 + 1).hex()[:size].upper()
        if name == "num":
            return (
                str(rng.randrange(10 ** (size - 1), 10**size))
                if size > 1
                else str(rng.randint(1, 9))
            )
        if name == "b64":
            return _b64(rng, size)
        if name == "alnum":
            return _b64(rng, size).replace("-", "x").replace("_", "Q")
        if name == "uuid":
            h = rng.randbytes(16).hex()
            return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
        if name == "o":
            return str(rng.randint(1, 254))
        if name == "acct":
            digest = hashlib.sha256(f"{ctx['esp']}|{ctx['domain']}".encode()).hexdigest()
            digits = str(int(digest, 16))
            return digits[1 : size + 1] if size else digits[1:9]
        value = ctx.get(name)
        return "{" + name + "}" if value is None else str(value)

    return _TOKEN.sub(rep, template)


def esp(key: str) -> dict:
    return catalogue.esps()[key]


def base_ctx(
    esp_key: str, domain: str, when: datetime, *, from_addr: str, rcpt: str, subject: str = ""
) -> dict:
    utc = when.astimezone(UTC)
    return {
        "esp": esp_key,
        "domain": domain,
        "slug": domain.split(".")[0],
        "from_addr": from_addr,
        "rcpt": rcpt.replace("@", "="),
        "rcpt_addr": rcpt,
        "ts": int(utc.timestamp()),
        "date": utc.strftime("%Y%m%d%H%M%S"),
        "ses_date": utc.strftime("%Y.%m.%d"),
        "date_rfc": format_datetime(when),
        "subject": subject.replace("\n", " "),
        "ip_mg": "{o}.{o}.{o}.{o}",
    }


def message_id(esp_key: str, ctx: dict, rng: random.Random) -> str:
    return fill(esp(esp_key)["message_id"], ctx, rng)


def _dkim(d: str, s: str, ctx: dict, rng: random.Random) -> str:
    b = _b64(rng, 172)
    return (
        f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={d}; s={s};\n"
        f"        t={ctx['ts']}; h=from:to:subject:date:message-id:mime-version:content-type;\n"
        f"        bh={_b64(rng, 43)}=;\n        b={b[:86]}\n         {b[86:]}="
    )


def _auth_profile(esp_key: str, sender: dict, rng: random.Random) -> str:
    """pass | dkim_fail | none | spf_softfail."""
    r = rng.random()
    if esp_key == "custom_smtp" and sender.get("size") == "small":
        return "none" if r < 0.6 else "pass"
    if r < 0.03:
        return "dkim_fail"
    if r < 0.05:
        return "spf_softfail"
    return "pass"


def trace_headers(
    esp_key: str, sender: dict, ctx: dict, rng: random.Random, *, from_domain: str, to_alias: bool
) -> tuple[list[tuple[str, str]], str]:
    """Headers a receiving Gmail mailbox shows for an inbound message.

    Returns (headers in top-to-bottom order, auth profile)."""
    e = esp(esp_key)
    when: datetime = ctx["_when"]
    ip = fill(rng.choice(e["ips"]), ctx, rng)
    ctx["ip_mg"] = fill("{o}.{o}.{o}.{o}", ctx, rng)
    relay = fill(e["relay"], ctx, rng)
    return_path = fill(e["return_path"], ctx, rng)
    rp_domain = return_path.rsplit("@", 1)[-1]
    profile = _auth_profile(esp_key, sender, rng)
    dkims = [(fill(d["d"], ctx, rng), fill(str(d["s"]), ctx, rng)) for d in e["dkim"]]
    if profile == "none":
        dkims = []
    rcpt = ctx["rcpt_addr"]
    t_recv = when + timedelta(seconds=rng.randint(1, 40))
    d_recv = format_datetime(t_recv.astimezone(UTC))

    dkim_res = []
    for i, (d, s) in enumerate(dkims):
        verdict = "fail" if profile == "dkim_fail" and i == 0 else "pass"
        extra = " (body hash did not verify)" if verdict == "fail" else ""
        dkim_res.append(f"dkim={verdict}{extra} header.i=@{d} header.s={s} header.b={_b64(rng, 8)}")
    if not dkim_res:
        dkim_res.append("dkim=none")
    spf = (
        "softfail"
        if profile == "spf_softfail"
        else ("none" if profile == "none" and rng.random() < 0.5 else "pass")
    )
    spf_text = {
        "pass": f"google.com: domain of {return_path} designates {ip} as permitted sender",
        "softfail": f"google.com: domain of transitioning {return_path} does not designate {ip} as permitted sender",
        "none": f"google.com: {rp_domain} does not provide an SPF record",
    }[spf]
    aligned = (
        any(
            d == from_domain or from_domain.endswith("." + d) or d.endswith("." + from_domain)
            for d, _ in dkims
        )
        and profile != "dkim_fail"
    )
    dmarc = (
        "pass"
        if aligned or (spf == "pass" and rp_domain.endswith(from_domain))
        else ("none" if profile == "none" else "fail")
    )
    policy = (
        "(p=NONE sp=NONE dis=NONE)"
        if dmarc != "pass"
        else rng.choice(
            [
                "(p=REJECT sp=REJECT dis=NONE)",
                "(p=QUARANTINE sp=QUARANTINE dis=NONE)",
                "(p=NONE sp=NONE dis=NONE)",
            ]
        )
    )
    google_ar = (
        "mx.google.com;\n       "
        + ";\n       ".join(dkim_res)
        + f";\n       spf={spf} ({spf_text}) smtp.mailfrom={return_path}"
        + f";\n       dmarc={dmarc} {policy} header.from={from_domain}"
    )

    headers: list[tuple[str, str]] = []
    gmail_id = f"2002:a05:{fill('{hex:4}:{hex:3}:b0:{hex:3}:{hex:4}', ctx, rng)}"
    headers.append(("Delivered-To", "alex@northwind-consulting.com" if not to_alias else rcpt))
    headers.append(
        (
            "Received",
            f"by {gmail_id} with SMTP id {fill('{alnum:10}', ctx, rng)};\n        {d_recv}",
        )
    )
    headers.append(("X-Google-Smtp-Source", fill("AGHT+I{b64:70}", ctx, rng)))
    headers.append(
        (
            "X-Received",
            f"by {fill('2002:a17:90b:{hex:4}:b0:{hex:3}:{hex:4}', ctx, rng)} with SMTP id {fill('{alnum:14}', ctx, rng)}.{fill('{num:2}', ctx, rng)}.{ctx['ts']}{fill('{num:3}', ctx, rng)};\n        {d_recv}",
        )
    )
    if to_alias:
        # The alias is hosted on Microsoft 365 and forwarded to Gmail: ARC + Microsoft's form.
        ms_ar = (
            f"spf={spf} (sender IP is {ip}) smtp.mailfrom={rp_domain}; dkim="
            + (
                "pass (signature was verified)"
                if dkims and profile != "dkim_fail"
                else "fail (body hash did not verify)"
                if profile == "dkim_fail"
                else "none (message not signed)"
            )
            + f" header.d={dkims[0][0] if dkims else 'none'};dmarc={dmarc} action=none header.from={from_domain};compauth="
            + ("pass reason=100" if dmarc == "pass" else "softpass reason=201")
        )
        headers.append(
            (
                "ARC-Seal",
                f"i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none;\n b={_b64(rng, 120)}",
            )
        )
        headers.append(
            (
                "ARC-Authentication-Results",
                f"i=1; mx.microsoft.com 1; spf={spf}\n smtp.mailfrom={rp_domain}; dmarc={dmarc} action=none header.from={from_domain};\n dkim={'pass' if dkims and profile != 'dkim_fail' else 'none'} header.d={dkims[0][0] if dkims else 'none'}; arc=none",
            )
        )
        headers.append(
            (
                "Received",
                f"from {fill('SN7PR{num:2}MB{num:4}', ctx, rng)}.namprd{fill('{num:2}', ctx, rng)}.prod.outlook.com (2603:10b6:806:{fill('{hex:3}', ctx, rng)}::{fill('{num:2}', ctx, rng)})\n        by mx.google.com with ESMTPS id {fill('{alnum:20}', ctx, rng)}\n        for <alex@northwind-consulting.com>\n        (version=TLS1_2 cipher=ECDHE-ECDSA-AES256-GCM-SHA384 bits=256);\n        {d_recv}",
            )
        )
        headers.append(
            (
                "Authentication-Results",
                google_ar.replace(
                    f"header.from={from_domain}",
                    f"header.from={from_domain};\n       arc=pass (i=1)",
                ),
            )
        )
        headers.append(("Authentication-Results", ms_ar))
        headers.append(
            (
                "Received",
                f"from {relay} ({ip}) by\n {fill('BN8NAM{num:2}FT0{num:2}', ctx, rng)}.mail.protection.outlook.com (10.13.{fill('{o}.{o}', ctx, rng)}) with Microsoft SMTP\n Server (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.{fill('{num:4}.{num:3}', ctx, rng)} via Frontend\n Transport; {format_datetime(when)}",
            )
        )
    else:
        if rng.random() < 0.25:
            headers.append(
                (
                    "ARC-Seal",
                    f"i=1; a=rsa-sha256; t={ctx['ts']}; cv=none;\n        d=google.com; s=arc-20240605;\n        b={_b64(rng, 120)}",
                )
            )
            headers.append(("ARC-Authentication-Results", "i=1; " + google_ar))
        headers.append(("Return-Path", f"<{return_path}>"))
        headers.append(
            (
                "Received",
                f"from {relay} ({relay}. [{ip}])\n        by mx.google.com with ESMTPS id {fill('{alnum:20}', ctx, rng)}.{fill('{num:3}', ctx, rng)}.{ctx['ses_date']}\n        for <{rcpt}>\n        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256);\n        {d_recv}",
            )
        )
        headers.append(("Received-SPF", f"{spf} ({spf_text}) client-ip={ip};"))
        headers.append(("Authentication-Results", google_ar))
    if e.get("internal_hop") and rng.random() < 0.85:
        name, _, value = fill(e["internal_hop"], ctx, rng).partition(": ")
        headers.append((name, value))
    for d, s in dkims:
        headers.append(("DKIM-Signature", _dkim(d, s, ctx, rng)))
    if to_alias:
        headers.append(("Return-Path", f"<{return_path}>"))
    return headers, profile


def esp_headers(
    esp_key: str, ctx: dict, rng: random.Random, *, bulk: bool
) -> list[tuple[str, str]]:
    """Provider-specific headers (X-*, Feedback-ID, List-Unsubscribe)."""
    e = esp(esp_key)
    out = [(name, fill(str(value), ctx, rng)) for name, value in (e.get("headers") or {}).items()]
    if e.get("feedback_id"):
        out.append(("Feedback-ID", fill(e["feedback_id"], ctx, rng)))
    if bulk and e.get("list_unsubscribe"):
        out.append(("List-Unsubscribe", fill(e["list_unsubscribe"], ctx, rng)))
        if e.get("one_click"):
            out.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    return out


def unsubscribe_url(esp_key: str, ctx: dict, rng: random.Random) -> str:
    """First https URL of the ESP's List-Unsubscribe, else a page on the sender's site."""
    lu = esp(esp_key).get("list_unsubscribe") or ""
    for part in fill(lu, ctx, rng).split(","):
        part = part.strip().strip("<>")
        if part.startswith("https://"):
            return part
    return f"https://www.{ctx['domain']}/unsubscribe?e={_b64(rng, 16)}"
