"""Pinned figures of the quote contract's output (issue 19: mutation survivors in contract.py).

The base quote is case 4: 1B tokens a month, GPT-5 at $1.25 / $10 per 1M (5.625 $/M at
50/50: $5,625 a month) against one replica at $1,440 a month serving 1,500 tok/s (3.888B
tokens a month at full use). Each test changes one thing and derives what must change.
"""

from __future__ import annotations

from typing import Any

from planner.engine.contract import cents, compute_quote, parse_quote, parse_sweep, sweep_rows


def quote(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tokens_per_month": 1e9,
        "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
        "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
    }
    for key, value in changes.items():
        if isinstance(value, dict) and key in ("api", "selfhost"):
            merged = {**data[key], **value}
            data[key] = {k: v for k, v in merged.items() if v is not None}
        elif value is None:
            data.pop(key)
        else:
            data[key] = value
    return compute_quote(parse_quote(data))


def test_depth_quote_with_reserve_and_owned_every_key() -> None:
    result = quote(
        selfhost={
            "monthly": None,
            "hourly": 2,
            "headroom": 1.0,
            "ops_fte": 0.1,
            "ops_fte_monthly_cost": 10_000,
        },
        lens="full",
        availability_target=0.999,
        replica_availability=0.99,
        owned={"server_price": 36_000, "gpus_per_server": 1, "useful_life_years": 3},
    )
    # Rented: one replica at $2 x 720 = $1,440; a 99.9% target on 99% replicas needs
    # one spare (at least one of two up: 1 - 0.01^2 = 99.99%), $1,440 more; staff
    # 0.1 x $10,000 = $1,000: $3,880.
    assert (result["selfhost_monthly"], result["replicas"]) == (3880.0, 2)
    assert (result["lens"], result["analysis_months"]) == ("full", 36.0)
    assert result["selfhost_cost_per_mtok"] == 3.88
    # 5,625 / 3,880 = 1.44974
    assert (result["cheaper"], result["ratio"]) == ("selfhost", 1.4497)
    detail = result["selfhost_detail"]
    assert {k: detail[k] for k in ("monthly", "replicas_needed", "instances", "gpus")} == {
        "monthly": 3880.0,
        "replicas_needed": 1,
        "instances": 2,
        "gpus": 2,
    }
    assert detail["billed_instance_hours"] == 1440.0  # two instances x 720 h
    assert detail["lines"] == {
        "compute": {"monthly": 1440.0, "in_lens": True},
        "other": {"monthly": 0.0, "in_lens": True},
        "staff": {"monthly": 1000.0, "in_lens": True},
        "implementation": {"monthly": 0.0, "in_lens": True},
        "reserve": {"monthly": 1440.0, "in_lens": True},
    }
    assert detail["reserve"] == {
        "spares": 1,
        "regions": 1,
        "total_replicas": 2,
        "availability": 0.9999,
        "base_availability": 0.99,
        "target": 0.999,
        "monthly": 1440.0,
    }
    # Owned: $36,000 over 3 years = $1,000 a month a server; two servers (one a spare),
    # bought once ($72,000), book value from $36,000 on average to nothing at the end.
    assert result["owned_monthly"] == 2000.0
    owned = result["owned_detail"]
    assert {k: owned[k] for k in owned if k not in ("lines", "reserve")} == {
        "monthly": 2000.0,
        "replicas_needed": 1,
        "servers": 2,
        "gpus": 2,
        "purchases": 1,
        "last_life_share": 1.0,
        "acquisition": 72000.0,
        "average_book_value": 36000.0,
        "book_value_at_end": 0.0,
        # Installation (none here) is capitalised by default: the first book value is
        # the two servers' $72,000. The GPUs work 1e9 / (2 x 3.888e9) = 12.8601% of their
        # hours (the spare shares the load); no power is given: 0 kWh.
        "installation_policy": "capitalised",
        "capitalised": 72000.0,
        "gpu_load": 0.128601,
        "energy_kwh": 0.0,
    }
    assert owned["lines"]["depreciation"] == {"monthly": 1000.0, "in_lens": True}
    assert owned["lines"]["reserve"] == {"monthly": 1000.0, "in_lens": True}
    assert owned["reserve"]["monthly"] == 1000.0
    assert result["cheapest"] == "owned"
    # The API reaches $3,880 at 3,880 / 5.625 x 1M = 689,777,777.8 tokens, and $2,000
    # at 355,555,555.6: each wins from the next whole token, up to the 100B limit.
    wins = result["first_winning_volume"]
    assert wins["rented_beats_api"] == {
        "volume": 689_777_778,
        "holds_to_limit": True,
        "lost_at": None,
        "wins_for_good_from": 689_777_778,
        "limit": 100_000_000_000,
        "reason": (
            "rented costs no more than api from 689.8M tokens/month, and stays so up to "
            "100B tokens/month"
        ),
    }
    assert wins["owned_beats_api"]["volume"] == 355_555_556
    assert wins["rented_cheapest_overall"]["volume"] is None  # owned is always cheaper
    assert wins["rented_cheapest_overall"]["reason"] == (
        "rented never costs no more than every other option up to 100B tokens/month"
    )
    assert wins["owned_cheapest_overall"]["volume"] == 355_555_556
    assert result["crossings"] == [
        {"volume": 355_555_556, "cheaper_above": "owned", "cheaper_below": "api"},
        {"volume": 689_777_778, "cheaper_above": "selfhost", "cheaper_below": "api"},
    ]
    assert result["crossings_limit"] == 100_000_000_000
    assert result["breakeven_tokens_per_month"] == 689_777_778
    assert result["breakeven_reason"] == (
        "self-hosting ($3,880.00/month fixed) costs the same as the API at 689.8M "
        "tokens/month; below that the API is cheaper"
    )
    assert result["selfhost_wins_from_tokens_per_month"] == 689_777_778
    assert result["quote_version"] == 2
    assert "crossings_error" not in result


