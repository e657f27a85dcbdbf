"""Tests for the demo mailbox generator (inboxmine.demo)."""

from __future__ import annotations

import email
import json
import mailbox
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from tests.helpers import REQUIRED_ESP_KEYS

from inboxmine.demo import generate_demo
from inboxmine.opportunities.gems import gem_types

NOW = datetime(2026, 5, 4, 15, 30, tzinfo=UTC)
GEM_TYPES = set(gem_types())
ESP_KEYS = set(REQUIRED_ESP_KEYS)
INTENTS = {
    "human_1to1",
    "cold_outreach",
    "nurture_sequence",
    "newsletter",
    "transactional",
    "promotional",
    "event_invitation",
    "partnership_pitch",
    "re_engagement",
    "procurement",
    "recruiting",
    "community",
}
RELATIONSHIPS = {
    "my_vendor",
    "selling_to_me",
    "inbound_prospect",
    "warm_contact",
    "potential_partner",
    "community",
    "institutional",
    "unknown",
}


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo2000")
    result = generate_demo(out, seed=7, messages=2000, now=NOW)
    return result, json.loads(result.truth_path.read_text())


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo300")
    result = generate_demo(out, seed=7, messages=300, now=NOW)
    return result, json.loads(result.truth_path.read_text())


def _mid(msg) -> str | None:
    value = msg["Message-ID"]
    return str(value).strip().strip("<>") if value else None


def test_result_and_files(big):
    result, truth = big
    assert result.mbox_path.name == "demo.mbox" and result.mbox_path.exists()
    assert result.truth_path.name == "demo-truth.json"
    assert result.message_count == 2000
    assert result.me == ["alex@northwind-consulting.com", "alex@northwind.dev"]
    assert truth["me"] == result.me
    assert truth["generator"] == {"seed": 7, "now": NOW.isoformat(), "messages": 2000}
    assert set(truth) >= {"generator", "me", "messages", "senders", "gems", "malformed"}


def test_determinism(tmp_path):
    a = generate_demo(tmp_path / "a", seed=11, messages=250, now=NOW)
    b = generate_demo(tmp_path / "b", seed=11, messages=250, now=NOW)
    c = generate_demo(tmp_path / "c", seed=12, messages=250, now=NOW)
    assert a.mbox_path.read_bytes() == b.mbox_path.read_bytes()
    assert a.truth_path.read_bytes() == b.truth_path.read_bytes()
    assert a.mbox_path.read_bytes() != c.mbox_path.read_bytes()


def test_determinism_across_processes(tmp_path):
    """Hash randomisation must not leak into the output."""
    code = (
        "import sys; from datetime import datetime; from pathlib import Path; "
        "from inboxmine.demo import generate_demo; "
        "generate_demo(Path(sys.argv[1]), seed=3, messages=200, now=datetime.fromisoformat(sys.argv[2]))"
    )
    digests = []
    for hashseed, name in (("1", "p1"), ("2", "p2")):
        env = {
            **os.environ,
            "PYTHONHASHSEED": hashseed,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(Path(__file__).parents[1] / "src"), os.environ.get("PYTHONPATH")])
            ),
        }
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / name), NOW.isoformat()], check=True, env=env
        )
        digests.append(
            (
                (tmp_path / name / "demo.mbox").read_bytes(),
                (tmp_path / name / "demo-truth.json").read_bytes(),
            )
        )
    assert digests[0] == digests[1]


def test_counts_and_span(big):
    _, truth = big
    msgs = truth["messages"]
    domains = {m["sender_domain"].split("@")[-1] for m in msgs.values() if m["sender_domain"]}
    assert len(domains) >= 60
    esps = {m["esp"] for m in msgs.values() if m["esp"]}
    assert esps >= ESP_KEYS
    assert {s["esp"] for s in truth["senders"].values() if s["esp"]} >= ESP_KEYS
    assert truth["span"]["days"] >= 366
    assert datetime.fromisoformat(truth["span"]["last"]) <= NOW - timedelta(days=1)


