"""The catalog's published figures in a plan snapshot: power, grid and quality.

Stage 1 (rows to snapshot) reads a version's GPU power (TDP), grid intensities and
quality scores once, then adds to a snapshot

* per self-hosted option ``selfhost.energy``: the GPU power (the option's own figure or
  the catalog's for its GPU), server base power, PUE and the grid the servers draw from;
* per option ``quality``: its model's score on the benchmark the plan compares on;
* ``quality_floor``: the workload's reference model, its score and the share required.

Every figure carries its source so the plan can cite it. Old snapshots have none of
these keys and recompute as before (no energy, no quality floor).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.engine.compose import GridIntensity, PowerDraw, QualityFloor

# The grid a fleet draws from when neither the option nor its GPU offer names one the
# catalog has (pricing.catalog_format.DEFAULT_GRID_REGION).
DEFAULT_GRID_REGION = "world"


def _norm(text: str) -> str:
    from planner.bridge.plans import _norm as norm

    return norm(text)


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass
class PublishedFigures:
    """A version's power, grid and quality rows, looked up by normalized name."""

    gpu_power: dict[str, Any]  # normalized SKU -> GpuPower
    grids: dict[str, Any]  # lower-cased region -> GridIntensity
    scores: list[Any]  # QualityScore rows in catalog order

    @classmethod
    def of(cls, version: Any) -> PublishedFigures:
        from pricing.models import GpuPower, GridIntensity, QualityScore

        return cls(
            gpu_power={
                _norm(row.sku): row
                for row in GpuPower.objects.filter(version=version).select_related("source")
            },
            grids={
                row.region.lower(): row
                for row in GridIntensity.objects.filter(version=version).select_related("source")
            },
            scores=list(QualityScore.objects.filter(version=version).select_related("source")),
        )

    # --- energy ----------------------------------------------------------------------

    def grid_of(self, option: Any, machine_region: str) -> dict[str, Any] | None:
        """The option's grid: its own region, its GPU offer's, else the world average."""
        for region in (option.grid_region, machine_region, DEFAULT_GRID_REGION):
            row = self.grids.get((region or "").lower())
            if row is not None:
                return {
                    "region": row.region,
                    "g_co2e_per_kwh": float(row.g_co2e_per_kwh),
                    "year": row.year,
                    "source": row.source.key,
                    "source_description": row.source.description,
                    "chosen": "option"
                    if region == option.grid_region
                    else ("gpu_offer" if region == machine_region else "default"),
                }
        return None

    def energy_snapshot(
        self, option: Any, *, sku: str, version_pue: float | None
    ) -> dict[str, Any]:
        """A self-hosted option's power draw and grid. An owned fleet's draw is its
        finance's (server base, GPU TDP, PUE); only its grid is read from here."""
        own = _f(option.gpu_tdp_watts)
        row = self.gpu_power.get(_norm(sku))
        if own is not None:
            gpu = {"watts": own, "source": "option", "source_description": ""}
        elif row is not None:
            gpu = {
                "watts": float(row.tdp_w),
                "source": row.source.key,
                "source_description": row.source.description,
            }
        else:
            gpu = None
        pue = _f(option.pue)
        return {
            "gpu_power": gpu,
            "server_base_watts": float(option.server_base_watts or 0),
            "pue": pue if pue is not None else (version_pue or 1.0),
            "grid": self.grid_of(option, _offer_region(option)),
        }

    # --- quality ---------------------------------------------------------------------

    def _score(self, model: str, benchmark: str | None) -> Any | None:
        wanted = _norm(model)
        for row in self.scores:
            if _norm(row.model_name) == wanted and benchmark in (None, row.benchmark):
                return row
        return None

    def floor_snapshot(self, workload: Any) -> dict[str, Any] | None:
        """The workload's quality floor on the reference model's (first listed) benchmark."""
        reference = (getattr(workload, "quality_reference_model", "") or "").strip()
        share = getattr(workload, "quality_min_share", None)
        if not reference or share is None:
            return None
        row = self._score(reference, None)
        return {
            "reference": reference,
            "min_share": float(share),
            "benchmark": None if row is None else row.benchmark,
            "reference_score": None if row is None else float(row.score),
            "source": None if row is None else row.source.key,
            "source_description": None if row is None else row.source.description,
            "as_of": None if row is None or row.as_of is None else row.as_of.isoformat(),
        }

    def quality_snapshot(self, model: str | None, benchmark: str | None) -> dict[str, Any] | None:
        """A model's score on ``benchmark`` (None: its first listed one), with its source."""
        if not model:
            return None
        row = self._score(model, benchmark)
        if row is None:
            return None
        return {
            "model": row.model_name,
            "benchmark": row.benchmark,
            "score": float(row.score),
            "source": row.source.key,
            "source_description": row.source.description,
            "as_of": None if row.as_of is None else row.as_of.isoformat(),
        }