def test_without_a_reserve_the_depth_detail_says_none() -> None:
    result = quote(lens="marginal")
    assert result["selfhost_detail"]["reserve"] is None
    assert "owned_detail" not in result


def test_free_self_hosting_breaks_even_at_zero() -> None:
    result = quote(selfhost={"monthly": 0})
    assert result["breakeven_tokens_per_month"] == 0
    assert result["breakeven_reason"] == (
        "self-hosting costs nothing, so it is never dearer than the API"
    )
    # $5,625 over $0: no ratio.
    assert (result["ratio"], result["cheaper"]) == (None, "selfhost")
    assert result["selfhost_wins_from_tokens_per_month"] == 0


def test_a_free_api_never_loses() -> None:
    result = quote(api={"input_per_mtok": 0, "output_per_mtok": 0})
    assert result["breakeven_tokens_per_month"] is None
    assert result["breakeven_reason"] == (
        "the API is free at this mix: self-hosting never breaks even"
    )
    assert (result["ratio"], result["cheaper"]) == (None, "api")
    # Both free: equal, so the ratio is 1 and the tie goes to the API.
    both = quote(api={"input_per_mtok": 0, "output_per_mtok": 0}, selfhost={"monthly": 0})
    assert (both["ratio"], both["cheaper"]) == (1.0, "api")


def test_a_tie_goes_to_the_api() -> None:
    # $5,625 a month either way: 1B tokens is exactly the break-even.
    result = quote(selfhost={"monthly": 5625})
    assert (result["ratio"], result["cheaper"]) == (1.0, "api")
    assert result["breakeven_tokens_per_month"] == 1_000_000_000
    assert result["breakeven_reason"] == (
        "self-hosting ($5,625.00/month fixed) costs the same as the API at 1B "
        "tokens/month; below that the API is cheaper"
    )