def test_every_message_parses(big):
    result, truth = big
    box = mailbox.mbox(result.mbox_path)
    planted = {m["position"]: m for m in truth["malformed"]}
    ids: list[str] = []
    count = 0
    for position, entry in enumerate(box):
        count += 1
        msg = email.message_from_bytes(entry.as_bytes(), policy=policy.default)
        mid = _mid(msg)
        if position in planted:
            assert mid == planted[position]["message_id"]  # split as its own mbox entry
            continue
        assert mid and mid in truth["messages"], position
        ids.append(mid)
        assert msg["From"] and msg["Subject"] is not None and msg["Date"] is not None
        for part in msg.walk():
            if not part.is_multipart():
                part.get_content()
    assert count == 2000
    assert len(ids) == len(set(ids))
    assert len(truth["messages"]) == 2000 - 1  # the planted no-Message-ID message has no key


def test_malformed_planted(big):
    result, truth = big
    reasons = Counter(m["reason"] for m in truth["malformed"])
    assert reasons["missing_date"] >= 2
    for reason in (
        "unknown_charset",
        "latin1_declared_utf8",
        "unclosed_boundary",
        "bad_base64",
        "huge_html",
        "from_unquoted_comma",
        "from_broken_encoded_word",
        "from_empty",
        "from_missing_angle_bracket",
        "no_message_id",
    ):
        assert reasons[reason] == 1, reason
    raw = result.mbox_path.read_bytes()
    assert b"From: Smith, John <john.smith@smithandco.com>\n" in raw
    assert b"From: <>\n" in raw
    assert b'charset="x-unknown"' in raw
    box = mailbox.mbox(result.mbox_path)
    for m in truth["malformed"]:
        entry = box[m["position"]]
        if m["reason"] == "huge_html":
            assert len(entry.as_bytes()) >= 2 * 1024 * 1024
        if m["reason"] == "missing_date":
            assert entry["Date"] is None
        if m["message_id"]:
            assert truth["messages"][m["message_id"]]["malformed"] == m["reason"]


def test_mboxrd_from_quoting(big):
    result, _ = big
    raw = result.mbox_path.read_bytes()
    assert b"\n>From the editor" in raw
    lines = raw.split(b"\n")
    from_lines = [ln for ln in lines if ln.startswith(b"From ")]
    assert len(from_lines) == 2000
    assert all(ln.endswith(b" 2025") or ln.endswith(b" 2026") for ln in from_lines)


def test_gems_planted(big, small):
    for (_, truth), minimum in ((big, 3), (small, 1)):
        counts = Counter(g["gem_type"] for g in truth["gems"])
        assert set(counts) == GEM_TYPES
        assert min(counts.values()) >= minimum
        for gem in truth["gems"]:
            assert gem["sender_domain"] in truth["senders"]
            assert gem["why"]


def test_truth_vocabularies(big):
    _, truth = big
    for sender in truth["senders"].values():
        assert sender["intent"] in INTENTS
        assert sender["relationship"] in RELATIONSHIPS
        assert sender["company_size"] in {"small", "medium", "enterprise"}
        assert sender["esp"] is None or sender["esp"] in ESP_KEYS
    offers = {
        "discount",
        "free_trial",
        "webinar",
        "product_launch",
        "urgency",
        "social_proof",
        "event",
        "newsletter",
        "renewal",
        "partnership",
        "procurement",
    }
    intents = {
        "pricing_page",
        "demo_booking",
        "partner_program",
        "marketplace_listing",
        "job_posting",
        "case_study",
        "free_tool",
        "unsubscribe",
    }
    procurement = {
        "rfp",
        "security_review",
        "soc2",
        "dpa",
        "msa",
        "sow",
        "poc",
        "vendor_assessment",
    }
    for m in truth["messages"].values():
        assert set(m["offers"]) <= offers
        assert set(m["link_intents"]) <= intents
        assert set(m["procurement"]) <= procurement
        assert m["language"] == "en"
    assert any(m["has_tracking_pixel"] for m in truth["messages"].values())
    assert any(m["personalization"] for m in truth["messages"].values())
    assert any(m["unrendered_merge_tag"] for m in truth["messages"].values())


