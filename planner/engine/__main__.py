"""``python -m planner.engine quote|sweep``: the engine's stable command-line contract."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from planner.engine.contract import compute_quote, parse_quote, parse_sweep, sweep_rows
from planner.engine.errors import ScenarioError

QUOTE_HELP = """\
Read one JSON scenario on stdin, write one JSON result on stdout.

Input fields:
  tokens_per_month              tokens a month (or tokens_per_day, not both)
  tokens_per_day                tokens a day, times days_per_month (default 30)
  input_share                   fraction of tokens that are input (default 0.5)
  cached_share                  fraction of INPUT tokens read from cache (default 0)
  hours_per_month               hours in the month (default 720)
  cache_write_share             fraction of INPUT tokens written to the provider's cache
                                (default 0; cached_share + cache_write_share <= 1)
  batch_share, priority_share, flex_share
                                fraction of tokens bought on that service tier (default 0;
                                together <= 1; the rest is standard)
  long_context_shares           [{above_tokens, share}]: the fraction of tokens in requests
                                whose input exceeds above_tokens (lengths increasing, shares
                                not); a context tier at T reads the share stated at the
                                smallest above_tokens >= T (none: 0). Default: none
  api: {input_per_mtok,         per 1M tokens; omit input_per_mtok for an output-only offer
        output_per_mtok,        (required)
        cached_input_per_mtok,  price of cached input tokens
        cache_write_per_mtok,   price of input written to the cache (absent: input price)
        service_tiers: {batch|priority|flex: {input_per_mtok, output_per_mtok,
                        cached_input_per_mtok, cache_write_per_mtok}}  restated prices
                                (absent: the standard one); an absent tier is bought
                                at standard prices
        context_tiers: [{above_tokens, input_per_mtok, output_per_mtok,
                         cached_input_per_mtok, cache_write_per_mtok}]  the prices of a
                                request whose input exceeds above_tokens, on all its
                                tokens (the highest tier it exceeds); on a service tier
                                times that tier's ratio to the standard price
        availability}           e.g. 0.999
  selfhost: {monthly | hourly,  per replica; hourly x hours_per_month
             tokens_per_second, output tokens/s of one replica (required)
             utilization,       (0, 1], default 1: the share of tokens_per_second planned on
             hidden_monthly,    fixed extra cost a month (not per replica)
             hidden_multiplier, >= 1, applied to the GPU cost
             availability,      one replica's; with N replicas and no spare the fleet
                                serves its load availability^N of the time
             model: {params_b (required), precision (fp16|bf16|fp8|int8|int4, default
                     fp16), layers, kv_heads, head_dim (all three or none: the published
                     config; none estimates the KV cache at 20% of the weights),
                     max_context, attention (gqa|mla)},
             gpu_vram_gb,       memory of one GPU (required with model)
             context_tokens,    tokens a request holds in the KV cache (default: the
                                request_shape's input + output, else 4,096)
             concurrent_sequences}  requests a replica serves at once (default: the
                                highest measured concurrency, else 16)
                                with model: a replica of gpus_per_replica GPUs that cannot
                                hold weights + KV cache in 90% of each GPU is refused with
                                the GPUs it needs (selfhost.gpus_per_replica)
  downtime_cost_per_hour        required when an availability is given

Engine depth (optional; any of these switches it on and adds the depth output keys):
  lens                          "full" (default) or "marginal" (leaves out depreciation,
                                capital, installation, staff, implementation)
  analysis_months               period one-offs and owned hardware are spread over (36)
  selfhost: {headroom,          share of measured throughput planned on (default 0.9 with
                                engine depth; utilization is the headroom if given instead)
             peak_to_average,   >= 1, raises the replicas needed (default 1)
             gpus_per_replica, gpus_per_instance,   whole numbers (default 1, = replica)
             allow_multi_instance,  true lets a replica span instances (default false)
             billing: {mode: always_on|window|scale_to_zero, window_hours, buffer},
                                scale_to_zero bills the instance-hours the replicas busy
                                at the same time keep up (the busy hours spread evenly
                                over the month, packed onto as few instances as possible)
             ops_fte, ops_fte_monthly_cost, implementation_one_off}
             (monthly | hourly is then per instance; hidden_monthly a flat "other" line)
  owned: {server_price (required), gpus_per_server (8), allow_multi_server,
          tokens_per_second (default the selfhost one), installation_per_server,
          installation_policy  "capitalised" (default: in the servers' book value,
                               depreciated over the useful life, inside the cost of
                               capital) or "expensed" (charged in full at every purchase),
          useful_life_years (3), residual_value (share), cost_of_capital (a year),
          maintenance_per_year (share of price), server_base_watts (drawn whatever
          the load), gpu_tdp_watts (a GPU at full load),
          gpu_load             share of the GPUs' full power drawn on average; default:
                               the hours the tokens take at the measured throughput
          pue, usd_per_kwh, facilities_per_server_monthly, facilities_shared_monthly,
          ops_fte, ops_fte_monthly_cost, implementation_one_off, name}
          (the quote defaults none of these from a catalog: an empty figure is 0)
  availability_target           e.g. 0.999: spares (N+k), then regions, priced in
                                (not with scale_to_zero billing)
  replica_availability          required with availability_target (instead of
                                selfhost.availability, not with it)
  region_availability           caps one region (default 1)

Energy and carbon (optional; any of these adds the "energy" output key):
  selfhost: {gpu_watts,         one GPU of the rented fleet at full load (its TDP), W
             server_base_watts, one instance without its GPUs' load, W (default 0)
             pue}               power usage effectiveness, >= 1 (default 1)
  grid_g_co2e_per_kwh           the servers' grid, grams CO2e per kWh (for the carbon)
  (owned servers draw owned.gpu_tdp_watts per installed GPU and owned.server_base_watts
  per server all month, x owned.pue: the kWh their energy line prices)
Request shape and latency (optional; without request_shape nothing below changes):
  request_shape: {input_tokens,   average tokens of one request, each >= 1 (or a preset:
                  output_tokens}  {"preset": "chat_assistant" | "rag" | "agentic_tool_use"
                                  | "batch_summarisation"}); the input share then follows:
                                  input / (input + output), so input_share is not given
  latency_p99_target_s          end-to-end p99 of one request, seconds
  ttft_p99_target_s             time to first token, p99, seconds
  tpot_p99_target_s             time per output token, p99, seconds
  selfhost: {concurrent_sequences,   requests a replica serves at once, where
                                tokens_per_second was measured (its decode rate then)
             prefill_tokens_per_second,   input tokens/s the replica prefills
             ttft_p50_s, ttft_p99_s, tpot_p50_s, tpot_p99_s,   measured there, seconds
             profile: [{concurrent_sequences, tokens_per_second,
                        prefill_tokens_per_second, ttft_p50_s, ...}]}   other measured
                                concurrencies (needs concurrent_sequences)
  With selfhost.model too, a request's context is input + output tokens and the replica
  holds the requests its profile plans to serve at once (unless given).
  With a shape, a replica serves (i + o) / (i / prefill + o / decode) tokens/s: a request
  takes i / prefill + o / decode seconds of it (no prefill rate: the decode rate, so every
  token counts at tokens_per_second, as without a shape). Latency at concurrency c:
  end to end p50 = c x that time (Little's law), TTFT = i / prefill, TPOT the rest per
  output token; measured TTFT / TPOT replace the estimates; p99 = measured, else p50 x 2.
  Between measured concurrencies figures interpolate linearly; nothing is extrapolated.
  A latency target first lowers the concurrency (more replicas, each less loaded), down to
  the lowest measured; what is still missed is listed in unmet_targets.

How it is priced: the quote is one scenario of the engine's composition (the options
"api", "selfhost" and, with owned, "owned"), the same cost model a plan uses: replicas
sized for the peak at the planned share of throughput, packed into instances or
servers, with the reserve the availability target needs, in the chosen lens.

Output fields (quote_version 2; every version-1 key keeps its meaning):
  api_monthly, selfhost_monthly   USD a month, to the cent
  capacity_tokens_per_month       what ONE replica carries a month (average load)
  replicas                        replicas of the self-host fleet, reserve included
  breakeven_tokens_per_month      where ONE deployment (one replica, with its reserve)
                                  costs the same as the API: the first crossing where
                                  self-hosting becomes cheaper, if one replica carries
                                  that volume; else null
  breakeven_reason                why, in words (and from which volume more replicas win)
  cheaper                         "api" or "selfhost"; ratio: dearer / cheaper
  selfhost_cost_per_mtok          self-hosting's cost per 1M tokens served
  api_downtime_cost, selfhost_downtime_cost   with an availability (null for the other)
  crossings                       [{volume, cheaper_above, cheaper_below}] every volume in
                                  [0, crossings_limit] where the cheaper of two options
                                  changes, for every pair of options, by volume; volume
                                  is the first whole token from which cheaper_above
                                  costs no more
  crossings_limit                 how far they are searched: 100x the workload, at least
                                  10B and at most 1T tokens/month (as a plan), at most
                                  1,000 replica steps, never below one replica's capacity
  crossings_error                 {"a/b": reason} only for a pair that could not be searched
  selfhost_wins_from_tokens_per_month   the first crossing where self-hosting becomes
                                  cheaper than the API at any fleet size (0: from the
                                  start), or null; later crossings may lose it again
  fit                             with selfhost.model: {weights_gb, kv_cache_gb, needed_gb,
                                  usable_per_gpu_gb, context_tokens, concurrent_sequences,
                                  architecture_known, gpus_needed, gpus_per_replica,
                                  tensor_parallel, nodes}
  api_parts                       with any of the fields above from cache_write_share
                                to context_tiers: the API bill by part, USD a month
                                {standard, batch, priority, flex, cache_read,
                                cache_write, long_context}; standard and each service
                                tier hold uncached input + output below every context
                                threshold, the cache parts the cached / written input,
                                long_context what the context tiers add; they sum to
                                api_monthly (to the cent, each rounded)
  quote_version                   2 (absent: version 1, before the crossings)
With request_shape also: request_shape {input_tokens, output_tokens, input_share},
requests_per_month, requests_per_day, unit_costs {api, selfhost[, owned]: {per_mtok,
per_request, per_1k_requests}} and selfhost_serving (owned_serving) {concurrency (each
replica runs at), planned_concurrency, tokens_per_second (of the shape, what the
capacity uses), requests_per_second, decode_tokens_per_second, prefill_tokens_per_second,
prefill_measured, latency {ttft_p50_s, ttft_p99_s, tpot_p50_s, tpot_p99_s, e2e_p50_s,
e2e_p99_s, measured} (null: no concurrency stated), resized_for, unmet_targets}.
capacity_tokens_per_month is then what one replica carries of the shape.
With engine depth also: lens, analysis_months, selfhost_detail {monthly,
replicas_needed, instances, gpus, billed_instance_hours, lines {key: {monthly,
in_lens}}, reserve}, owned_monthly and owned_detail (with owned: also
installation_policy, capitalised (a purchase's first book value), gpu_load,
energy_kwh (a month at the meter)), cheapest,
first_winning_volume {rented_beats_api, owned_beats_api, rented_cheapest_overall,
owned_cheapest_overall: {volume, holds_to_limit, lost_at, wins_for_good_from, limit,
reason}} (or null with first_winning_volume_error).
With energy inputs also: energy {api, selfhost, owned (with owned)}: each null when
unknown (an API publishes no figure; a rented fleet without gpu_watts), else
{kwh_per_month, kg_co2e_per_month (null without grid_g_co2e_per_kwh), gpu_load,
gpu_hours, machine_hours, gpu_watts, server_base_watts, pue}, where
kWh = (gpu_watts x gpu_load x gpu_hours + server_base_watts x machine_hours) x pue / 1000,
gpu_hours are the GPU-hours running (instance-hours billed x GPUs an instance) and
gpu_load the share of them the volume keeps busy; kg CO2e = kWh x grams/kWh / 1000.

Example:
  echo '{"tokens_per_month": 1e9, "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
         "selfhost": {"monthly": 1440, "tokens_per_second": 1500}}' | python -m planner.engine quote
"""

SWEEP_HELP = """\
Read a JSON grid spec on stdin, write CSV on stdout (one row per grid point).

Grid spec:
  volumes        tokens/month: a list, or {"start", "stop", "num", "scale": "linear"|"log"}
  input_shares   list or {"start", "stop", "num"} (default [0.5])
  utilizations   list or {"start", "stop", "num"} (default [1])
  cached_share   fraction of input tokens from cache (default 0)
  cache_write_share, batch_share, priority_share, flex_share, long_context_shares
                 how the API tokens are bought, as in a quote (default none)
  hours_per_month  default 720
  api            list of {"name", "input_per_mtok"?, "output_per_mtok", "cached_input_per_mtok"?,
                          "cache_write_per_mtok"?, "service_tiers"?, "context_tiers"? (as a
                          quote's api)}
  selfhost       list of {"name", "monthly" | "hourly", "tokens_per_second",
                          "hidden_monthly"?, "hidden_multiplier"?,
                          "implementation_one_off"? (spread over analysis_months)}
  analysis_months  period one-off costs are spread over (default 36)
  peak_to_average  the workload's peak hour over its average (default 1): sizes replicas
  availability_target  optional, e.g. 0.999: spares (and regions) priced as a plan does,
                 each replica up 99% of the time
  lens           "full" (default) or "marginal" (leaves out staff and one-offs)
  start, stop    optional: only grid points [start, stop) (volume-major, utilization fastest)

Each point is priced as a plan / quote prices that scenario (the engine's composition):
a self-host option is a fleet of one-GPU replicas, each planned at the point's
utilization of its tokens_per_second, replicas = max(1, ceil(volume x peak_to_average /
replica capacity)). Without the three keys above the figures are those of before.

CSV columns: volume, input_share, utilization, api:<name>..., selfhost:<name>...,
replicas:<name>... (needed at the peak, spares not counted), cheapest (money in dollars
and cents).

Example:
  echo '{"volumes": {"start": 1e7, "stop": 1e10, "num": 4, "scale": "log"},
         "api": [{"name": "gpt-5", "input_per_mtok": 1.25, "output_per_mtok": 10}],
         "selfhost": [{"name": "a100", "monthly": 1440, "tokens_per_second": 1500}]}' \\
    | python -m planner.engine sweep
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planner.engine",
        description="Breakeven TCO engine: API vs self-hosting LLM costs.",
        epilog="Invalid input exits with status 2 and one line 'error: <field>: <message>'.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{quote,sweep}")
    for name, text, summary in (
        ("quote", QUOTE_HELP, "price one scenario (JSON in, JSON out)"),
        ("sweep", SWEEP_HELP, "price a grid of scenarios (JSON in, CSV out)"),
    ):
        commands.add_parser(
            name,
            help=summary,
            description=text,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = f"{parser.epilog}\n\nquote:\n{QUOTE_HELP}\nsweep:\n{SWEEP_HELP}"
    return parser


def _read_json(stdin: TextIO) -> object:
    text = stdin.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError(
            "input", f"invalid JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None


def main(
    argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    args = _parser().parse_args(argv)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        data = _read_json(stdin)
        if args.command == "quote":
            result = compute_quote(parse_quote(data))
            stdout.write(json.dumps(result, allow_nan=False) + "\n")
        else:
            writer = csv.writer(stdout, lineterminator="\n")
            writer.writerows(sweep_rows(parse_sweep(data)))
    except ScenarioError as error:
        print(f"error: {error.field}: {error.message}", file=sys.stderr)
        return 2
    except (ArithmeticError, ValueError):
        # Inputs valid one by one can still overflow together (1e308 tokens x a price),
        # as POST /api/v1/quote answers with a 400.
        print("error: input: the numbers are too large to compute a quote", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
