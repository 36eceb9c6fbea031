"""Computing a plan and the live preview, as a user waits for them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakeven_plan_bench \
    .venv/bin/python bench/plan_compute.py [--runs 30]

Creates and migrates its own database if needed, loads the reference catalog, and builds
the plan of the issue on one computation: 50M tokens/day at 70% input, 99.9%
availability, GPT-5, Claude Sonnet 4.5 at a private price, DeepSeek V3.2 and Qwen3-32B
against Llama 3.3 70B FP8 on rented H100s and on an owned H100 node (six options, Monte
Carlo and crossings included). It times, each ``--runs`` times after one warm-up:

* ``evaluate``: the bridge's pure evaluation of the stored snapshot (the engine's
  composition and the results JSON), no database;
* ``plan_compute``: the service a user's Compute button runs (snapshot from the rows,
  evaluation, the stored comparison, in its transaction);
* ``preview``: the live preview's round trip, a POST of the workload form through the
  Django test client (middleware, form, catalog reads, composition, template).

and prints p50 / p90 / max in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sweep_e2e import ensure_database  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/breakeven_plan_bench"


def _setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault(
        "SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()


def _plan():
    from django.utils import timezone

    from accounts.models import Membership, Organization, Role, User
    from planner import services
    from planner.models import Workload
    from pricing.models import ApiOffer, GpuOffer, OwnedHardware
    from pricing.selectors import overlay_for
    from pricing.services import (
        load_reference_catalog,
        overlay_api_price_set,
        price_overlay_create,
    )

    version, _ = load_reference_catalog()
    org, _ = Organization.objects.get_or_create(slug="plan-bench", defaults={"name": "Plan bench"})
    user, _ = User.objects.get_or_create(
        email="bench@plan.test", defaults={"email_verified_at": timezone.now()}
    )
    Membership.objects.get_or_create(user=user, organization=org, defaults={"role": Role.OWNER})

    def offer(model: str, key: str) -> ApiOffer:
        return ApiOffer.objects.get(version=version, model_name=model, source__key=key)

    claude = offer("Claude Sonnet 4.5", "feb-2026")
    if overlay_for(version=version, organization=org) is None:
        overlay = price_overlay_create(
            organization=org, base_version=version, name="Negotiated", actor=None
        )
        overlay_api_price_set(
            overlay=overlay,
            actor=None,
            replaces=claude,
            input_per_mtok=Decimal("2.40"),
            output_per_mtok=Decimal("12.00"),
        )
    workload = Workload.objects.create(
        organization=org,
        name="Bench workload",
        tokens_per_day=50_000_000,
        input_share=Decimal("0.7"),
        availability_target=Decimal("0.999"),
        downtime_cost_per_hour=Decimal(2000),
        peak_to_average=Decimal(2),
    )
    llama = {
        "model_name": "Llama 3.3 70B",
        "params_b": Decimal(70),
        "precision": "fp8",
        "gpu_count": 2,
        "hidden_multiplier": Decimal("1.3"),
        "labor_hours_per_month": Decimal(10),
        "utilization": Decimal("0.8"),
        "tokens_per_second": Decimal(1728),
    }
    options = [
        {"kind": "api", "api_offer": offer("GPT-5", "feb-2026")},
        {"kind": "api", "api_offer": claude},
        {"kind": "api", "api_offer": offer("DeepSeek V3.2", "feb-2026")},
        {"kind": "api", "api_offer": offer("Qwen3-32B", "global-2026")},
        {
            "kind": "selfhost",
            "name": "Llama on rented H100",
            "gpu_offer": GpuOffer.objects.get(
                version=version, sku="NVIDIA H100 80GB", gpu_count=1, source__key="feb-2026"
            ),
            "gpus_per_instance": 2,
            **llama,
        },
        {
            "kind": "selfhost",
            "name": "Llama on an owned H100 node",
            "rent_mode": "owned",
            "owned_hardware": OwnedHardware.objects.get(version=version, name="8x H100 HGX node"),
            "gpus_per_server": 8,
            **llama,
        },
    ]
    plan = services.plan_create(
        organization=org,
        actor=user,
        name="Bench plan",
        workload=workload,
        catalog_version=version,
        options=options,
    )
    return plan, user, org


def _times(label: str, fn, runs: int) -> None:
    start = time.perf_counter()
    fn()  # the first call: imports, first queries, the engine's caches filled
    first = (time.perf_counter() - start) * 1000
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p90 = samples[max(0, round(0.9 * len(samples)) - 1)]
    print(
        f"{label:13s} p50 {statistics.median(samples):8.1f} ms   p90 {p90:8.1f} ms   "
        f"max {samples[-1]:8.1f} ms   first {first:8.1f} ms   ({runs} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    _setup()
    from django.test import Client
    from django.urls import reverse

    from accounts.tenancy import system_scope
    from planner import services
    from planner.bridge import plans as bridge

    with system_scope("bench"):
        plan, user, org = _plan()
        inputs = bridge.build_inputs(plan)
        _times("evaluate", lambda: bridge.evaluate(inputs), args.runs)
        _times("plan_compute", lambda: services.plan_compute(plan=plan, actor=user), args.runs)
    client = Client()
    client.force_login(user)
    session = client.session
    session["current_organization_id"] = org.pk
    session.save()
    form = {
        "name": "Preview",
        "volume": "50000000",
        "volume_unit": "day",
        "days_per_month": "30",
        "input_share": "0.7",
        "cached_share": "0",
        "growth_per_month": "0",
        "peak_to_average": "2",
        "availability_target": "0.999",
        "downtime_cost_per_hour": "2000",
        "description": "",
        "success_rates": "",
    }
    url = reverse("planner:workload_preview")

    def preview() -> None:
        response = client.post(url, form)
        assert response.status_code == 200, response.status_code
        assert b'data-state="ok"' in response.content, response.content[:2000]

    _times("preview", preview, args.runs)


if __name__ == "__main__":
    main()
