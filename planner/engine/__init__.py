"""Breakeven's TCO engine: what LLM APIs vs self-hosted open-weight models cost.

Pure Python (standard library + NumPy), no Django: inputs and outputs are frozen
dataclasses (or arrays for sweeps), money is float64 until it is rounded to cents at the
edge (``contract``). Bad inputs raise ``errors.ScenarioError(field, message)``, a
``ValueError`` naming the field. A month is 30 days / 720 hours unless given.

Modules:

* ``units`` - month/hour constants, ``format_tokens``.
* ``tokens`` - ``monthly_tokens``, ``split_tokens`` -> ``TokenSplit``.
* ``api`` - ``ApiOffer`` (output-only offers, cached input, graduated ``PriceTier``),
  ``blended_price_per_mtok``, ``api_monthly_cost``, ``api_tokens_for_spend``.
* ``shape`` - ``RequestShape`` (input / output tokens a request; the input share follows),
  ``SHAPE_PRESETS`` (chat assistant, RAG, agentic tool use, batch summarisation),
  ``requests_for``, ``cost_per_request``.
* ``latency`` - ``ServingProfile`` of ``ProfilePoint`` (concurrency, decode and prefill
  rates, TTFT / TPOT), ``serve`` -> ``ServingEstimate`` (capacity for a request shape,
  p50 / p99 latency, latency targets that lower the concurrency), ``phase_rates_of_run``.
* ``sizing`` - ``weights_vram_gb``, ``vram_needed_gb``, ``gpus_needed``, ``size_model``.
* ``capacity`` - ``capacity_tokens_per_month``, ``aggregate_tokens_per_second``,
  ``replicas_needed``, ``busy_hours``, ``cost_per_mtok``, ``cost_per_mtok_at_utilization``.
* ``selfhost`` - pricing (``OnDemandRate``, ``SpotRate``, ``ReservedRate``,
  ``OwnedHardware``, ``FlatMonthly``), ``Billing`` modes, ``SelfHostConfig``,
  ``rental_cost``, ``selfhost_cost`` -> ``SelfHostCost``.
* ``hidden`` - ``HiddenCostItem`` by ``HiddenCostKind``, ``hidden_monthly``,
  ``total_with_hidden``, ``idle_cost``.
* ``breakeven`` - ``breakeven_volume`` -> ``BreakEven`` (``None`` plus a reason when
  beyond one deployment's capacity or the API is free).
* ``hybrid`` - ``hybrid_cost`` -> ``HybridResult`` (routing share, escalations).
* ``reliability`` - ``downtime_hours``, ``downtime_cost``, ``combined_availability``,
  ``compare_reliability``.
* ``outcome`` - ``outcome_cost`` (success rate, retries, human correction), ``attempt_cost``.
* ``roi`` - ``engineering_roi``, ``engineering_cost``.
* ``uncertainty`` - ``Range``, ``estimate`` (low/expected/high), ``monte_carlo``,
  ``monte_carlo_quote`` (P10/P50/P90, P(self-host cheaper); seeded).
* ``recommend`` - ``recommend(Situation, [CostedOption])`` -> ``Recommendation`` with
  structured ``Reason``s (code, message, figures).
* ``sweep`` - ``SweepSpec``, ``evaluate_chunk`` -> ``SweepChunkResult``, ``breakeven_grid``,
  ``summarize`` -> ``SweepSummary`` (cheapest map, frontier), ``chunk_bounds``.
* ``fleet`` - ``Serving`` (headroom once, peak-to-average), ``pack_replicas`` ->
  ``Packing``, ``Lens`` (full / marginal), ``CostLine``.
* ``reserve`` - ``deployment_availability``, ``AvailabilityTarget``, ``plan_reserve`` ->
  ``ReservePlan`` (N+k spares, then regions).
* ``rented`` - ``RentedCapacity`` (per-instance pricing, packing, billing modes),
  ``rented_cost`` -> ``RentedCost`` (line items, lens, reserve line).
* ``owned`` - ``ServerFinance``, ``owned_cost`` -> ``OwnedCost`` (depreciation with
  replacement, residual, capital, maintenance, energy, facilities, staff, one-offs).
* ``crossover`` - ``CostCurve`` (``api_curve``, ``rented_curve``, ``owned_curve``,
  ``step_curve``), ``first_win`` -> ``FirstWin``, ``crossovers`` -> milestones.
* ``forecast`` - ``forecast`` -> ``Forecast`` (growth, price declines, break-even,
  payback and budget months).
* ``sensitivity`` - ``SensitivityBase``, ``Swing``, ``tornado`` -> ``Tornado``.
* ``contract`` - ``parse_quote`` / ``compute_quote`` and ``parse_sweep`` / ``sweep_rows``:
  the JSON contract behind ``python -m planner.engine`` and POST /api/v1/quote.
"""

from planner.engine.errors import ScenarioError

__all__ = ["ScenarioError"]
