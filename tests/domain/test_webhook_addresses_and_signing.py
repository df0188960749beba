"""Webhook address rules and Standard Webhooks signing, checked with the independent
`standardwebhooks` verifier."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from domain.errors import DomainError, ErrorCode
from domain.webhooks import addresses, signing
from domain.webhooks.addresses import AddressPolicy, AddressRefused

PRODUCTION = AddressPolicy.for_settings(production=True, allow_private=False)
DEVELOPMENT = AddressPolicy.for_settings(production=False, allow_private=False)
OPEN = AddressPolicy.for_settings(production=False, allow_private=True)

REFUSED = [
    "127.0.0.1",
    "127.9.9.9",
    "::1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.1.1",  # link-local
    "169.254.169.254",  # metadata
    "100.64.0.1",  # CGNAT / shared
    "100.100.100.200",  # Alibaba metadata, inside CGNAT
    "0.0.0.0",
    "::",
    "224.0.0.1",
    "ff02::1",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
    "2002:0a00:0001::1",  # 6to4 of 10.0.0.1
    "192.0.2.10",  # documentation
    "240.0.0.1",  # reserved
    "255.255.255.255",
]


@pytest.mark.parametrize("ip", REFUSED)
def test_non_public_addresses_are_refused(ip):
    assert addresses.refusal(ipaddress.ip_address(ip), PRODUCTION) is not None


@pytest.mark.parametrize("ip", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(ip):
    assert addresses.refusal(ipaddress.ip_address(ip), PRODUCTION) is None


def test_the_switch_opens_private_ranges_but_never_metadata():
    assert addresses.refusal(ipaddress.ip_address("127.0.0.1"), OPEN) is None
    assert addresses.refusal(ipaddress.ip_address("10.0.0.1"), OPEN) is None
    for metadata in ("169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"):
        assert addresses.refusal(ipaddress.ip_address(metadata), OPEN) == "a cloud metadata address"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://example.com/",
        "http://example.com/hook",  # production: https only
        "https:///nohost",
        "https://user:pw@example.com/",
        "https://example.com:99999/",
        "https://exa mple.com/",
        "https://example.com/\nx",
        "https://example.com/" + "a" * 2000,
    ],
)
def test_bad_urls_are_refused_in_production(url):
    with pytest.raises(AddressRefused):
        addresses.parse_url(url, PRODUCTION)


def test_production_ignores_the_switch():
    assert AddressPolicy.for_settings(production=True, allow_private=True) == PRODUCTION


def test_http_is_allowed_outside_production():
    assert addresses.parse_url("http://example.com/hook", DEVELOPMENT).hostname == "example.com"


async def test_check_resolves_and_refuses_loopback_names():
    with pytest.raises(AddressRefused, match="loopback"):
        await addresses.check("http://localhost:8080/hook", DEVELOPMENT)
    with pytest.raises(AddressRefused, match="metadata"):
        await addresses.check("http://169.254.169.254/latest/meta-data/", OPEN)
    target = await addresses.check("http://localhost:8080/hook?x=1", OPEN)
    assert target.ip.is_loopback and target.port == 8080 and target.host == "localhost"
    assert target.host_header == "localhost:8080"
    assert target.connect_url in ("http://127.0.0.1:8080/hook?x=1", "http://[::1]:8080/hook?x=1")


async def test_validate_answers_an_invalid_domain_error_on_the_field():
    with pytest.raises(DomainError) as refused:
        await addresses.validate("https://127.0.0.1/hook", PRODUCTION)
    assert refused.value.code == ErrorCode.INVALID and refused.value.field == "url"
    with pytest.raises(DomainError):
        await addresses.validate("https://name.invalid/hook", PRODUCTION)


def test_secrets_are_whsec_base64_and_fresh():
    a, b = signing.new_secret(), signing.new_secret()
    assert a.startswith("whsec_") and a != b
    Webhook(a)  # the verifier accepts its format


def _verify(secret: str, headers: dict[str, str], body: bytes) -> dict:
    return Webhook(secret).verify(body, headers)


def test_headers_verify_with_standardwebhooks():
    secret = signing.new_secret()
    body = json.dumps({"type": "ping", "data": {"n": "é"}}).encode()
    headers = signing.headers("evt_123", body, [secret], datetime.now(UTC))
    assert _verify(secret, headers, body)["data"]["n"] == "é"
    with pytest.raises(WebhookVerificationError):
        _verify(signing.new_secret(), headers, body)
    with pytest.raises(WebhookVerificationError):
        _verify(secret, headers, body + b" ")


def test_both_secrets_sign_for_24_hours_after_a_rotation():
    old, new = signing.new_secret(), signing.new_secret()
    rotated = datetime(2026, 11, 30, 12, tzinfo=UTC)
    expires = rotated + signing.ROTATION_OVERLAP
    during = signing.signing_secrets(new, old, expires, rotated + timedelta(hours=23, minutes=59))
    assert during == [new, old]
    body = b'{"type":"ping"}'
    headers = signing.headers("evt_1", body, during, datetime.now(UTC))
    assert len(headers["webhook-signature"].split(" ")) == 2
    _verify(old, headers, body)
    _verify(new, headers, body)
    after = signing.signing_secrets(new, old, expires, rotated + timedelta(hours=24))
    assert after == [new]
    headers = signing.headers("evt_1", body, after, datetime.now(UTC))
    _verify(new, headers, body)
    with pytest.raises(WebhookVerificationError):
        _verify(old, headers, body)
    assert signing.signing_secrets(new, None, None, rotated) == [new]
