"""Webhook delivery against a local HTTP server on 127.0.0.1:8202 (issue 16 item 10): no
redirect is followed, the connection goes to the address that was checked (one DNS
answer), every non-public range is refused, endpoints are capped per organization and
deliveries run on their own Celery queue.

Only these tests let loopback through, and only 127.0.0.1: `address_refusal` is wrapped.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from accounts.tasks import password_reset_send, purge_expired_invitations
from config.celery import app
from tests.api.conftest import token_client
from tracking import services, webhooks
from tracking.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tracking.tasks import deliver_webhook

PORT = 8202


class _Server(BaseHTTPRequestHandler):
    hits: list[tuple[str, str, str | None]] = []
    redirect_to: str | None = None
    answered = threading.Event()  # set: answer at once; clear: hang until set

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        type(self).answered.wait(timeout=10)
        type(self).hits.append((self.command, self.path, self.headers.get("Host")))
        if self.path == "/hook" and type(self).redirect_to:
            self.send_response(302)
            self.send_header("Location", type(self).redirect_to)
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self._answer()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Server.hits = []
    _Server.redirect_to = None
    _Server.answered.set()
    ThreadingHTTPServer.allow_reuse_address = True
    httpd = ThreadingHTTPServer(("127.0.0.1", PORT), _Server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield _Server
    _Server.answered.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def loopback_allowed(monkeypatch):
    """127.0.0.1 (only) passes the address check, for these tests' local server."""
    refusal = webhooks.address_refusal

    def allow_127_0_0_1(address):
        return None if address == ipaddress.ip_address("127.0.0.1") else refusal(address)

    monkeypatch.setattr(webhooks, "address_refusal", allow_127_0_0_1)


def _post(url: str) -> webhooks.PostResult:
    return webhooks.post(url=url, body=b"{}", secret="whsec_test", event="ping")


def test_a_redirect_is_a_failed_delivery_and_is_not_followed(server, loopback_allowed):
    server.redirect_to = f"http://127.0.0.1:{PORT}/internal"
    result = _post(f"http://127.0.0.1:{PORT}/hook")
    assert not result.ok
    assert result.status == 302
    assert "redirect" in result.error
    assert [path for _method, path, _host in server.hits] == ["/hook"]


def test_a_successful_delivery_still_works(server, loopback_allowed):
    result = _post(f"http://127.0.0.1:{PORT}/hook?x=1")
    assert result == webhooks.PostResult(True, 200)
    assert server.hits == [("POST", "/hook?x=1", f"127.0.0.1:{PORT}")]


def test_delivery_connects_to_the_checked_address_not_a_second_dns_answer(
    server, loopback_allowed, monkeypatch
):
    """DNS rebinding: the first answer (checked) is 127.0.0.1, any later one 127.0.0.2.
    Only one resolution happens and the POST reaches 127.0.0.1 with the URL's Host."""
    real_getaddrinfo = socket.getaddrinfo
    answers: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host != "hooks.rebind.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = "127.0.0.1" if not answers else "127.0.0.2"
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    result = _post(f"http://hooks.rebind.test:{PORT}/hook")
    assert result == webhooks.PostResult(True, 200)
    assert answers == ["127.0.0.1"]
    assert server.hits == [("POST", "/hook", f"hooks.rebind.test:{PORT}")]


