"""The landing page's worked example: quotes priced live from the current public catalog.

One workload (50M tokens a day, 70% of them input, the shape of a support assistant) is
quoted by the engine's quote contract (the computation behind ``POST /api/v1/quote``)
against a frontier API and a cheap one, each beside the same self-hosted open model on one
rented GPU. Every price, throughput and overhead comes from the catalog version's rows;
the page types no figure of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from planner.bridge.defaults import PROPOSED_UTILIZATION
from planner.bridge.plans import (
    _architecture,
    _norm,
    pick_throughput_profile,
    profile_tokens_per_second,
)
from planner.bridge.quotes import quote
from planner.engine.tokens import monthly_tokens
from planner.engine.units import DAYS_PER_MONTH

# The example workload.
TOKENS_PER_DAY = 50_000_000
INPUT_SHARE = Decimal("0.7")
# The APIs it is priced on, by (model, catalog source): a frontier model and a cheap one.
APIS = (("GPT-5", "feb-2026"), ("DeepSeek V3.2", "feb-2026"))
# The self-hosted option: a 70B open model on one rented 80 GB GPU, planned at
# PROPOSED_UTILIZATION of its measured throughput, with the catalog's engineering time and its
# hidden-cost multiplier.
MODEL_NAME = "Llama 3.3 70B"
MODEL_PARAMS_B = 70.0
PRECISION = "int4"
GPU_SKU = "NVIDIA A100 80GB"


@dataclass(frozen=True)
class ApiQuote:
    model_name: str
    provider: str
    input_per_mtok: Decimal | None
    output_per_mtok: Decimal
    result: dict[str, Any]  # the quote contract's JSON answer


@dataclass(frozen=True)
class LandingExample:
    catalog_title: str
    catalog_number: int
    effective_date: date
    currency: str
    tokens_per_day: int
    input_share: Decimal
    model_name: str
    precision: str
    gpu_sku: str
    gpu_hourly: Decimal
    model: dict[str, Any]
    gpu_vram_gb: float
    tokens_per_second: float
    throughput_source: str
    utilization: Decimal
    devops_hours_per_month: Decimal
    devops_hourly_rate: Decimal
    hidden_multiplier: Decimal
    quotes: tuple[ApiQuote, ...]

    @property
    def selfhost_monthly(self) -> float:
        """The self-hosted option's cost: the same in every quote (one workload, one GPU)."""
        return float(self.quotes[0].result["selfhost_monthly"])

    @property
    def tokens_per_month(self) -> float:
        """The workload's monthly volume, converted as the quote converts it."""
        return monthly_tokens(tokens_per_day=self.tokens_per_day, days_per_month=DAYS_PER_MONTH)


def _selfhost_payload(example: dict[str, Any]) -> dict[str, Any]:
    return {
        # The model and the GPU's memory: the quote refuses a GPU that cannot hold it.
        "model": example["model"],
        "gpu_vram_gb": example["gpu_vram_gb"],
        "hourly": float(example["gpu_hourly"]),
        "tokens_per_second": example["tokens_per_second"],
        "utilization": float(example["utilization"]),
        "hidden_multiplier": float(example["hidden_multiplier"]),
        "hidden_monthly": float(example["devops_hours_per_month"] * example["devops_hourly_rate"]),
    }


def example_fingerprint() -> str:
    """What the example is, hashed for a cache key: a changed example is a new entry."""
    definition = (TOKENS_PER_DAY, INPUT_SHARE, APIS, MODEL_NAME, MODEL_PARAMS_B, PRECISION,
                  GPU_SKU, PROPOSED_UTILIZATION)  # fmt: skip
    return hashlib.sha256(repr(definition).encode()).hexdigest()[:16]


def landing_example(*, version: Any) -> LandingExample | None:
    """The worked example on a catalog version's public prices; None if the version lacks
    a row it needs (an API, the GPU or a throughput profile)."""
    from pricing.models import ModelSpec, ThroughputProfile
    from pricing.selectors import catalog_assumptions, effective_prices

    book = effective_prices(version=version, organization=None)
    gpu = next(
        (g for g in book.gpu_offers if g.sku == GPU_SKU and g.gpu_count == 1 and not g.is_private),
        None,
    )
    profile = pick_throughput_profile(
        ThroughputProfile.objects.filter(version=version),
        model_name=MODEL_NAME,
        params_b=MODEL_PARAMS_B,
        gpu_sku=GPU_SKU,
        gpu_count=1,
        precision=PRECISION,
    )
    assumptions = catalog_assumptions(version)
    figure = profile_tokens_per_second(profile, gpu_count=1) if profile is not None else None
    if gpu is None or figure is None or profile is None or gpu.vram_per_gpu_gb is None:
        return None
    model: dict[str, Any] = {"params_b": MODEL_PARAMS_B, "precision": PRECISION}
    architecture = _architecture(
        {_norm(s.name): s for s in ModelSpec.objects.filter(version=version)}, MODEL_NAME
    )
    if architecture is not None:
        model |= {
            "layers": architecture.layers,
            "kv_heads": architecture.kv_heads,
            "head_dim": architecture.head_dim,
        }
    example: dict[str, Any] = {
        "model": model,
        "gpu_vram_gb": float(gpu.vram_per_gpu_gb),
        "gpu_hourly": gpu.hourly.expected,
        "tokens_per_second": figure[0],
        "utilization": PROPOSED_UTILIZATION,
        "hidden_multiplier": _expected(assumptions.hidden_cost_multiplier, Decimal(1)),
        "devops_hours_per_month": _expected(assumptions.devops_hours_per_month, Decimal(0)),
        "devops_hourly_rate": _expected(assumptions.devops_hourly_rate, Decimal(0)),
    }
    quotes = []
    for model_name, offer_key in APIS:
        price = next(
            (
                p
                for p in book.api_offers
                if p.model_name == model_name and p.offer_key == offer_key and not p.is_private
            ),
            None,
        )
        if price is None:
            return None
        api: dict[str, Any] = {"output_per_mtok": float(price.output_per_mtok)}
        if price.input_per_mtok is not None:
            api["input_per_mtok"] = float(price.input_per_mtok)
        result = quote(
            {
                "tokens_per_day": TOKENS_PER_DAY,
                "input_share": float(INPUT_SHARE),
                "api": api,
                "selfhost": _selfhost_payload(example),
            }
        )
        quotes.append(
            ApiQuote(
                model_name=price.model_name,
                provider=price.provider,
                input_per_mtok=price.input_per_mtok,
                output_per_mtok=price.output_per_mtok,
                result=result,
            )
        )
    return LandingExample(
        catalog_title=version.title,
        catalog_number=version.number,
        effective_date=version.effective_date,
        currency=version.currency,
        tokens_per_day=TOKENS_PER_DAY,
        input_share=INPUT_SHARE,
        model_name=MODEL_NAME,
        precision=PRECISION.upper(),
        gpu_sku=GPU_SKU,
        throughput_source=profile.setup,
        quotes=tuple(quotes),
        **example,
    )


def _expected(figure: Any, default: Decimal) -> Decimal:
    return default if figure is None else Decimal(figure.expected)