def test_zero_volume_has_no_cost_per_token() -> None:
    result = quote(tokens_per_month=0)
    assert (result["api_monthly"], result["selfhost_monthly"]) == (0.0, 1440.0)
    assert result["selfhost_cost_per_mtok"] is None
    assert result["ratio"] is None  # $1,440 over $0
    assert result["cheaper"] == "api"


def test_break_even_past_one_deployment_says_why_and_where_more_replicas_win() -> None:
    # $30,000 a replica: the API reaches it at 30,000 / 5.625 = 5.333B tokens, past one
    # replica's 3.888B; two replicas ($60,000) are never reached before the API's
    # $5.625/M outgrows them... at 3.888B the API costs $21,870 < $30,000: never.
    result = quote(selfhost={"monthly": 30_000})
    assert result["breakeven_tokens_per_month"] is None
    assert result["breakeven_reason"] == (
        "break-even 5.333B tokens/month exceeds the deployment's capacity of 3.888B "
        "tokens/month: self-hosting on this deployment never breaks even"
    )
    assert result["selfhost_wins_from_tokens_per_month"] is None
    # $21,000 + $3,000 flat: one replica ($24,000) would need 4.267B tokens; n replicas
    # cost 21,000 n + 3,000, which the API reaches at (21,000 n + 3,000) / 5.625 M
    # inside the n-th replica's range from n = 4: (84,000 + 3,000) / 5.625 = 15.47B.
    result = quote(selfhost={"monthly": 21_000, "hidden_monthly": 3000})
    assert result["breakeven_reason"] == (
        "break-even 4.267B tokens/month exceeds the deployment's capacity of 3.888B "
        "tokens/month: self-hosting on this deployment never breaks even; with more "
        "replicas self-hosting costs no more than the API from 15.47B tokens/month"
    )
    assert result["selfhost_wins_from_tokens_per_month"] == 15_466_666_667


def test_scale_to_zero_break_even_is_priced_at_that_volume() -> None:
    # A flat $1,440 billed scale-to-zero costs $1,440 at any volume: the API reaches it
    # at 256M. The capacity is the depth default's 90% of 1,500 tok/s: 3.4992B.
    result = quote(selfhost={"billing": {"mode": "scale_to_zero"}})
    assert result["breakeven_tokens_per_month"] == 256_000_000
    assert result["breakeven_reason"] == (
        "self-hosting ($1,440.00/month at that volume) costs the same as the API at 256M "
        "tokens/month; below that the API is cheaper"
    )
    assert result["capacity_tokens_per_month"] == 3_499_200_000


def test_capacity_is_one_replica_at_the_average_load() -> None:
    # Peak twice the average (a depth field: headroom 0.9): 1,500 x 0.9 x 2.592M / 2.
    assert quote(selfhost={"peak_to_average": 2})["capacity_tokens_per_month"] == 1_749_600_000
    # A 730-hour month: $2 x 730 = $1,460, 1,500 x 3,600 x 730 = 3.942B.
    result = quote(hours_per_month=730, selfhost={"monthly": None, "hourly": 2})
    assert result["selfhost_monthly"] == 1460.0
    assert result["capacity_tokens_per_month"] == 3_942_000_000
    assert result["breakeven_tokens_per_month"] == 259_555_556  # 1,460 / 5.625 x 1M


def test_downtime_keys_appear_with_an_availability() -> None:
    # 99.9% of 720 h: 0.72 h down x $100 = $72; a 99% replica: 7.2 h = $720.
    api_only = quote(api={"availability": 0.999}, downtime_cost_per_hour=100)
    assert (api_only["api_downtime_cost"], api_only["selfhost_downtime_cost"]) == (72.0, None)
    fleet_only = quote(selfhost={"availability": 0.99}, downtime_cost_per_hour=100)
    assert (fleet_only["api_downtime_cost"], fleet_only["selfhost_downtime_cost"]) == (None, 720.0)
    assert "api_downtime_cost" not in quote()


