"""SSRF guard for the upstream client: refuse to talk to internal addresses.

Sources come from a config file and redirects come from the internet, so a ``Location:
http://169.254.169.254/`` (cloud metadata) or a host that resolves to ``10.x`` must never
be fetched. :class:`GuardedTransport` wraps the real transport; every request, and so
every redirect hop (httpx sends each hop through the transport), is checked *before* a
connection is opened.

An address is refused when it is loopback, private, link-local, multicast, reserved,
unspecified or otherwise not globally routable (Python's :mod:`ipaddress` categories;
IPv4-mapped IPv6 addresses are judged by their IPv4 part), unless the host name or the
address is covered by ``allow_addresses`` (host names, IP addresses or CIDR networks).

DNS rebinding: the address is checked, then the inner transport resolves the name again
to connect, so an answer that changes in between is not caught before connecting. As a
second line, the guard looks at the peer address of the connection actually used
(httpcore's ``network_stream`` ``server_addr``) when the response arrives and refuses it
(closing the response unread) when that address is internal: the request has then been
sent, but nothing internal is read back. Pinning the connection to the checked address
would need a custom httpcore network backend.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from hub.errors import BlockedAddress

__all__ = ["AllowList", "GuardedTransport", "is_blocked", "resolve_host"]

log = logging.getLogger("hub.netguard")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: ``resolver(host, port) -> addresses`` (strings); raises ``OSError`` when the name
#: does not resolve.
Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True, slots=True)
class AllowList:
    """Parsed ``allow_addresses``: host names (lower case, no trailing dot) and networks."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """Split entries into networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``) and hosts.

        An entry that is not an IP address or network is taken as a host name.
        """
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(_norm_host(entry))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return _norm_host(host) in self.hosts

    def allows_ip(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.networks)


def _norm_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _as_ip(ip: str | IPAddress) -> IPAddress:
    if isinstance(ip, str):
        # getaddrinfo may give a scope id ("fe80::1%eth0"); it does not change the category.
        return ipaddress.ip_address(ip.split("%", 1)[0].strip("[]"))
    return ip


def _is_internal(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _is_internal(ip.ipv4_mapped)
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global  # e.g. 100.64.0.0/10 (carrier-grade NAT)
    )


def is_blocked(ip: str | IPAddress, allow: Iterable[str] | AllowList = ()) -> bool:
    """Whether the guard refuses to connect to ``ip``.

    True when ``ip`` is loopback, private, link-local, multicast, reserved, unspecified
    or not globally routable, and no network in ``allow`` (IPs or CIDRs; host names in
    ``allow`` are ignored here) contains it. Pure: no I/O. Raises ``ValueError`` when
    ``ip`` is not an IP address.
    """
    address = _as_ip(ip)
    allow_list = allow if isinstance(allow, AllowList) else AllowList.parse(allow)
    if not _is_internal(address):
        return False
    if allow_list.allows_ip(address):
        return False
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return not (mapped is not None and allow_list.allows_ip(mapped))


def resolve_host(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to for a TCP connection (``socket.getaddrinfo``).

    Raises ``OSError`` (``socket.gaierror``) when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


def _peer_address(response: httpx.Response) -> IPAddress | None:
    """The IP the response came from, when the transport exposes its network stream."""
    stream = response.extensions.get("network_stream")
    get_extra_info = getattr(stream, "get_extra_info", None)
    if get_extra_info is None:
        return None
    try:
        addr = get_extra_info("server_addr")
        return _as_ip(str(addr[0])) if addr else None
    except (ValueError, TypeError, IndexError, OSError):
        return None


class GuardedTransport(httpx.BaseTransport):
    """An ``httpx`` transport that refuses internal addresses before connecting.

    ``inner`` does the real work (default ``httpx.HTTPTransport(retries=0)``).
    ``allow_addresses`` lists host names, IPs or CIDRs let through although internal
    (tests allow ``127.0.0.1``). ``resolver(host, port)`` is ``socket.getaddrinfo`` by
    default; tests inject a fake to avoid DNS.

    ``handle_request`` raises :class:`hub.errors.BlockedAddress` (with ``url``) when any
    resolved address is internal, and ``httpx.ConnectError`` when the host does not
    resolve; nothing is sent in either case. It also raises ``BlockedAddress`` when the
    connection turns out to reach an internal peer (see the module docstring).
    """

    def __init__(
        self,
        inner: httpx.BaseTransport | None = None,
        allow_addresses: Iterable[str] = (),
        *,
        resolver: Resolver = resolve_host,
    ) -> None:
        self._inner = inner if inner is not None else httpx.HTTPTransport(retries=0)
        self._allow = AllowList.parse(allow_addresses)
        self._resolve = resolver

    def check(self, url: httpx.URL) -> None:
        """Raise ``BlockedAddress`` unless every address of ``url``'s host may be used."""
        host = _norm_host(url.host)
        raw_host = _norm_host(url.raw_host.decode("ascii"))
        if not host:
            raise BlockedAddress("URL has no host", url=str(url))
        if self._allow.allows_host(host) or self._allow.allows_host(raw_host):
            return
        port = url.port or (443 if url.scheme == "https" else 80)
        for address in self._addresses(raw_host, port):
            if is_blocked(address, self._allow):
                log.warning("blocked %s: %s resolves to internal address %s", url, host, address)
                raise BlockedAddress(
                    f"refusing internal address {address} for host {host}", url=str(url)
                )

    def _addresses(self, host: str, port: int) -> list[IPAddress]:
        try:
            return [_as_ip(host)]
        except ValueError:
            pass  # a name, not an IP literal
        try:
            addresses = [_as_ip(a) for a in self._resolve(host, port)]
        except OSError as exc:
            raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpx.ConnectError(f"cannot resolve {host}: no addresses")
        return addresses

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.check(request.url)
        response = self._inner.handle_request(request)
        peer = _peer_address(response)
        host = _norm_host(request.url.host)
        if peer is not None and not self._allow.allows_host(host) and is_blocked(peer, self._allow):
            response.close()
            log.warning("blocked %s: connected to internal address %s", request.url, peer)
            raise BlockedAddress(
                f"refusing internal address {peer} for host {host} (after connecting)",
                url=str(request.url),
            )
        return response

    def close(self) -> None:
        self._inner.close()
