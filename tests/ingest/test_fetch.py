"""The safe fetcher against a real HTTP server on loopback: every rule a URL must pass."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import pytest

from rag.ingest.fetch import FEED_TYPES, PAGE_TYPES, Fetcher, FetchError
from rag.settings import Settings
from tests.fakes.news_site import article_html, news_site


@pytest.fixture
def site():
    with news_site() as site:
        yield site


def fetcher(tmp_path, **overrides) -> Fetcher:
    values = {"home": tmp_path / "home", "fetch_allow_private": True, "fetch_timeout": 2.0, **overrides}
    return Fetcher(Settings(**values))


PAGE = article_html("Harbour reopens", ["The harbour reopened on Monday after a week of repairs."])


def test_a_page_is_fetched_with_a_clear_user_agent(site, tmp_path):
    url = site.serve("/story.html", PAGE)
    response = fetcher(tmp_path).get(url, PAGE_TYPES)
    assert response.status == 200 and b"Harbour reopens" in response.body
    assert site.hits("/story.html")[0]["user-agent"].startswith("rag-news/")


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/feed.xml", "gopher://127.0.0.1/", "/etc/passwd"],
)
def test_only_http_and_https_are_fetched(tmp_path, url):
    with pytest.raises(FetchError, match="only http and https"):
        fetcher(tmp_path).get(url, PAGE_TYPES)


def test_loopback_is_refused_unless_private_hosts_are_allowed(site, tmp_path):
    url = site.serve("/story.html", PAGE)
    with pytest.raises(FetchError, match=r"127\.0\.0\.1, a loopback or private-network address"):
        fetcher(tmp_path, fetch_allow_private=False).get(url, PAGE_TYPES)
    assert site.requests == []


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("file:///etc/passwd", "only http and https"),
        ("http://224.0.0.1/", "multicast"),
    ],
)
def test_a_redirect_is_checked_again_and_refused(site, tmp_path, target, message):
    url = site.serve("/moved", status=302, headers={"Location": target})
    with pytest.raises(FetchError, match=message):
        fetcher(tmp_path).get(url, PAGE_TYPES)


def test_a_redirect_within_the_site_is_followed(site, tmp_path):
    site.serve("/story.html", PAGE)
    url = site.serve("/short", status=301, headers={"Location": "/story.html"})
    response = fetcher(tmp_path).get(url, PAGE_TYPES)
    assert response.url.endswith("/story.html") and b"Harbour" in response.body


def test_a_redirect_loop_ends(site, tmp_path):
    url = site.serve("/a", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetcher(tmp_path).get(url, PAGE_TYPES)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_a_response_over_the_size_limit_is_refused(site, tmp_path, declared):
    big = article_html("Big", ["word " * 20_000])
    url = site.serve("/big.html", big, declare_length=declared)
    with pytest.raises(FetchError, match=r"larger than 0\.01 MB \(RAG_FETCH_MAX_MB\)"):
        fetcher(tmp_path, fetch_max_mb=0.01).get(url, PAGE_TYPES)


def test_a_slow_server_times_out(site, tmp_path):
    url = site.serve("/slow.xml", "<rss/>", content_type="application/rss+xml", delay=3)
    with pytest.raises(FetchError, match=r"timed out after 0\.5s"):
        fetcher(tmp_path, fetch_timeout=0.5).get(url, FEED_TYPES)


def test_the_content_type_is_checked_before_parsing(site, tmp_path):
    url = site.serve("/feed.xml", PAGE)
    with pytest.raises(FetchError, match=r"expected a feed \(XML\), got text/html"):
        fetcher(tmp_path).get(url, FEED_TYPES)


def test_an_error_status_is_named(site, tmp_path):
    with pytest.raises(FetchError, match="HTTP 404 Not Found") as raised:
        fetcher(tmp_path).get(site.url + "/gone.html", PAGE_TYPES)
    assert raised.value.status == 404


def test_robots_txt_is_honoured(site, tmp_path):
    site.serve("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    allowed = site.serve("/public.html", PAGE)
    denied = site.serve("/private/story.html", PAGE)
    client = fetcher(tmp_path)
    assert client.get(allowed, PAGE_TYPES).status == 200
    with pytest.raises(FetchError, match=r"robots\.txt of .* disallows"):
        client.get(denied, PAGE_TYPES)
    assert site.hits("/private/story.html") == []
    assert len(site.hits("/robots.txt")) == 1, "robots.txt is read once per host"


def test_a_conditional_get_answers_304(site, tmp_path):
    url = site.serve("/feed.xml", "<rss/>", content_type="application/rss+xml", etag='"v1"')
    client = fetcher(tmp_path)
    first = client.get(url, FEED_TYPES)
    again = client.get(url, FEED_TYPES, etag=first.etag)
    assert (first.status, first.etag, again.not_modified, again.body) == (200, '"v1"', True, b"")


def test_requests_to_one_host_are_limited(site, tmp_path):
    urls = [site.serve(f"/p{i}.html", PAGE, delay=0.3) for i in range(6)]
    client = fetcher(tmp_path, fetch_per_host=2)
    client.get(urls[0], PAGE_TYPES)  # robots.txt read before the parallel part
    site.most_in_flight = 0
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda url: client.get(url, PAGE_TYPES), urls))
    assert site.most_in_flight == 2


# DNS rebinding: a name that resolves to a public address when it is checked and to loopback when the
# connection looks it up again. "93.184.216.34" plays a public news server (the fake site answers for
# it); any other public address of these names is refused at connect, as the open internet is here.
PUBLIC_SERVER = "93.184.216.34"
REBINDING = {"public.test": PUBLIC_SERVER, "rebind.test": "93.184.216.35"}


@pytest.fixture
def rebinding_dns(monkeypatch):
    """The names above resolved as an attacker's DNS would; returns the addresses connected to."""
    real_lookup, real_connect = socket.getaddrinfo, socket.create_connection
    connecting = threading.local()
    connected: list[str] = []

    def lookup(host, port, *args, **kwargs):
        if host in REBINDING:
            address = "127.0.0.1" if getattr(connecting, "on", False) else REBINDING[host]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real_lookup(host, port, *args, **kwargs)

    def connect(address, *args, **kwargs):
        host, port = address[:2]
        connected.append(host)
        if host == PUBLIC_SERVER:
            return real_connect(("127.0.0.1", port), *args, **kwargs)
        if host in REBINDING.values():
            raise ConnectionRefusedError(f"{host} is not reachable from here")
        connecting.on = True
        try:
            return real_connect(address, *args, **kwargs)
        finally:
            connecting.on = False

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    monkeypatch.setattr(socket, "create_connection", connect)
    return connected


