"""Who is asking: the client's address, as the proxies we trust report it.

Behind a reverse proxy every request comes from the proxy, and the client is named in
`X-Forwarded-For`. Anyone can send that header, so it is believed only from `TRUSTED_PROXIES`
(addresses or networks), and read from the right: each trusted hop appended the address it
saw, so the first address from the right that is not a trusted proxy is the client. Whatever
stands left of it was written by the client and means nothing.

Used for "loopback" in EDROPS_OPS_ENDPOINTS (edrops.ops_access), by django-axes for its
per-address login lockout (AXES_CLIENT_IP_CALLABLE) and by the API's lockout
(edrops.services.api_lockout).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def parse_address(text: str) -> Address | None:
    """An address as proxies write it (`203.0.113.7`, `203.0.113.7:5123`, `[2001:db8::1]:443`),
    IPv4-mapped IPv6 as IPv4; None when it isn't one."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: Address | None) -> bool:
    if address is None:
        return False
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def resolve(remote_addr: str, forwarded_for: str) -> str:
    """The client's address from the peer's and the X-Forwarded-For it sent; '' when it can't
    be read (no peer address, an unreadable hop)."""
    peer = parse_address(remote_addr)
    if peer is None:
        return ""
    client = peer
    if is_trusted_proxy(peer):
        # Several X-Forwarded-For headers arrive joined with commas: one list either way.
        for hop in reversed(forwarded_for.split(",") if forwarded_for else []):
            address = parse_address(hop)
            if address is None:
                return ""  # no trusted proxy writes that: the client is unknown, never the proxy
            client = address
            if not is_trusted_proxy(address):
                break
    return str(client)


def client_address(request: HttpRequest) -> str:
    """The client's address for this request (computed once; ClientAddressMiddleware sets it
    first thing)."""
    known = getattr(request, "client_address", None)
    if known is None:
        known = resolve(
            request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", "")
        )
        request.client_address = known
    return known


def is_loopback(request: HttpRequest) -> bool:
    address = parse_address(client_address(request))
    return address is not None and address.is_loopback