def test_scenario_semantics(big):
    result, truth = big
    msgs = truth["messages"]
    by_thread: dict[str, list[dict]] = {}
    for m in msgs.values():
        if m["thread_id"]:
            by_thread.setdefault(m["thread_id"], []).append(m)
    # renewal leverage: future renewal dates; the past-renewal negative is in the past
    future = [
        m for m in msgs.values() if m["renewal_date"] and m["renewal_date"] > NOW.date().isoformat()
    ]
    past = [
        m for m in msgs.values() if m["renewal_date"] and m["renewal_date"] < NOW.date().isoformat()
    ]
    assert len(future) >= 3 and len(past) >= 1
    # procurement threads carry procurement keys; slack/pocket never do
    assert {k for m in msgs.values() for k in m["procurement"]} >= {
        "rfp",
        "soc2",
        "dpa",
        "msa",
        "poc",
    }
    for m in msgs.values():
        if m["sender_domain"] in ("slack.com", "sam.okafor@gmail.com", "pocketbase-weekly.com"):
            assert m["procurement"] == []
    kinds = {n["kind"] for n in truth["negatives"]}
    assert kinds >= {
        "slack_not_sla",
        "pocket",
        "past_renewal",
        "completed_thread",
        "already_replied",
    }
    sent = [m for m in msgs.values() if m["direction"] == "sent"]
    assert sent and all(m["sender_domain"] == "northwind-consulting.com" for m in sent)
    raw = result.mbox_path.read_bytes()
    assert b"Your plan renews on " in raw and b"$4,800/year" in raw
    assert b"https://acme.io/partners?utm_source=" in raw
    assert b"spf=pass (sender IP is " in raw
    assert b"To: alex@northwind.dev" in raw or b"<alex@northwind.dev>" in raw
    assert b"Great working with you, all set, thanks!" in raw
    assert b"In-Reply-To: <" in raw


def test_dormancy_and_unanswered(big):
    result, truth = big
    box = mailbox.mbox(result.mbox_path)
    threads: dict[str, list] = {}
    for entry in box:
        mid = (entry["Message-ID"] or "").strip().strip("<>")
        info = truth["messages"].get(mid)
        if info and info["thread_id"] and info["kind"] == "human_thread":
            threads.setdefault(info["thread_id"], []).append((entry, info))
    subjects = {g["thread_subject"]: g["gem_type"] for g in truth["gems"] if g["thread_subject"]}
    seen = set()
    for items in threads.values():
        first = str(items[0][0]["Subject"])
        gem_type = subjects.get(first)
        if gem_type not in ("dormant_warm_thread", "unanswered_ask"):
            continue
        last_entry, last_info = items[-1]
        assert last_info["direction"] == "received"
        assert any(i["direction"] == "sent" for _, i in items)
        age = (NOW - email.utils.parsedate_to_datetime(last_entry["Date"])).days
        body = (
            last_entry.get_payload(decode=True)
            if not last_entry.is_multipart()
            else last_entry.get_payload(0).get_payload(decode=True)
        )
        assert b"?" in body.split(b"\n\n> ")[0].split(b"____")[0]
        if gem_type == "dormant_warm_thread":
            assert 20 <= age <= 300
        else:
            assert 3 <= age <= 13
        seen.add(gem_type)
    assert seen == {"dormant_warm_thread", "unanswered_ask"}


def test_cli(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(Path(__file__).parents[1] / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "inboxmine.demo", str(tmp_path), "--seed", "2", "--messages", "200"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    assert str(tmp_path / "demo.mbox") in proc.stdout
    assert str(tmp_path / "demo-truth.json") in proc.stdout


def test_too_small_is_rejected(tmp_path):
    with pytest.raises(ValueError):
        generate_demo(tmp_path, messages=10, now=NOW)