def test_the_search_limit_of_a_very_slow_replica() -> None:
    # A 1e-6 tok/s replica carries 2.592 tokens a month: the search stops after 1,000
    # such steps, 2,592 tokens (2,591.99... in floating point, cut to whole tokens).
    result = quote(selfhost={"tokens_per_second": 1e-6})
    assert result["crossings_limit"] == 2591
    assert "crossings_error" not in result


def test_cents_round_half_up_from_the_shortest_decimal() -> None:
    # 1.005 is 1.00499999... in binary; its shortest repr "1.005" rounds half up.
    assert cents(1.005) == 1.01
    assert cents(-2.675) == -2.68
    assert cents(1e300) == 1e300


def test_sweep_rows_in_chunks() -> None:
    spec = {
        "volumes": [1e8, 1e9, 1e10],
        "api": [{"name": "gpt", "input_per_mtok": 1.25, "output_per_mtok": 10}],
        "selfhost": [{"name": "a100", "monthly": 1440, "tokens_per_second": 1500}],
        "start": 1,
    }
    rows = list(sweep_rows(parse_sweep(spec), chunk_size=1))
    # Points 1 and 2 only (start 1), one chunk each; 1e10 tokens need 3 replicas
    # (3.888B each): $4,320 against the API's $56,250.
    assert rows == [
        [
            "volume",
            "input_share",
            "utilization",
            "api:gpt",
            "selfhost:a100",
            "replicas:a100",
            "cheapest",
        ],
        ["1000000000.0", "0.5", "1.0", "5625.00", "1440.00", "1", "a100"],
        ["10000000000.0", "0.5", "1.0", "56250.00", "4320.00", "3", "a100"],
    ]


def test_a_break_even_exactly_at_one_replicas_capacity_is_reachable() -> None:
    # One replica carries 3.888B tokens, where the API costs 3.888e9 x 5.625e-6 =
    # $21,870 and one token less $21,869.999994; a replica at $21,869.999997 is first no
    # dearer at exactly 3,888,000,000 tokens: one deployment breaks even at its capacity.
    result = quote(selfhost={"monthly": 21_869.999997})
    assert result["breakeven_tokens_per_month"] == 3_888_000_000
    assert result["selfhost_wins_from_tokens_per_month"] == 3_888_000_000


def test_scale_to_zero_dearer_per_token_than_the_api_never_breaks_even() -> None:
    # $100/h at 1,500 tok/s planned at 90% (a depth field is given): 100 / (1,500 x 0.9 x
    # 3,600) x 1M = $20.58 per 1M tokens, above the API's 5.625.
    result = quote(selfhost={"monthly": None, "hourly": 100, "billing": {"mode": "scale_to_zero"}})
    assert result["breakeven_tokens_per_month"] is None
    assert result["breakeven_reason"] == (
        "the API's price per 1M tokens never exceeds self-hosting's ($20.58): self-hosting "
        "never breaks even"
    )


def test_the_reason_prices_the_api_at_the_quote_input_share() -> None:
    # At 70% input GPT-5 blends to 0.7 x 1.25 + 0.3 x 10 = 3.875 $/M: a $30,000 replica
    # would need 30,000 / 3.875 = 7.742B tokens.
    result = quote(input_share=0.7, selfhost={"monthly": 30_000})
    assert result["breakeven_reason"].startswith(
        "break-even 7.742B tokens/month exceeds the deployment's capacity of 3.888B"
    )


