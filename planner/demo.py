"""seed_demo step: demo workloads and a computed demo plan (needs the reference catalog)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from planner import services
from planner.models import Plan, Workload

DEMO_PLAN_NAME = "Support assistant: API vs Llama on an A100"


def seed_plans(ctx: Any) -> None:
    from pricing.models import ApiOffer, GpuOffer, OwnedHardware
    from pricing.selectors import catalog_version_current

    organization, owner = ctx.organization, ctx.owner
    version = catalog_version_current()
    if version is None:
        ctx.log.append("Skipped demo plans: no published catalog (run load_reference_catalog).")
        return
    workloads = {}
    for name, fields in (
        (
            "Support assistant",
            {"tokens_per_month": 1_000_000_000, "engineer_hourly_rate": Decimal(100)},
        ),
        (
            "Nightly document batch",
            {"tokens_per_day": 500_000_000, "has_mlops_team": True, "needs_finetuning": True},
        ),
    ):
        workload = Workload.objects.for_org(organization).filter(name=name).first()
        if workload is None:
            workload = services.workload_create(
                organization=organization, actor=owner, name=name, **fields
            )
            ctx.log.append(f"Created workload {name}")
        workloads[name] = workload
    if Plan.objects.for_org(organization).filter(name=DEMO_PLAN_NAME).exists():
        ctx.log.append(f"Kept plan {DEMO_PLAN_NAME}")
        return

    def offer(model: str, key: str) -> Any:
        return ApiOffer.objects.filter(version=version, model_name=model, source__key=key).first()

    apis = [o for o in (offer("GPT-5", "feb-2026"), offer("DeepSeek V3.2", "feb-2026")) if o]
    gpu = GpuOffer.objects.filter(
        version=version, sku="NVIDIA A100 80GB", gpu_count=1, source__key="feb-2026"
    ).first()
    options: list[dict[str, Any]] = [{"kind": "api", "api_offer": o} for o in apis]
    if gpu is not None:
        options.append(
            {
                "kind": "selfhost",
                "model_name": "Llama 3.3 70B",
                "gpu_offer": gpu,
                "precision": "int4",
                "labor_hours_per_month": Decimal(15),
                "other_monthly": Decimal(300),
            }
        )
    node = OwnedHardware.objects.filter(version=version, name="8x H100 HGX node").first()
    if node is not None:
        # Owned finance for the depth view: one 8-GPU server per replica.
        options.append(
            {
                "kind": "selfhost",
                "model_name": "Llama 3.3 70B",
                "rent_mode": "owned",
                "owned_hardware": node,
                "precision": "fp8",
                "tokens_per_second": Decimal(6000),
                "installation_per_server": Decimal(5000),
                "residual_value": Decimal("0.10"),
                "cost_of_capital": Decimal("0.08"),
                "maintenance_per_year": Decimal("0.05"),
                "server_base_watts": Decimal(1500),
                "gpu_tdp_watts": Decimal(700),
                "pue": Decimal("1.4"),
                "usd_per_kwh": Decimal("0.12"),
                "facilities_per_server_monthly": Decimal(400),
                "facilities_shared_monthly": Decimal(1000),
                "ops_fte": Decimal("0.5"),
                "ops_fte_monthly_cost": Decimal(15000),
                "implementation_one_off": Decimal(36000),
            }
        )
    if not options:
        ctx.log.append("Skipped demo plan: the catalog lacks the demo offers.")
        return
    plan = services.plan_create(
        organization=organization,
        actor=owner,
        name=DEMO_PLAN_NAME,
        workload=workloads["Support assistant"],
        catalog_version=version,
        options=options,
    )
    comparison = services.plan_compute(plan=plan, actor=owner)
    ctx.log.append(
        f"Created plan {plan.name} (recommended: {comparison.recommended_option or 'none'})"
    )
