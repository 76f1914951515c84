"""Who may reach a served fake, for both of its servers: a ``Host`` allow-list (a page that
rebinds its own DNS name to 127.0.0.1 still sends its name) and the web page origins allowed
(any request with another ``Origin`` is refused before the fake sees it). Requests without an
``Origin`` (SDKs, the CLI, Node, curl) are never a web page's and pass the origin check."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection

ANY = "*"
# Host = uri-host [":" port]: a bracketed IPv6 literal, or a DNS name / IPv4 address.
_HOST = re.compile(r"(?:\[(?P<ip6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9_.-]+))(?::\d{0,5})?")
_NAME = re.compile(r"\.?[A-Za-z0-9_.-]+|\[?[0-9A-Fa-f:.]+\]?")
_ORIGIN = re.compile(r"([a-z][a-z0-9+.-]*)://(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?")
_DEFAULT_PORTS = {"http": "80", "https": "443"}

HOSTS_HINT = (
    "a served fake answers loopback names (localhost, 127.0.0.0/8, [::1]) and its bound address;"
    ' allow more with serve(allowed_hosts=[...]) or --allowed-host ("*": any)'
)
ORIGINS_HINT = (
    "a served fake takes requests from loopback pages (http(s)://localhost, 127.0.0.0/8, [::1],"
    ' any port) and from the origins given with serve(cors_origins=[...]) or --cors-origin ("*":'
    " any)"
)


class Refusal(Exception):
    """A request refused before the fake sees it: ``status`` and a plain-language reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class Guard:
    """The admission rules of one served fake (``bound``: the address it listens on)."""

    def __init__(
        self, bound: str, allowed_hosts: Collection[str] = (), cors_origins: Collection[str] = ()
    ) -> None:
        hosts = _names("allowed_hosts", allowed_hosts)
        for host in hosts:
            if host != ANY and not _NAME.fullmatch(host):
                raise ValueError(
                    f"allowed_hosts: {host!r} is not a host name (no scheme, no port;"
                    ' ".example.com" for a domain and its subdomains, "*" for any)'
                )
        origins = _names("cors_origins", cors_origins)
        for origin in origins:
            if origin not in (ANY, "null") and _origin_host(origin) is None:
                raise ValueError(
                    f"cors_origins: {origin!r} is not an origin (scheme://host[:port], no path;"
                    ' "null", or "*" for any)'
                )
        self._any_host = ANY in hosts
        self._hosts = {_bare(host) for host in [*hosts, bound] if host != ANY}
        self._any_origin = ANY in origins
        self._origins = {_canonical(origin) for origin in origins}

    def admit(self, hosts: list[str], origins: list[str]) -> None:
        """Raise :class:`Refusal` unless a request with these ``Host`` and ``Origin`` header
        values may reach the fake."""
        if len(hosts) > 1:
            raise Refusal(400, "A request has at most one Host header.")
        if hosts and not self._host_allowed(hosts[0]):
            raise Refusal(403, f"Host {_host_name(hosts[0])!r} is not allowed: {HOSTS_HINT}.")
        if len(origins) > 1:
            raise Refusal(403, "A request has at most one Origin header.")
        if origins and not self.origin_allowed(origins[0]):
            raise Refusal(403, f"Origin {origins[0]!r} is not allowed: {ORIGINS_HINT}.")

    def _host_allowed(self, value: str) -> bool:
        found = _HOST.fullmatch(value.strip())
        ip6 = found and found["ip6"]
        if found is None or (ip6 and not _is_ip(ip6, 6)):
            raise Refusal(400, f"Host {value!r} is not a valid Host header (host[:port]).")
        name = _bare(ip6 or found["name"])
        if self._any_host or _loopback(name) or name in self._hosts:
            return True
        return any(
            allowed.startswith(".") and f".{name}".endswith(allowed) for allowed in self._hosts
        )

    def origin_allowed(self, origin: str) -> bool:
        """Whether a page of ``origin`` may call the fake (and read its answers)."""
        if self._any_origin or _canonical(origin) in self._origins:
            return True
        scheme_host = _origin_host(origin)
        return (
            scheme_host is not None
            and scheme_host[0] in ("http", "https")
            and _loopback(scheme_host[1])
        )


def _names(option: str, values: Collection[str]) -> list[str]:
    if isinstance(values, (str, bytes)) or not all(isinstance(v, str) for v in values):
        raise TypeError(f"{option} must be a list of str, not {values!r}")
    return list(values)


def _bare(host: str) -> str:
    """A host name as compared: lower case, no brackets, no trailing dot."""
    return host.strip("[]").lower().rstrip(".") or host


def _host_name(value: str) -> str:
    found = _HOST.fullmatch(value.strip())
    if found is None:
        return value
    return f"[{found['ip6']}]" if found["ip6"] else str(found["name"])


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def _loopback(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _origin_host(origin: str) -> tuple[str, str] | None:
    """(scheme, bare host) of a serialized origin, None if it is not one."""
    found = _ORIGIN.fullmatch(origin.strip().lower())
    if found is None or (found[2].startswith("[") and not _is_ip(found[2][1:-1], 6)):
        return None
    return found[1], _bare(found[2])


def _canonical(origin: str) -> str:
    """An origin as browsers serialize it: lower case, without its scheme's default port."""
    origin = origin.strip().lower()
    found = _ORIGIN.fullmatch(origin)
    if found and found[3] is not None and _DEFAULT_PORTS.get(found[1]) == found[3]:
        return f"{found[1]}://{found[2]}"
    return origin