def test_figures_keep_their_stated_decimal_places() -> None:
    # $1,440 over 700M tokens = 2.0571428 $/M: four places.
    assert quote(tokens_per_month=7e8)["selfhost_cost_per_mtok"] == 2.0571
    # A 240.123456-hour window: billed hours to four places.
    window = quote(
        selfhost={
            "monthly": None,
            "hourly": 2,
            "billing": {"mode": "window", "window_hours": 240.123456},
        }
    )
    assert window["selfhost_detail"]["billed_instance_hours"] == 240.1235
    # A server bought for 2.9 years over a 36-month analysis: a second purchase serves
    # (36 - 34.8) / 34.8 = 0.0344828 of its life (six places). Energy with the GPUs
    # loaded 12.3457%: (100 W + 700 W x 0.123457) x 720 h / 1,000 = 134.222 kWh (two
    # places).
    owned = quote(
        owned={
            "server_price": 36_000,
            "gpus_per_server": 1,
            "useful_life_years": 2.9,
            "server_base_watts": 100,
            "gpu_tdp_watts": 700,
            "gpu_load": 0.123457,
            "usd_per_kwh": 0.1,
        }
    )["owned_detail"]
    assert (owned["last_life_share"], owned["energy_kwh"], owned["gpu_load"]) == (
        0.034483,
        134.22,
        0.123457,
    )
    # Two replicas needed at 99.3% each with two spares: at least two of four up,
    # 1 - (0.007^4 + 4 x 0.993 x 0.007^3) = 0.99999864 (eight places); without spares
    # 0.993^2 = 0.986049.
    reserve = quote(tokens_per_month=5e9, availability_target=0.9999, replica_availability=0.993)[
        "selfhost_detail"
    ]["reserve"]
    assert (reserve["availability"], reserve["base_availability"]) == (0.99999864, 0.986049)
    assert (reserve["spares"], reserve["total_replicas"]) == (2, 4)


def test_tokens_per_day_over_a_31_day_month() -> None:
    # 1e8 tokens a day x 31 days = 3.1e9 tokens: $17,437.50 at 5.625 $/M.
    result = quote(tokens_per_month=None, tokens_per_day=1e8, days_per_month=31)
    assert result["api_monthly"] == 17437.5


def test_stated_availabilities_price_the_downtime() -> None:
    # The API at 99%: 7.2 h down x $100 = $720; one replica at 95%: 36 h = $3,600.
    result = quote(
        api={"availability": 0.99}, selfhost={"availability": 0.95}, downtime_cost_per_hour=100
    )
    assert (result["api_downtime_cost"], result["selfhost_downtime_cost"]) == (720.0, 3600.0)


def test_a_region_cap_takes_a_second_region() -> None:
    # Replicas up 99%, a region up 99.95%: spares bring one region at most to 99.95%,
    # short of 99.99%. Two regions of one replica (1 - (1 - 0.99 x 0.9995)^2 = 99.989%)
    # fall short too; the cheapest that meets it is three regions of one replica (3
    # replicas, fewer than two regions of two): 1 - 0.010495^3 = 0.99999884.
    result = quote(
        availability_target=0.9999, replica_availability=0.99, region_availability=0.9995
    )
    reserve = result["selfhost_detail"]["reserve"]
    assert (reserve["regions"], reserve["spares"], reserve["total_replicas"]) == (3, 0, 3)
    assert reserve["availability"] == 0.99999884
    assert result["selfhost_monthly"] == 3 * 1440.0


def test_staff_needs_both_the_share_of_a_person_and_the_cost() -> None:
    # A depth quote: no ops_fte means no staff line, whatever a person costs, and a
    # share without a cost costs nothing.
    cost_only = quote(selfhost={"ops_fte_monthly_cost": 10_000})
    assert cost_only["selfhost_detail"]["lines"]["staff"]["monthly"] == 0.0
    share_only = quote(selfhost={"ops_fte": 0.5})
    assert share_only["selfhost_detail"]["lines"]["staff"]["monthly"] == 0.0
    both = quote(selfhost={"ops_fte": 0.5, "ops_fte_monthly_cost": 10_000})
    assert both["selfhost_detail"]["lines"]["staff"]["monthly"] == 5000.0


def test_a_replica_may_span_instances_when_allowed() -> None:
    # Two GPUs a replica on one-GPU instances ($1,440 each): two instances a replica.
    result = quote(
        selfhost={"gpus_per_replica": 2, "gpus_per_instance": 1, "allow_multi_instance": True}
    )
    assert result["selfhost_monthly"] == 2880.0
    assert result["selfhost_detail"]["instances"] == 2
