"""Which IP addresses the outbound fetcher may connect to.

A URL that a credential, a DID or a wallet protocol hands us is attacker-chosen. Without this
check, a verifier could be made to read its own admin port, a cloud metadata service
(169.254.169.254) or anything else inside its network (server-side request forgery). The
policy is a deny list of every special-purpose range in the IANA IPv4 and IPv6 registries,
plus "everything outside 2000::/3" for IPv6, with a caller-supplied allow list on top for
local development and tests.

IPv6 forms that carry an IPv4 address inside them (IPv4-mapped ``::ffff:a.b.c.d``, the
deprecated IPv4-compatible ``::a.b.c.d``, 6to4 ``2002:AABB:CCDD::/48`` and NAT64
``64:ff9b::/96``) are judged by the IPv4 address they embed, so ``[::ffff:127.0.0.1]`` is the
loopback address it really is.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = [
    "IPAddress",
    "IPNetwork",
    "embedded_ipv4",
    "refusal_reason",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Special-purpose IPv4 ranges (IANA IPv4 Special-Purpose Address Registry, RFC 6890 and
# successors) with the reason a connection there is refused. Order matters only for the
# reason reported: the first match wins.
_IPV4_REFUSED: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/8"), "unspecified"),
    (_V4("10.0.0.0/8"), "private"),
    (_V4("100.64.0.0/10"), "shared address space (CGNAT)"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("169.254.0.0/16"), "link-local"),
    (_V4("172.16.0.0/12"), "private"),
    (_V4("192.0.0.0/24"), "reserved"),
    (_V4("192.0.2.0/24"), "documentation"),
    (_V4("192.88.99.0/24"), "reserved"),
    (_V4("192.168.0.0/16"), "private"),
    (_V4("198.18.0.0/15"), "reserved"),
    (_V4("198.51.100.0/24"), "documentation"),
    (_V4("203.0.113.0/24"), "documentation"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("240.0.0.0/4"), "reserved"),
)

# Only 2000::/3 is allocated as global unicast; everything else in IPv6 (loopback,
# unspecified, unique-local fc00::/7, link-local fe80::/10, multicast ff00::/8, discard
# 100::/64, local-use NAT64 64:ff9b:1::/48, ...) is refused, with the reasons below when a
# more specific name is known. The embedded-IPv4 forms are handled before this table.
_IPV6_GLOBAL = _V6("2000::/3")
_IPV6_NAMED: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("fe80::/10"), "link-local"),
    (_V6("fc00::/7"), "private"),
    (_V6("ff00::/8"), "multicast"),
)
# Special-purpose ranges inside 2000::/3: IETF protocol assignments (including Teredo and
# benchmarking), documentation, and 6to4 (judged by its embedded address, see below).
_IPV6_GLOBAL_REFUSED: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("2001::/23"), "reserved"),
    (_V6("2001:db8::/32"), "documentation"),
    (_V6("3fff::/20"), "documentation"),
)

_MAPPED = _V6("::ffff:0:0/96")
_COMPATIBLE = _V6("::/96")
_NAT64 = _V6("64:ff9b::/96")
_6TO4 = _V6("2002::/16")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address carried inside an IPv6 address, or None.

    Recognises IPv4-mapped, IPv4-compatible (excluding ``::`` and ``::1``), NAT64
    (64:ff9b::/96) and 6to4 (2002::/16) addresses.
    """
    value = int(address)
    if address in _MAPPED or address in _NAT64:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address in _COMPATIBLE and value > 1:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address in _6TO4:
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return None


def _in_any(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def _ipv4_reason(address: ipaddress.IPv4Address) -> str | None:
    for network, reason in _IPV4_REFUSED:
        if address in network:
            return reason
    return None


def _ipv6_reason(address: ipaddress.IPv6Address) -> str | None:
    if address not in _IPV6_GLOBAL:
        for network, reason in _IPV6_NAMED:
            if address in network:
                return reason
        return "reserved"
    for network, reason in _IPV6_GLOBAL_REFUSED:
        if address in network:
            return reason
    return None


def refusal_reason(address: IPAddress, allow: Iterable[IPNetwork] = ()) -> str | None:
    """Return why a connection to ``address`` is refused, or None when it is permitted.

    ``allow`` lists networks that are permitted even though they are special-purpose (for
    example ``127.0.0.1/32`` in tests). An IPv4-mapped address is permitted when its IPv4
    address is, since a socket connected to it reaches exactly that IPv4 address. Other
    embedded forms are refused when the address they embed is refused, and the deprecated
    IPv4-compatible form is refused outright.
    """
    allowed = tuple(allow)
    if _in_any(address, allowed):
        return None
    if isinstance(address, ipaddress.IPv4Address):
        return _ipv4_reason(address)
    inner = embedded_ipv4(address)
    if inner is not None:
        if address in _MAPPED and _in_any(inner, allowed):
            return None
        inner_reason = _ipv4_reason(inner)
        if inner_reason is not None:
            return f"{inner_reason} (embedded IPv4 {inner})"
        if address in _COMPATIBLE:
            return "reserved (deprecated IPv4-compatible form)"
        return None
    return _ipv6_reason(address)
