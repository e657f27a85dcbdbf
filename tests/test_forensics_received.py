"""The Received chain: hops, and where the message entered the recipient's servers."""

from inboxmine.forensics.received import is_public_ip, parse_received, read_received

GMAIL_INTERNAL = "by 2002:a05:7000:1234 with SMTP id abc; Mon, 3 Mar 2025 10:00:05 -0800 (PST)"
GMAIL_MX = (
    "from o1.ptr1234.shop.com (o1.ptr1234.shop.com. [167.89.1.2]) by mx.google.com with ESMTPS"
    " id x12 for <me@example.com> (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128);"
    " Mon, 03 Mar 2025 10:00:04 -0800 (PST)"
)
ESP_INTERNAL = "from localhost (localhost [127.0.0.1]) by mail.shop.com (Postfix) with ESMTP id 4X; Mon, 3 Mar 2025 18:00:01 +0000"
EXCHANGE = (
    "from mail.github.com (185.93.208.119) by BN8NAM34FT034.mail.protection.outlook.com"
    " (10.13.42.241) with Microsoft SMTP Server (version=TLS1_3) id 15.20.7248.644;"
    " Fri, 07 Nov 2025 16:10:24 -0700"
)


def test_a_hop_is_read_into_its_parts():
    hop = parse_received(GMAIL_MX)
    assert hop.as_dict() == {
        "from_host": "o1.ptr1234.shop.com",
        "from_rdns": "o1.ptr1234.shop.com",
        "from_ip": "167.89.1.2",
        "by_host": "mx.google.com",
        "protocol": "ESMTPS",
        "received_at": "2025-03-03T18:00:04+00:00",
    }


def test_exchange_writes_the_client_address_without_brackets():
    hop = parse_received(EXCHANGE)
    assert (hop.from_host, hop.from_ip, hop.protocol) == (
        "mail.github.com",
        "185.93.208.119",
        "Microsoft",
    )
    ipv6 = parse_received("from SN7PR.prod.outlook.com (2603:10b6:806:441::34) by mx.google.com")
    assert ipv6.from_ip == "2603:10b6:806:441::34"


def test_the_first_external_hop_is_the_senders_server():
    chain = read_received([GMAIL_INTERNAL, GMAIL_MX, ESP_INTERNAL])
    assert (chain.sending_ip, chain.sending_host) == ("167.89.1.2", "o1.ptr1234.shop.com")
    # The recipient's servers (mx.google.com) are not the sender's side.
    assert chain.sender_side_hosts() == ["o1.ptr1234.shop.com", "mail.shop.com"]


def test_the_spf_client_ip_wins_over_a_forwarding_relay():
    forwarded = (
        "from relay.forwarder.net (relay.forwarder.net [93.184.216.34]) by mx.google.com; "
        "Fri, 07 Nov 2025 23:10:27 +0000"
    )
    chain = read_received([forwarded, EXCHANGE], client_ip="185.93.208.119")
    assert chain.sending_host == "mail.github.com"
    assert read_received([forwarded, EXCHANGE]).sending_host == "relay.forwarder.net"


def test_a_private_network_falls_back_to_the_oldest_client():
    chain = read_received(
        ["from b.lan ([10.0.0.2]) by c.lan; x", "from a.lan ([10.0.0.1]) by b.lan; y", ESP_INTERNAL]
    )
    assert chain.sending_ip == "10.0.0.1"


def test_odd_received_values_give_empty_hops():
    for value in ["", ";;;", "from", "by", "(((", "from [999.1.1.1] by x", "x" * 5000]:
        hop = parse_received(value)
        assert hop.from_ip is None
    assert read_received([]).sending_ip is None


def test_public_addresses():
    assert is_public_ip("167.89.1.2")
    assert not is_public_ip("10.1.2.3") and not is_public_ip("127.0.0.1")
    assert not is_public_ip("fe80::1") and not is_public_ip("nonsense")
