"""Security settings and behaviour as users and attackers see them.

`check --deploy` in production settings, security headers and cookies in HTTPS mode,
a CSP that allows only our own assets and pages that need nothing else, API tokens that
never reach the logs, and an audit row for every write to catalogs, memberships,
invitations and tokens.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from knox.models import AuthToken

from accounts import services as account_services
from accounts.api.tokens import api_token_create, api_token_revoke
from accounts.models import ApiToken, AuditEvent, Membership, Role
from pricing import services as pricing_services
from pricing.models import VersionStatus
from tests.factories import plan_in, published_catalog_version, sweep_catalog_version
from tests.hardening.conftest import token_client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "HTTPS": "1",
    "SECRET_KEY": "production-like-" + "k7Qz9vX2mW4pL8rT" * 4,
    "ENV_FILE": "/nonexistent",  # a developer's .env must not change the answer
    # What production must set (accounts/checks.py, docs/deploy.md).
    "EMAIL_URL": "smtp+tls://breakeven:not-secret@smtp.example.com:587",
    "DEFAULT_FROM_EMAIL": "Breakeven <noreply@breakeven.example.com>",
    "SITE_URL": "https://breakeven.example.com",
    "TRUSTED_PROXY_COUNT": "1",
}
PRODUCTION_ONLY = (
    "EMAIL_URL",
    "EMAIL_BACKEND",
    "DEFAULT_FROM_EMAIL",
    "SITE_URL",
    "TRUSTED_PROXY_COUNT",
)
SETTINGS_PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name, None) for name in (
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_CONTENT_TYPE_NOSNIFF",
    "X_FRAME_OPTIONS", "DEBUG")}))
"""


