"""factory_boy factories. Each tenant-owned model registers one in `TENANT_FACTORIES`
so the cross-tenant harness can make an object of any model in another organization."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import factory
from django.db import models
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import ApiToken, Invitation, Membership, Organization, Role, User
from planner.models import (
    Comparison,
    Plan,
    PlanOption,
    PlanReevaluation,
    PlanRunStatus,
    PlanShareLink,
    ReevaluationRun,
    Sweep,
    SweepChunk,
    Workload,
)
from pricing.models import (
    OverlayApiOffer,
    OverlayGpuOffer,
    PriceOverlay,
    PrivateThroughputProfile,
)
from tracking.models import (
    ActualUsageImport,
    ActualUsageMonth,
    Alert,
    Budget,
    ForecastAssumptions,
    PlanBudgetState,
    UsageImportChunk,
    UsageImportJob,
    UsageRoutingRule,
    WebhookDelivery,
    WebhookEndpoint,
)

DEFAULT_PASSWORD = "correct-horse-battery-staple"

# model class -> callable(organization) -> instance of that model in that organization
TENANT_FACTORIES: dict[type[models.Model], Callable[[Organization], Any]] = {}


def tenant_factory(model: type[models.Model]):
    """Register a builder for `model` used by the cross-tenant harness."""

    def register(builder: Callable[[Organization], Any]):
        TENANT_FACTORIES[model] = builder
        return builder

    return register


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    # Verified like every account made by code; sign-up tests make unverified ones.
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.MEMBER
    # Accepting re-checks that the inviter may still grant the role: by default an owner.
    invited_by = factory.LazyAttribute(
        lambda o: MembershipFactory(organization=o.organization, role=Role.OWNER).user
    )


# Memberships are organization-owned rows too: the members pages act on them by pk.
tenant_factory(Membership)(lambda org: MembershipFactory(organization=org))
tenant_factory(Invitation)(lambda org: InvitationFactory(organization=org))


class WorkloadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "planner.Workload"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Workload {n}")
    tokens_per_month = 1_000_000_000
    input_share = "0.5"


tenant_factory(Workload)(lambda org: WorkloadFactory(organization=org))


# --- sweeps (planner.models.sweeps) ------------------------------------------------------


def sweep_catalog_version(*, api_offers: int = 2, gpu_offers: int = 2):
    """A small published catalog version with API offers and GPU offers, for sweeps."""
    from pricing.models import (
        ApiOffer,
        Catalog,
        CatalogSource,
        CatalogVersion,
        GpuOffer,
        VersionStatus,
    )

    catalog, _ = Catalog.objects.get_or_create(name="Sweep test catalog")
    number = CatalogVersion.objects.filter(catalog=catalog).count() + 1
    version = CatalogVersion.objects.create(catalog=catalog, number=number, title="Sweep test")
    source = CatalogSource.objects.create(version=version, key="test-2026", description="Test")
    prices = [("3", "15"), ("0.5", "1.5"), ("1", "4"), ("0.2", "0.6")]
    for i in range(api_offers):
        inp, out = prices[i % len(prices)]
        ApiOffer.objects.create(
            version=version,
            model_name=f"Model {i}",
            provider=f"Provider {i}",
            source=source,
            license="proprietary",
            input_per_mtok=inp,
            output_per_mtok=out,
        )
    hourly = ["2.5", "1.0", "4.0", "0.7"]
    for i in range(gpu_offers):
        GpuOffer.objects.create(
            version=version,
            sku=f"GPU {i}",
            gpu_count=1,
            vram_per_gpu_gb=80,
            hourly=hourly[i % len(hourly)],
            reserved_hourly="1.8",
            source=source,
        )
    version.status = VersionStatus.PUBLISHED
    version.save()
    return version


def sweep_spec_for(version, **overrides):
    """A valid 60-point sweep request on `version` (3 volumes x 4 shares x 5 utilizations)."""
    api_ids = list(version.api_offers.order_by("pk").values_list("pk", flat=True))
    gpu_ids = list(version.gpu_offers.order_by("pk").values_list("pk", flat=True))
    spec = {
        "volumes": {"min": 1e7, "max": 1e10, "num": 3, "scale": "log"},
        "input_shares": {"min": 0.2, "max": 0.8, "step": 0.2},
        "utilizations": [0.2, 0.4, 0.6, 0.8, 1.0],
        "api_offer_ids": api_ids,
        "selfhost": [
            {"gpu_offer_id": gpu_ids[0], "tokens_per_second": 1500, "hidden_monthly": 500},
            {
                "gpu_offer_id": gpu_ids[-1],
                "count": 2,
                "tokens_per_second": 2500,
                "pricing": "reserved",
                "hidden_multiplier": 1.3,
            },
        ],
    }
    spec.update(overrides)
    return spec


def _sweep_in(org):
    """A finished sweep with stored results, run chunk by chunk in this thread."""
    from planner.sweep_services import sweep_chunk_run, sweep_finalize, sweep_start

    version = sweep_catalog_version()
    sweep = sweep_start(
        organization=org,
        actor=None,
        name="Factory sweep",
        catalog_version=version,
        spec=sweep_spec_for(version),
    )
    # Tests run inside a transaction, so the on-commit queueing never fires: run it here.
    for index in range(sweep.chunks_total):
        sweep_chunk_run(sweep_id=sweep.pk, index=index)
    sweep_finalize(sweep_id=sweep.pk)
    sweep.refresh_from_db()
    return sweep


def _sweep_chunk_in(org):
    return SweepChunk.objects.filter(sweep=_sweep_in(org)).order_by("index").first()


tenant_factory(Sweep)(_sweep_in)
tenant_factory(SweepChunk)(_sweep_chunk_in)


def published_catalog_version(**kwargs):
    """A minimal published public catalog version (no rows)."""
    from pricing.models import Catalog, CatalogVersion, VersionStatus

    catalog, _ = Catalog.objects.get_or_create(name=kwargs.pop("catalog_name", "Factory catalog"))
    number = catalog.versions.count() + 1
    return CatalogVersion.objects.create(
        catalog=catalog,
        number=number,
        title=kwargs.pop("title", f"Factory catalog v{number}"),
        status=VersionStatus.PUBLISHED,
        **kwargs,
    )


tenant_factory(PriceOverlay)(
    lambda org: PriceOverlay.objects.create(
        organization=org, base_version=published_catalog_version(), name=f"{org.name} prices"
    )
)


def _private_api_price_in(org: Organization) -> Any:

    return OverlayApiOffer.objects.create(
        overlay=TENANT_FACTORIES[PriceOverlay](org),
        model_name=f"{org.name} private LLM",
        output_per_mtok=Decimal("1.5"),
    )


def _private_gpu_price_in(org: Organization) -> Any:

    return OverlayGpuOffer.objects.create(
        overlay=TENANT_FACTORIES[PriceOverlay](org),
        sku="H100 80GB",
        gpu_count=1,
        vram_per_gpu_gb=Decimal(80),
        hourly=Decimal("1.9"),
    )


# Private prices are reached through their overlay's organization (`organization_id`).
tenant_factory(OverlayApiOffer)(_private_api_price_in)
tenant_factory(OverlayGpuOffer)(_private_gpu_price_in)


VLLM_BENCHMARK_FILE = (
    Path(__file__).parent / "pricing" / "data" / "vllm_benchmark_serving_llama8b_h100.json"
)


def private_profile_in(org: Organization, **kwargs: Any) -> PrivateThroughputProfile:
    """A private throughput profile of `org` imported from the vLLM fixture file
    (1,250 output tok/s of Llama 3.1 8B on one H100 at concurrency 16)."""
    from pricing.services import private_profile_import

    defaults: dict[str, Any] = {
        "name": f"Benchmark {PrivateThroughputProfile.objects.for_org(org).count() + 1}",
        "model_name": "Open model 8B",
        "gpu_sku": "H100 80GB",
        "gpu_count": 1,
        "precision": "fp16",
    }
    return private_profile_import(
        organization=org,
        actor=None,
        content=VLLM_BENCHMARK_FILE.read_bytes(),
        source_format="vllm_benchmark_serving",
        filename=VLLM_BENCHMARK_FILE.name,
        **{**defaults, **kwargs},
    )


tenant_factory(PrivateThroughputProfile)(private_profile_in)

# model class -> callable(user) -> instance owned by that user rather than by an organization
# (e.g. API tokens). The cross-tenant harness checks nobody reaches another user's object.
USER_FACTORIES: dict[type[models.Model], Callable[[User], Any]] = {}


def user_factory(model: type[models.Model]):
    """Register a builder for a user-owned `model` used by the cross-tenant harness."""

    def register(builder: Callable[[User], Any]):
        USER_FACTORIES[model] = builder
        return builder

    return register


# --- plans (planner) -------------------------------------------------------------------


def plan_in(org: Organization, *, computed: bool = False):
    """A plan in `org` on a small published catalog: one API and one self-host option."""
    from planner import services
    from pricing.models import ApiOffer, GpuOffer

    version = sweep_catalog_version(api_offers=1, gpu_offers=1)
    plan = services.plan_create(
        organization=org,
        actor=None,
        name=f"Plan of {org.name}",
        workload=WorkloadFactory(organization=org),
        catalog_version=version,
        options=[
            {"kind": "api", "api_offer": ApiOffer.objects.get(version=version)},
            {
                "kind": "selfhost",
                "model_name": "Open model 8B",
                "gpu_offer": GpuOffer.objects.get(version=version),
                "tokens_per_second": 1000,
            },
        ],
    )
    if computed:
        services.plan_compute(plan=plan, actor=None)
    return plan


tenant_factory(Plan)(lambda org: plan_in(org))
tenant_factory(PlanOption)(lambda org: plan_in(org).options.first())
tenant_factory(Comparison)(lambda org: plan_in(org, computed=True).latest_comparison)


def plan_reevaluation_in(org: Organization) -> PlanReevaluation:
    """A plan of `org` flagged by a re-evaluation run against a newer catalog version."""
    plan = plan_in(org)
    run = ReevaluationRun.objects.create(version=sweep_catalog_version(), total=1, done=1)
    return PlanReevaluation.objects.create(
        organization=org,
        run=run,
        plan=plan,
        from_version=plan.catalog_version,
        status=PlanRunStatus.FLAGGED,
        flag=f"The cheapest option of {plan.name} changed.",
    )


tenant_factory(PlanReevaluation)(plan_reevaluation_in)


def _api_token_for(user: User) -> Any:
    auth_token, _secret = AuthToken.objects.create(user)
    return ApiToken.objects.create(user=user, name="harness token", auth_token=auth_token)


user_factory(ApiToken)(_api_token_for)


def share_link_in(org: Organization, *, plan: Any = None, computed: bool = False):
    """An active read-only share link of a plan of ``org``."""
    plan = plan or plan_in(org, computed=computed)
    return PlanShareLink.objects.create(organization=org, plan=plan)


tenant_factory(PlanShareLink)(lambda org: share_link_in(org))


# --- tracking (forecasts, budgets, alerts, webhooks, actual usage) ----------------------


def _usage_import_in(org):
    return ActualUsageImport.objects.create(
        organization=org, workload=WorkloadFactory(organization=org), file_format="breakeven"
    )


def _webhook_endpoint_in(org):
    return WebhookEndpoint.objects.create(organization=org, url=f"https://{org.slug}.test/hook")


tenant_factory(ForecastAssumptions)(
    lambda org: ForecastAssumptions.objects.create(organization=org, plan=plan_in(org))
)
tenant_factory(Budget)(
    lambda org: Budget.objects.create(organization=org, monthly_amount="1000.00")
)
tenant_factory(Alert)(
    lambda org: Alert.objects.create(organization=org, kind="over_budget", message="Over.")
)
tenant_factory(WebhookEndpoint)(_webhook_endpoint_in)
tenant_factory(WebhookDelivery)(
    lambda org: WebhookDelivery.objects.create(
        organization=org, endpoint=_webhook_endpoint_in(org), event="ping", body="{}"
    )
)
tenant_factory(ActualUsageImport)(_usage_import_in)
tenant_factory(PlanBudgetState)(
    lambda org: PlanBudgetState.objects.create(organization=org, plan=plan_in(org))
)


def _usage_month_in(org):
    parent = _usage_import_in(org)
    return ActualUsageMonth.objects.create(
        organization=org,
        usage_import=parent,
        workload=parent.workload,
        month=date(2026, 1, 1),
        model="m",
        input_tokens=1,
        output_tokens=1,
        cost="0.01",
    )


tenant_factory(ActualUsageMonth)(_usage_month_in)
tenant_factory(UsageImportJob)(
    lambda org: UsageImportJob.objects.create(
        organization=org, workload=WorkloadFactory(organization=org), file_format="breakeven"
    )
)
tenant_factory(UsageImportChunk)(
    lambda org: UsageImportChunk.objects.create(
        organization=org,
        job=UsageImportJob.objects.create(organization=org, file_format="breakeven"),
        seq=0,
        data=b"x\x9c\x03\x00\x00\x00\x00\x01",  # zlib of b""
    )
)
tenant_factory(UsageRoutingRule)(
    lambda org: UsageRoutingRule.objects.create(
        organization=org,
        dimension="team",
        value=f"team-{org.slug}",
        workload=WorkloadFactory(organization=org),
    )
)