def test_dns_rebinding_cannot_reach_loopback_after_the_check(site, tmp_path, rebinding_dns):
    port = site.url.rsplit(":", 1)[1]
    site.serve("/secret", PAGE)

    with pytest.raises(FetchError):
        fetcher(tmp_path, fetch_allow_private=False).get(f"http://rebind.test:{port}/secret", PAGE_TYPES)
    assert site.requests == [], "nothing reached the loopback server, not even robots.txt"
    assert set(rebinding_dns) == {"93.184.216.35"}, "only the checked address was connected to"


def test_dns_rebinding_on_a_redirect_hop_cannot_reach_loopback(site, tmp_path, rebinding_dns):
    port = site.url.rsplit(":", 1)[1]
    site.serve("/moved", status=302, headers={"Location": f"http://rebind.test:{port}/secret"})
    site.serve("/secret", PAGE)

    with pytest.raises(FetchError):
        fetcher(tmp_path, fetch_allow_private=False).get(f"http://public.test:{port}/moved", PAGE_TYPES)
    assert site.hits("/secret") == []
    assert [headers["host"] for headers in site.hits("/moved")] == [f"public.test:{port}"]
    assert "127.0.0.1" not in rebinding_dns and "rebind.test" not in rebinding_dns


def test_dns_rebinding_fix_still_names_the_url_s_host_in_tls(tmp_path, rebinding_dns):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=public.test", "-days", "1"]
    subprocess.run(
        [openssl, *request, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda _socket, name, _context: names.append(name)
    listener = socket.create_server(("127.0.0.1", 0))

    def handshake() -> None:
        connection, _ = listener.accept()
        with suppress(ssl.SSLError, OSError), connection:
            context.wrap_socket(connection, server_side=True)

    threading.Thread(target=handshake, daemon=True).start()
    port = listener.getsockname()[1]
    with pytest.raises(FetchError):  # the self-signed certificate is refused, as it must be
        fetcher(tmp_path, fetch_allow_private=False).get(f"https://public.test:{port}/story.html", PAGE_TYPES)
    listener.close()

    assert rebinding_dns == [PUBLIC_SERVER], "connected to the checked address"
    assert names == ["public.test"], "and asked it for the URL's name (SNI), not for the address"
