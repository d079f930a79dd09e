"""The one way anything is fetched over HTTP. A URL is untrusted input.

Every request, and every redirect hop again, is checked before it is sent:
http(s) only; the host must resolve to public addresses (loopback and private
networks only with `RAG_FETCH_ALLOW_PRIVATE`; link-local such as the cloud
metadata address 169.254.169.254, multicast and unspecified never); robots.txt
must allow it. The check is made again where the connection is opened, on the
addresses the connection then uses (`_CheckedNetwork`), so a name that
resolves to a public address for the check and to loopback a moment later
(DNS rebinding) cannot reach loopback; TLS still verifies the certificate of,
and sends SNI and Host for, the name in the URL. The answer must have the expected content type and is read to
at most `RAG_FETCH_MAX_MB` within `RAG_FETCH_TIMEOUT` seconds. A few requests
run at once per host so a feed of 500 items does not hammer its site.

Every failure is a `FetchError` whose message is one line for a user.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from rag.settings import Settings

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
PAGE_TYPES = ("text/html", "application/xhtml+xml")
MAX_REDIRECTS = 5


class FetchError(RuntimeError):
    """A URL that could not be fetched, and why, in one line; `status` when the server answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Response:
    """A fetched document; `url` is where it was found after redirects."""

    url: str
    status: int
    content_type: str
    body: bytes
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """One HTTP client (connection pool) shared by every fetch of a run; safe to use from threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.max_bytes = int(settings.fetch_max_mb * 1_000_000)
        self.client = httpx.Client(
            transport=_checked_transport(self._check_address, settings.fetch_workers),
            follow_redirects=False,
            timeout=settings.fetch_timeout,
            headers={"User-Agent": settings.fetch_user_agent},
            trust_env=False,
        )
        self._lock = threading.Lock()
        self._robots: dict[str, RobotFileParser] = {}
        self._hosts: dict[str, threading.BoundedSemaphore] = {}

    def close(self) -> None:
        self.client.close()

    def get(
        self,
        url: str,
        accept: tuple[str, ...],
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Response:
        """GET `url`, conditionally when `etag`/`last_modified` are given (then 304 is a valid answer)."""
        headers = {"Accept": ", ".join(accept)}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._follow(url, accept, headers, robots=True)

    def _follow(self, url: str, accept: tuple[str, ...], headers: dict[str, str], robots: bool) -> Response:
        for _ in range(MAX_REDIRECTS + 1):
            self.check_url(url)
            if robots and not self._allowed(url):
                raise FetchError(f"robots.txt of {_origin(url)} disallows {url}")
            response = self._request(url, accept, headers)
            if isinstance(response, Response):
                return response
            url = response
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {url}")

    def check_url(self, url: str) -> None:
        """Refuse what is not http(s) or leads to an address this process must not reach."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            scheme = parts.scheme or "a bare path"
            raise FetchError(f"only http and https URLs are fetched, not {scheme}")
        if not parts.hostname:
            raise FetchError(f"no host in {url}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            raise FetchError(f"cannot resolve {parts.hostname}: {error}") from None
        for address in resolve(parts.hostname, port):
            self._check_address(parts.hostname, address)

    def _check_address(self, host: str, address: str) -> None:
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
            raise FetchError(
                f"refused {host}: it resolves to {ip}, a link-local, multicast or reserved address"
            )
        if not ip.is_global and not self.settings.fetch_allow_private:
            raise FetchError(
                f"refused {host}: it resolves to {ip}, a loopback or private-network address "
                "(RAG_FETCH_ALLOW_PRIVATE=true allows it)"
            )

    def _request(self, url: str, accept: tuple[str, ...], headers: dict[str, str]) -> Response | str:
        """The response, or the URL a redirect points to."""
        deadline = time.monotonic() + self.settings.fetch_timeout
        try:
            with self._host_slot(url), self.client.stream("GET", url, headers=headers) as answer:
                if answer.is_redirect and "location" in answer.headers:
                    return urljoin(url, answer.headers["location"])
                if answer.status_code == 304:
                    return Response(
                        url, 304, "", b"", answer.headers.get("etag"), answer.headers.get("last-modified")
                    )
                if answer.status_code >= 400:
                    raise FetchError(f"HTTP {answer.status_code} {answer.reason_phrase}", answer.status_code)
                content_type = answer.headers.get("content-type", "").split(";")[0].strip().lower()
                if content_type not in accept:
                    raise FetchError(
                        f"expected {_kind(accept)}, got {content_type or 'no content type'}",
                        answer.status_code,
                    )
                body = self._read(answer, url, deadline)
                return Response(
                    str(url),
                    answer.status_code,
                    content_type,
                    body,
                    answer.headers.get("etag"),
                    answer.headers.get("last-modified"),
                )
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self.settings.fetch_timeout:g}s") from None
        except httpx.HTTPError as error:
            raise FetchError(f"connection failed: {error or type(error).__name__}") from None

    def _read(self, answer: httpx.Response, url: str, deadline: float) -> bytes:
        too_big = f"the response is larger than {self.settings.fetch_max_mb:g} MB (RAG_FETCH_MAX_MB)"
        declared = answer.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(too_big)
        body = bytearray()
        for piece in answer.iter_bytes():
            body += piece
            if len(body) > self.max_bytes:
                raise FetchError(too_big)
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("body too slow")
        return bytes(body)

    @contextmanager
    def _host_slot(self, url: str) -> Iterator[None]:
        key = _origin(url)
        with self._lock:
            slot = self._hosts.setdefault(key, threading.BoundedSemaphore(self.settings.fetch_per_host))
        with slot:
            yield

    def _allowed(self, url: str) -> bool:
        origin = _origin(url)
        with self._lock:
            rules = self._robots.get(origin)
        if rules is None:
            rules = self._read_robots(origin)
            with self._lock:
                self._robots[origin] = rules
        return rules.can_fetch(self.settings.fetch_user_agent, url)

    def _read_robots(self, origin: str) -> RobotFileParser:
        """robots.txt read as RFC 9309 says: missing (4xx) allows all, unreachable (5xx) allows none."""
        rules = RobotFileParser(f"{origin}/robots.txt")
        try:
            response = self._follow(f"{origin}/robots.txt", ("text/plain",), {}, robots=False)
        except FetchError as error:
            unreachable = error.status is None or error.status >= 500
            # The flags RobotFileParser.read() itself sets on a 4xx; typeshed does not declare them.
            rules.disallow_all, rules.allow_all = unreachable, not unreachable  # type: ignore[attr-defined]
            return rules
        rules.parse(response.body.decode("utf-8", errors="replace").splitlines())
        return rules


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order; `FetchError` when it does not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as error:
        raise FetchError(f"cannot resolve {host}: {error}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _CheckedNetwork(httpcore.SyncBackend):
    """Opens every connection to an address that has just passed the check, never to a name.

    httpcore asks its network backend for a TCP stream to (host, port) once per
    new connection, i.e. for every request to a new origin and so for every
    redirect hop; resolving and checking here, then connecting to the checked
    address itself, leaves no second lookup an attacker's DNS could answer
    differently. TLS is started on the returned stream with the URL's host as
    the server name, so certificates and SNI are those of the name.
    """

    def __init__(self, check: Callable[[str, str], None]) -> None:
        self.check = check

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        for address in addresses:
            self.check(host, address)
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as error:
                failure = error
        raise failure or httpcore.ConnectError(f"no address for {host}")


def _checked_transport(check: Callable[[str, str], None], connections: int) -> httpx.HTTPTransport:
    """httpx's own transport over a connection pool whose network backend is `_CheckedNetwork`.

    httpx (0.28) takes no network backend, so its pool is replaced by an
    equivalent httpcore pool that has one.
    """
    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=connections,
        network_backend=_CheckedNetwork(check),
    )
    return transport


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _kind(accept: tuple[str, ...]) -> str:
    if accept == FEED_TYPES:
        return "a feed (XML)"
    if accept == PAGE_TYPES:
        return "a web page (HTML)"
    return "a feed or a web page"