def test_a_host_whose_answer_includes_a_refused_address_is_refused(monkeypatch):
    def mixed(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    result = _post("https://hooks.mixed.test/hook")
    assert not result.ok
    assert result.status is None
    assert "private network" in result.error


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "a private network"),
        ("10.1.2.3", "a private network"),
        ("172.16.0.1", "a private network"),
        ("192.168.1.1", "a private network"),
        ("169.254.169.254", "a private network"),
        ("100.64.0.1", "a private network"),
        ("0.0.0.0", "a private network"),  # noqa: S104 - an address under test
        ("::1", "a private network"),
        ("::", "a private network"),
        ("fe80::1", "a private network"),
        ("fc00::1", "a private network"),
        ("224.0.0.1", "a multicast address"),
        ("239.255.255.250", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("ff0e::1", "a multicast address"),
        ("::ffff:127.0.0.1", "an IPv4-mapped IPv6 address"),
        ("::ffff:8.8.8.8", "an IPv4-mapped IPv6 address"),
        ("::127.0.0.1", "an IPv4-compatible IPv6 address"),
        ("::8.8.8.8", "an IPv4-compatible IPv6 address"),
        ("64:ff9b::a00:1", "a NAT64 address"),
        ("64:ff9b::808:808", "a NAT64 address"),
        ("64:ff9b:1::a00:1", "a NAT64 address"),
        ("2002:7f00:1::1", "a 6to4 address"),
        ("2002:808:808::1", "a 6to4 address"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo address"),
    ],
)
def test_refused_ranges(address, why):
    assert webhooks.address_refusal(ipaddress.ip_address(address)) == why


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_unicast_addresses_are_allowed(address):
    assert webhooks.address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "address", ["::ffff:10.0.0.1", "64:ff9b::7f00:1", "2002:a00:1::1", "ff05::2", "224.0.0.251"]
)
def test_a_url_resolving_to_a_refused_range_is_refused_at_creation(cast, monkeypatch, address):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    def answer(host, port, *args, **kwargs):
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", answer)
    with pytest.raises(ValidationError) as exc:
        services.webhook_create(organization=cast.org, actor=None, url="https://hooks.test/x")
    assert "url" in exc.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_endpoints_are_capped_per_organization(cast, settings):
    settings.TRACKING_WEBHOOK_ALLOW_PRIVATE = True
    for n in range(services.MAX_WEBHOOK_ENDPOINTS):
        services.webhook_create(organization=cast.org, actor=None, url=f"http://127.0.0.1:9/{n}")
    response = token_client(cast.owner).post(
        "/api/v1/orgs/acme/webhooks/", {"url": "http://127.0.0.1:9/one-more"}, format="json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert "url" in error["fields"]
    assert "at most 10 webhook endpoints" in str(error["fields"]["url"])
    assert WebhookEndpoint.objects.filter(organization=cast.org).count() == 10
    # Another organization has its own allowance.
    services.webhook_create(organization=cast.other_org, actor=None, url="http://127.0.0.1:9/0")


def test_a_delivery_through_the_service_does_not_follow_a_redirect(cast, server, loopback_allowed):
    server.redirect_to = f"http://127.0.0.1:{PORT}/internal"
    endpoint, _secret = services.webhook_create(
        organization=cast.org, actor=None, url=f"http://127.0.0.1:{PORT}/hook"
    )
    delivery = WebhookDelivery.objects.create(
        organization=cast.org, endpoint=endpoint, event="ping", body="{}"
    )
    assert services.webhook_deliver(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.response_code == 302
    assert delivery.delivered_at is None
    assert "/internal" not in [path for _method, path, _host in server.hits]


@pytest.mark.parametrize("task", [deliver_webhook, password_reset_send])
def test_webhook_and_mail_deliveries_have_their_own_queue(task):
    assert app.amqp.router.route({}, task.name)["queue"].name == "notifications"
    default = app.amqp.router.route({}, purge_expired_invitations.name)["queue"].name
    assert default == app.conf.task_default_queue


def test_https_connects_to_the_checked_address_and_verifies_the_hostname(server):
    """TLS goes to the checked address with the URL's host as SNI and certificate name."""
    target = webhooks.Target(
        scheme="https", host="hooks.example.test", port=PORT, path="/hook", address="127.0.0.1"
    )
    connection = webhooks._PinnedHTTPSConnection(target)
    assert connection._context.verify_mode == ssl.CERT_REQUIRED
    assert connection._context.check_hostname is True
    wrapped = {}

    class RecordingContext:
        def wrap_socket(self, sock, server_hostname):
            wrapped["peer"] = sock.getpeername()
            wrapped["server_hostname"] = server_hostname
            return sock

    connection._context = RecordingContext()
    connection.connect()
    connection.close()
    assert wrapped == {"peer": ("127.0.0.1", PORT), "server_hostname": "hooks.example.test"}


def test_an_endpoint_that_does_not_answer_in_time_is_a_failed_attempt(
    server, loopback_allowed, monkeypatch
):
    monkeypatch.setattr(webhooks, "READ_TIMEOUT_S", 0.2)
    server.answered.clear()  # the endpoint takes the request and never answers
    result = _post(f"http://127.0.0.1:{PORT}/hook")
    assert not result.ok
    assert result.status is None
    assert "timed out" in result.error
