"""Where a webhook may be sent: the address rules, checked when an endpoint is saved and again at
every attempt (a host's DNS can change between the two, and between two attempts).

A delivery connects to the very address checked here (`Target.ip`), with the host name kept for
the Host header and TLS (SNI and certificate check), so DNS rebinding cannot slip a private
address in between the check and the connection."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from domain.errors import invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2000

# Cloud metadata services: refused even with the private-address switch on (no development or
# test set-up needs them, and they hand out credentials).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean ...
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.169.253",  # AWS DNS resolver
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (classic)
        "fd00:ec2::254",  # AWS over IPv6
        "fd00:ec2::23",  # AWS time-sync / DNS over IPv6
    )
)


@dataclass(frozen=True)
class AddressPolicy:
    """What the settings allow: plain http outside production, private addresses only with
    CASELOAD_WEBHOOKS_ALLOW_PRIVATE=true (development and tests)."""

    allow_http: bool
    allow_private: bool

    @classmethod
    def for_settings(cls, *, production: bool, allow_private: bool) -> AddressPolicy:
        # The switch is for development and tests: production ignores it.
        return cls(allow_http=not production, allow_private=allow_private and not production)


@dataclass(frozen=True)
class Target:
    """A checked address to connect to: the URL as given, its host name and port, and the IP that
    was checked (the one to connect to)."""

    url: str
    scheme: str
    host: str
    port: int
    ip: IPAddress

    @property
    def connect_url(self) -> str:
        """The URL with the checked IP in place of the host name (bracketed for IPv6)."""
        parts = urlsplit(self.url)
        ip = f"[{self.ip}]" if self.ip.version == 6 else str(self.ip)
        return parts._replace(netloc=f"{ip}:{self.port}").geturl()

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


class AddressRefused(Exception):
    """The address may not be used now: `reason` says why, in words safe to show its owner."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_url(url: str, policy: AddressPolicy) -> SplitResult:
    """The URL's parts, or AddressRefused: an absolute http(s) URL with a host, no user name or
    password in it, https unless the policy allows http."""
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise AddressRefused(f"Give an absolute https URL of at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port out of range or not a number
    except ValueError as e:
        raise AddressRefused("The URL is not valid.") from e
    allowed = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in allowed:
        raise AddressRefused("The URL must start with https://." if not policy.allow_http else "Use http or https.")
    if not parts.hostname:
        raise AddressRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("The URL may not hold a user name or password.")
    if port == 0:
        raise AddressRefused("The URL's port is not valid.")
    return parts


def refusal(ip: IPAddress, policy: AddressPolicy) -> str | None:
    """Why this address may not receive webhooks, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 (::ffff:10.0.0.1, 6to4, Teredo) is judged as itself.
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            return refusal(inner, policy)
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if policy.allow_private:
        return None
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    # Private, shared (CGNAT 100.64/10), reserved, documentation and other special ranges: every
    # address that is not globally routable.
    if not ip.is_global or ip.is_private or ip.is_reserved:
        return "a private or reserved address"
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to now (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host.split("%", 1)[0])]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as e:
        raise AddressRefused(f"The host {host} could not be resolved.") from e
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise AddressRefused(f"The host {host} could not be resolved.")
    return addresses


async def check(url: str, policy: AddressPolicy) -> Target:
    """Parse the URL, resolve its host now and refuse it if ANY address it resolves to is refused
    (a name pointing at a public and a private address is refused whole). The Target to connect
    to, or AddressRefused."""
    parts = parse_url(url, policy)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await resolve(host, port)
    for ip in addresses:
        reason = refusal(ip, policy)
        if reason is not None:
            raise AddressRefused(f"The host {host} resolves to {reason}, which cannot receive webhooks.")
    return Target(url=url, scheme=parts.scheme, host=host, port=port, ip=addresses[0])


async def validate(url: str, policy: AddressPolicy, field: str = "url") -> str:
    """For saving an endpoint: the URL if it may be used now, else an INVALID DomainError on `field`."""
    try:
        await check(url, policy)
    except AddressRefused as e:
        raise invalid(e.reason, field) from None
    return url