def _production(*argv: str, without: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    unset = ("DEBUG", "HTTPS", "SECRET_KEY", *PRODUCTION_ONLY)
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="config.settings")
    for name in without:
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_in_production_settings():
    result = _production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_fails_without_mail_site_url_and_proxy_settings():
    """Without them, reset and invitation links go to the server log (console mail), point
    at localhost, and every client behind the proxy shares one address for lockouts."""
    result = _production(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", without=PRODUCTION_ONLY
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for check_id in ("accounts.E001", "accounts.E002", "accounts.E003", "accounts.E004"):
        assert check_id in output
    assert "console.EmailBackend" in output


@pytest.fixture(scope="module")
def production_settings() -> dict:
    """The security settings exactly as config/settings.py computes them in production."""
    result = _production("-c", SETTINGS_PROBE)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    return values


@pytest.fixture
def https_mode(settings, production_settings):
    for name, value in production_settings.items():
        if name != "DEBUG":
            setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    return settings


def test_production_turns_on_hsts_secure_cookies_and_redirects(production_settings):
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_settings["SECURE_SSL_REDIRECT"] is True
    assert production_settings["SESSION_COOKIE_SECURE"] is True
    assert production_settings["CSRF_COOKIE_SECURE"] is True
    assert production_settings["SESSION_COOKIE_HTTPONLY"] is True


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    hsts = response["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    allowed = {"'self'", "'none'", "data:"}
    for directive, sources in csp.items():
        assert set(sources) <= allowed, (directive, sources)


def test_page_and_api_responses_carry_the_security_headers(cast, https_mode):
    page = cast.client_for(cast.teammate).get(reverse("planner:dashboard"), secure=True)
    assert page.status_code == 200
    assert_security_headers(page)

    api = token_client(cast.teammate).get("/api/v1/orgs/", secure=True)
    assert api.status_code == 200
    assert_security_headers(api)

    anonymous = (
        cast.client_for(cast.teammate).__class__().get(reverse("accounts:login"), secure=True)
    )
    assert anonymous.status_code == 200
    assert_security_headers(anonymous)


def test_plain_http_is_redirected_to_https(client, https_mode):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_session_and_csrf_cookies_are_secure_in_https_mode(client, cast, https_mode):
    cast.owner.set_password("correct-horse-battery")
    cast.owner.save()
    login_page = client.get(reverse("accounts:login"), secure=True)
    csrf = login_page.cookies["csrftoken"]
    assert csrf["secure"]
    assert csrf["samesite"] == "Lax"

    response = client.post(
        reverse("accounts:login"),
        {"username": "owner@acme.test", "password": "correct-horse-battery"},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


# --- pages load nothing from anywhere else -------------------------------------------------

ASSET_URL = re.compile(
    r"""<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?"""
    r"""\b(?:src|href|data|srcset)\s*=\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)
CSS_URL = re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture
def main_pages(cast):
    plan = plan_in(cast.org, computed=True)
    sweep_catalog_version()
    return [
        reverse("planner:dashboard"),
        reverse("planner:workload_list"),
        reverse("planner:workload_create"),
        reverse("planner:plan_list"),
        reverse("planner:plan_create"),
        reverse("planner:plan_detail", args=[plan.pk]),
        reverse("planner:plan_history", args=[plan.pk]),
        reverse("planner:comparison_detail", args=[plan.latest_comparison.pk]),
        reverse("planner:sweep_list"),
        reverse("planner:sweep_create"),
        reverse("accounts:members"),
        reverse("accounts:password_change"),
        "/accounts/tokens/",
        "/catalogs/",
    ]


def test_main_pages_use_only_our_own_assets_and_no_inline_code(cast, main_pages):
    client = cast.client_for(cast.owner)
    anonymous = cast.client_for(cast.owner).__class__()
    pages = [(url, client.get(url)) for url in main_pages]
    pages += [
        (url, anonymous.get(url))
        for url in (
            reverse("accounts:login"),
            reverse("accounts:signup"),
            reverse("accounts:password_reset"),
        )
    ]
    for url, response in pages:
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not ASSET_URL.search(html), (url, ASSET_URL.search(html).group(0))
        assert not CSS_URL.search(html), url
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html).group(0))
        assert not STYLE_ATTRIBUTE.search(html), (url, STYLE_ATTRIBUTE.search(html).group(0))
        assert not EVENT_HANDLER.search(html), (url, EVENT_HANDLER.search(html).group(0))


# --- lockout and password reset ---------------------------------------------------------------


def test_login_locks_after_repeated_failures(client, cast, settings):
    cast.owner.set_password("correct-horse-battery")
    cast.owner.save()
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "owner@acme.test", "password": "wrong"})
    locked = client.post(url, {"username": "owner@acme.test", "password": "correct-horse-battery"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_password_reset_does_not_reveal_whether_an_account_exists(client, cast, mailoutbox):
    url = reverse("accounts:password_reset")
    known = client.post(url, {"email": "owner@acme.test"})
    unknown = client.post(url, {"email": "nobody@nowhere.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # The same page for both (apart from the per-request CSRF token).
    csrf = re.compile(rb'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"')
    followed_known = csrf.sub(b"", client.get(known["Location"]).content)
    followed_unknown = csrf.sub(b"", client.get(unknown["Location"]).content)
    assert followed_known == followed_unknown
    assert [m.to for m in mailoutbox] == [["owner@acme.test"]]


# --- API tokens never reach the logs ----------------------------------------------------------


def test_token_secrets_never_reach_the_logs(cast, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    client = cast.client_for(cast.teammate)
    # Created on the page and through the API.
    page = client.post("/accounts/tokens/", {"name": "laptop", "expires_in_days": "30"})
    page_secret = page.context["secret"]
    created = client.post(
        "/api/v1/tokens/", {"name": "CI", "expires_in_days": 7}, content_type="application/json"
    )
    api_secret = created.json()["token"]
    # Used: good requests, a 404, a 400, a 500, then revoked and refused.
    user_client = token_client(cast.teammate)
    user_client.credentials(HTTP_AUTHORIZATION=f"Token {api_secret}")
    assert user_client.get("/api/v1/orgs/").status_code == 200
    assert user_client.get("/api/v1/orgs/rival/members/").status_code == 404
    assert user_client.post("/api/v1/quote", {"nope": 1}, format="json").status_code == 400
    from planner.api import views as quote_views

    def boom(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(quote_views, "quote", boom)
    quote = {"tokens_per_month": 1, "api": {"input_per_mtok": 1, "output_per_mtok": 1}}
    assert user_client.post("/api/v1/quote", quote, format="json").status_code in (400, 500)
    token = ApiToken.objects.get(user=cast.teammate, name="CI")
    api_token_revoke(user=cast.teammate, token=token)
    assert user_client.get("/api/v1/orgs/").status_code == 401

    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    for secret in (page_secret, api_secret):
        assert secret not in logged
        assert secret[15:] not in logged  # not even the part after the public key
    events = AuditEvent.objects.filter(action__startswith="api_token.")
    assert events.count() == 4  # page, API and the client's own token created; one revoked
    for event in events:
        assert page_secret not in json.dumps(event.changes)
        assert api_secret not in json.dumps(event.changes)


# --- every write to catalogs, memberships, invitations and tokens is audited -----------------


def _event(action: str, obj) -> AuditEvent:
    event = AuditEvent.objects.filter(
        action=action, object_type=obj._meta.label, object_id=str(obj.pk)
    ).first()
    assert event is not None, f"no audit row for {action}"
    assert event.created_at is not None
    return event


def test_catalog_publish_clone_retire_and_draft_delete_are_audited(cast, django_user_model):
    staff = django_user_model.objects.create_user(
        email="staff@breakeven.test", password="x", is_staff=True
    )
    version = published_catalog_version()
    clone = pricing_services.catalog_version_clone(version=version, actor=staff)
    assert _event("catalog.clone", clone).actor == staff
    published = pricing_services.catalog_version_publish(version=clone, actor=staff)
    assert published.status == VersionStatus.PUBLISHED
    assert _event("catalog.publish", published).actor == staff
    retired = pricing_services.catalog_version_retire(version=version, actor=staff)
    assert _event("catalog.retire", retired).changes == {"status": ["published", "retired"]}
    draft = pricing_services.catalog_version_clone(version=published, actor=staff)
    draft_pk = draft.pk
    pricing_services.catalog_version_delete_draft(version=draft, actor=staff)
    assert AuditEvent.objects.filter(action="catalog.delete_draft", object_id=str(draft_pk))


def test_membership_and_invitation_writes_are_audited(cast):
    mate = Membership.objects.get(user=cast.teammate, organization=cast.org)
    account_services.membership_change_role(actor=cast.owner, membership=mate, role=Role.ADMIN)
    event = _event("membership.change_role", mate)
    assert (event.actor, event.organization) == (cast.owner, cast.org)
    assert event.changes == {"role": ["member", "admin"]}

    invitation = account_services.invitation_create(
        actor=cast.admin, organization=cast.org, email="new@acme.test", role=Role.MEMBER
    )
    event = _event("invitation.create", invitation)
    assert event.actor == cast.admin
    assert invitation.token not in json.dumps(event.changes)

    viewer = Membership.objects.get(user=cast.viewer, organization=cast.org)
    viewer_pk = viewer.pk
    account_services.membership_remove(actor=cast.owner, membership=viewer)
    removed = AuditEvent.objects.get(action="membership.remove", object_id=str(viewer_pk))
    assert removed.changes["user"] == "viewer@acme.test"
    assert removed.actor == cast.owner


def test_token_create_and_revoke_are_audited(cast):
    token, secret = api_token_create(user=cast.viewer, name="script", expires_in_days=5)
    assert _event("api_token.create", token).actor == cast.viewer
    token_pk = token.pk
    api_token_revoke(user=cast.viewer, token=token)
    revoked = AuditEvent.objects.get(action="api_token.revoke", object_id=str(token_pk))
    assert revoked.actor == cast.viewer
    assert not AuthToken.objects.filter(user=cast.viewer).exists()
    assert secret not in json.dumps(revoked.changes)
