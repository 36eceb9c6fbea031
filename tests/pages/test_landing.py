"""The landing page visitors get at /: what Breakeven answers, a worked example computed
by the engine from the current catalog, the way to sign up; and the site icon."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from planner.bridge import landing

pytestmark = pytest.mark.django_db


def _monthly_figures(html: str) -> list[float]:
    return [float(v) for v in re.findall(r'data-monthly="([0-9.]+)"', html)]


def test_visitors_get_the_landing_page_with_the_example_priced_from_the_catalog(
    reference_version,
):
    response = Client().get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pay per token, or run the model yourself?" in html
    assert 'href="/accounts/signup/"' in html
    assert (
        "<title>API or self-hosting: what your LLM workload really costs · Breakeven</title>"
        in html
    )
    # 50M tokens a day x 30 days = 1.5B tokens a month: 70% input (1,050M), 30% output (450M).
    # GPT-5 (feb-2026, $1.25 in / $10 out): 1,050 x 1.25 + 450 x 10 = 1,312.50 + 4,500 = 5,812.50
    # DeepSeek V3.2 (feb-2026, $0.27 / $1.10): 1,050 x 0.27 + 450 x 1.10 = 283.50 + 495 = 778.50
    # Llama 3.3 70B on one A100 80GB at $2.00/h: 2 x 720 h = 1,440, times the hidden-cost
    # multiplier's midpoint (1.3-2.0: 1.65) = 2,376, plus engineering at the midpoints
    # (10-20 h at $75-150: 15 x 112.50 = 1,687.50) = 4,063.50, the same in both quotes.
    assert _monthly_figures(html) == [5812.5, 778.5, 4063.5]
    assert "$5,812.50" in html
    assert "$778.50" in html
    assert "$4,063.50" in html
    # GPT-5 blends 0.7 x 1.25 + 0.3 x 10 = $3.875 per 1M: self-hosting's 4,063.50 is reached
    # at 4,063.50 / 3.875 = 1,048.6M tokens a month ("1.049B"); 5,812.50 / 4,063.50 = 1.43.
    assert (
        "Self-hosting is <strong>1.4\u00d7 cheaper</strong>; it breaks even at 1.049B tokens"
        in html
    )
    # DeepSeek blends 0.7 x 0.27 + 0.3 x 1.10 = $0.519 per 1M; every further replica adds
    # $2,376 for 2.333B tokens ($1.02 per 1M): self-hosting never catches up. 4,063.50 /
    # 778.50 = 5.22.
    assert (
        "The API is <strong>5.2\u00d7 cheaper</strong>, and self-hosting never catches up" in html
    )
    # One replica: 1,500 tok/s x 60% x 3,600 s x 720 h = 2,332,800,000 tokens a month.
    assert "1 replica; one carries up to 2.333B tokens a month" in html
    assert "1.5B a month" in html
    assert "70% of them input" in html
    # Each API row is named by its model, and the prices by the catalog version's number.
    assert '<th scope="row">GPT-5 API' in html
    assert '<th scope="row">DeepSeek V3.2 API' in html
    assert f"priced on {reference_version.title} v{reference_version.number} " in html
    # The model fits the one GPU it is priced on: at INT4, 35 GB of weights + 21.5 GB of KV
    # cache (16 requests of 4,096 tokens) in 72 GB usable; the quote checks it.
    assert "Llama 3.3 70B at INT4, self-hosted on 1\u00d7 NVIDIA A100 80GB" in html
    example = landing.landing_example(version=reference_version)
    assert example is not None
    fit = example.quotes[0].result["fit"]
    assert fit["gpus_needed"] == 1
    # The KV cache is sized from the model's architecture in the catalog: 80 layers x 8
    # KV heads x 128 x 2 (keys, values) x 2 bytes = 327,680 bytes a token, x 16 requests
    # of 4,096 tokens = 21.475 GB (without the architecture it would be a guess).
    assert (fit["weights_gb"], fit["kv_cache_gb"]) == (35.0, 21.475)


def test_the_example_is_computed_not_written_down(reference_version, monkeypatch):
    """Twice the volume: the APIs cost double, and self-hosting needs a second replica."""
    monkeypatch.setattr(landing, "TOKENS_PER_DAY", 100_000_000)
    html = Client().get("/").content.decode()
    # GPT-5: 2 x 5,812.50 = 11,625.00; DeepSeek: 2 x 778.50 = 1,557.00. 3B tokens a month
    # exceed one replica's 2.333B: two A100s at 1,440 x 1.65 = 2,376 each, plus the
    # engineering once (1,687.50) = 6,439.50.
    assert _monthly_figures(html) == [11625.0, 1557.0, 6439.5]
    assert "3B a month" in html
    assert "2 replicas; one carries up to 2.333B tokens a month" in html


def test_a_changed_example_is_a_new_cache_entry(monkeypatch):
    before = landing.example_fingerprint()
    assert landing.example_fingerprint() == before
    monkeypatch.setattr(landing, "TOKENS_PER_DAY", 100_000_000)
    assert landing.example_fingerprint() != before


def test_without_a_published_catalog_the_landing_page_says_so():
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No price catalog is published yet" in html
    assert _monthly_figures(html) == []


def test_members_get_their_dashboard_at_the_same_address(cast, reference_version):
    html = cast.client_for(cast.owner, cast.org).get("/").content.decode()
    assert "<title>Dashboard · Breakeven</title>" in html
    assert "Pay per token, or run the model yourself?" not in html


def test_the_landing_page_reads_a_bounded_number_of_rows(
    reference_version, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        assert Client().get("/").status_code == 200
    # Then the example comes from the cache: only the current version is looked up (in the
    # request's savepoint, ATOMIC_REQUESTS: 3 statements).
    with django_assert_max_num_queries(3):
        assert Client().get("/").status_code == 200


def test_favicon_is_served_at_the_root_and_linked_from_every_page(reference_version):
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    icon = Path(settings.BASE_DIR, "static", "favicon.ico").read_bytes()
    assert response.content == icon
    # An ICO header: reserved 0, type 1 (icon), then the number of images.
    assert icon[:4] == b"\x00\x00\x01\x00"
    html = Client().get("/accounts/login/").content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg" type="image/svg\+xml">', html)
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.ico" sizes="32x32">', html)