def add_figures(
    snaps: list[dict[str, Any]],
    options: list[Any],
    *,
    figures: PublishedFigures,
    workload: Any,
    version_pue: float | None,
) -> dict[str, Any] | None:
    """Add ``quality`` (every option) and ``selfhost.energy`` (self-hosted) to the option
    snapshots; return the workload's ``quality_floor`` snapshot (None without a floor)."""
    floor = figures.floor_snapshot(workload)
    benchmark = None if floor is None else floor["benchmark"]
    for snap, option in zip(snaps, options, strict=True):
        snap["quality"] = figures.quality_snapshot(option_model(snap), benchmark)
        sh = snap.get("selfhost")
        if sh is not None:
            machine = sh["machine"]
            sh["energy"] = figures.energy_snapshot(
                option, sku=machine["sku"], version_pue=version_pue
            )
    return floor


def _offer_region(option: Any) -> str:
    """The region of the option's catalog GPU offer ("" for owned or private offers)."""
    if option.gpu_offer_id:
        return str(option.gpu_offer.region or "")
    private = option.private_gpu_offer if option.private_gpu_offer_id else None
    if private is not None and private.replaces_id:
        return str(private.replaces.region or "")
    return ""


def option_model(snap: dict[str, Any]) -> str | None:
    """The model an option serves: the self-hosted model, or the API offer's model."""
    if "selfhost" in snap:
        return str(snap["selfhost"]["model_name"])
    if "api" in snap:
        return str(snap["api"].get("model_name") or snap["api"]["key"][0])
    return None


# --- snapshot -> engine inputs -----------------------------------------------------------


def quality_floor(inputs: dict[str, Any]) -> QualityFloor | None:
    floor = inputs.get("quality_floor")
    if not floor:
        return None
    return QualityFloor(
        reference=floor["reference"],
        min_share=floor["min_share"],
        reference_score=floor["reference_score"],
        benchmark=floor["benchmark"] or "",
        source=floor["source"] or "",
    )


def quality_score(snap: dict[str, Any], inputs: dict[str, Any]) -> float | None:
    """The option's score on the floor's benchmark (None without a floor, or unknown)."""
    floor = inputs.get("quality_floor")
    quality = snap.get("quality")
    if not floor or not quality or quality["benchmark"] != floor["benchmark"]:
        return None
    return float(quality["score"])


def power_draw(sh: dict[str, Any]) -> PowerDraw | None:
    """A rented fleet's power draw (None: no GPU power known, or an old snapshot)."""
    energy = sh.get("energy")
    if not energy or not energy["gpu_power"]:
        return None
    return PowerDraw(energy["gpu_power"]["watts"], energy["server_base_watts"], energy["pue"])


def grid_intensity(sh: dict[str, Any]) -> GridIntensity | None:
    energy = sh.get("energy")
    grid = None if not energy else energy["grid"]
    if not grid:
        return None
    return GridIntensity(grid["region"], grid["g_co2e_per_kwh"], grid["year"], grid["source"])
