"""The command-line contract, through a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASE_4 = {
    "tokens_per_month": 1e9,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planner.engine", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_quote_valid() -> None:
    result = run("quote", stdin=json.dumps(CASE_4))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["api_monthly"] == 5625.0
    assert out["breakeven_tokens_per_month"] == 256_000_000
    assert out["cheaper"] == "selfhost"
    assert out["quote_version"] == 2
    assert out["crossings"] == [
        {"volume": 256_000_000, "cheaper_above": "selfhost", "cheaper_below": "api"}
    ]
    assert out["selfhost_wins_from_tokens_per_month"] == 256_000_000


def test_quote_depth_with_owned_lists_every_pair() -> None:
    # Rented at $2/h is $1,440 a month; owned $36,000 over 36 months is $1,000. The API's
    # $5.625/M reaches them at 256M and 177,777,778 (1,000 / 5.625e-6 = 177,777,777.8);
    # owned stays below rented at every volume, so that pair never crosses.
    data = dict(
        CASE_4,
        selfhost={"hourly": 2, "tokens_per_second": 1500, "headroom": 1.0},
        owned={"server_price": 36_000, "gpus_per_server": 1},
    )
    result = run("quote", stdin=json.dumps(data))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["crossings"] == [
        {"volume": 177_777_778, "cheaper_above": "owned", "cheaper_below": "api"},
        {"volume": 256_000_000, "cheaper_above": "selfhost", "cheaper_below": "api"},
    ]
    assert out["owned_monthly"] == 1000.0
    assert out["cheapest"] == "owned"


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        (
            '{"tokens_per_month": 1e9, "api": {"input_per_mtok": 1.25}, '
            '"selfhost": {"monthly": 1440, "tokens_per_second": 1500}}',
            "api.output_per_mtok",
        ),
        (
            '{"tokens_per_month": -5, "api": {"output_per_mtok": 1}, '
            '"selfhost": {"monthly": 1440, "tokens_per_second": 1500}}',
            "tokens_per_month",
        ),
        (
            '{"tokens_per_month": NaN, "api": {"output_per_mtok": 1}, '
            '"selfhost": {"monthly": 1440, "tokens_per_second": 1500}}',
            "tokens_per_month",
        ),
        (
            '{"tokens_per_month": 1, "api": {"output_per_mtok": Infinity}, '
            '"selfhost": {"monthly": 1440, "tokens_per_second": 1500}}',
            "api.output_per_mtok",
        ),
        (
            '{"tokens_per_month": 1, "input_share": 2, "api": {"output_per_mtok": 1}, '
            '"selfhost": {"monthly": 1440, "tokens_per_second": 1500}}',
            "input_share",
        ),
        (
            '{"tokens_per_month": 1, "api": {"output_per_mtok": 1}, '
            '"selfhost": {"monthly": 1440, "tokens_per_second": 1500, "utilization": 0}}',
            "selfhost.utilization",
        ),
        (
            '{"tokens_per_month": 1, "api": {"output_per_mtok": 1, "extra": 1}, '
            '"selfhost": {"monthly": 1440, "tokens_per_second": 1500}}',
            "api.extra",
        ),
        (
            '{"tokens_per_month": "many", "api": {"output_per_mtok": 1}, '
            '"selfhost": {"monthly": 1440, "tokens_per_second": 1500}}',
            "tokens_per_month",
        ),
        (
            '{"tokens_per_month": 1, "tokens_per_day": 1, "api": {"output_per_mtok": 1}, '
            '"selfhost": {"monthly": 1440, "tokens_per_second": 1500}}',
            "tokens_per_day",
        ),
        (
            '{"tokens_per_month": 1, "api": {"output_per_mtok": 1}, '
            '"selfhost": {"monthly": 1440, "hourly": 2, "tokens_per_second": 1500}}',
            "selfhost.monthly",
        ),
        # Valid one by one, too large together: the same refusal as the REST quote's 400.
        (
            '{"tokens_per_month": 1e308, "api": {"output_per_mtok": 1}, '
            '"selfhost": {"monthly": 1440, "tokens_per_second": 1500}}',
            "input",
        ),
        ('{"tokens_per_month": 1,', "input"),
        ("", "input"),
        ("[]", "scenario"),
    ],
)
def test_quote_invalid_exits_2_naming_the_field(stdin: str, field: str) -> None:
    result = run("quote", stdin=stdin)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {field}: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_help_documents_both_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for text in ("quote", "sweep", "tokens_per_month", "volumes", "exit"):
        assert text in result.stdout
    sweep_help = run("sweep", "--help")
    assert "CSV" in sweep_help.stdout


def test_quote_help_documents_version_2_keys() -> None:
    text = run("quote", "--help").stdout
    for key in (
        "quote_version",
        "crossings",
        "crossings_limit",
        "selfhost_wins_from_tokens_per_month",
        "breakeven_tokens_per_month",
        "ONE deployment",
    ):
        assert key in text


def test_quote_prices_the_owned_installation_policy_and_gpu_load() -> None:
    """Issue 15 through the CLI. One 1-GPU server: $36,000 over 3 years, $3,600 of
    installation, 10% cost of capital, a 500 W GPU at PUE 1.5 and $0.20/kWh. 1B tokens
    at 1,500 tok/s keep it working 1e9 / (1,500 x 3,600) = 185.19 h of the 720: a load
    of 25.72%, 92.59 kWh x 1.5 x $0.20 = $27.78 of energy."""
    owned = {
        "server_price": 36_000,
        "gpus_per_server": 1,
        "useful_life_years": 3,
        "installation_per_server": 3_600,
        "cost_of_capital": 0.1,
        "gpu_tdp_watts": 500,
        "pue": 1.5,
        "usd_per_kwh": 0.2,
    }

    def quote(**changes: object) -> dict:
        result = run("quote", stdin=json.dumps({**CASE_4, "owned": {**owned, **changes}}))
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["owned_detail"]

    # Capitalised (the default): depreciation (36,000 + 3,600) / 36 = 1,100; capital on
    # the average book value 39,600 / 2 = 19,800 x 10% / 12 = 165; + energy 27.78.
    capitalised = quote()
    assert capitalised["installation_policy"] == "capitalised"
    assert capitalised["monthly"] == 1292.78
    assert capitalised["capitalised"] == 39_600.0
    assert capitalised["lines"]["depreciation"]["monthly"] == 1100.0
    assert "installation" not in capitalised["lines"]
    assert capitalised["gpu_load"] == 0.257202
    assert capitalised["energy_kwh"] == 138.89  # 92.59 kWh x 1.5
    # Expensed: depreciation 1,000, capital 18,000 x 10% / 12 = 150, installation
    # 3,600 / 36 = 100, energy 27.78.
    expensed = quote(installation_policy="expensed")
    assert expensed["monthly"] == 1277.78
    assert expensed["lines"]["installation"]["monthly"] == 100.0
    # A stated load: the GPU at full power all month, 720 h x 0.5 kW x 1.5 x $0.20 = 108.
    assert quote(gpu_load=1)["lines"]["energy"]["monthly"] == 108.0
    bad = run("quote", stdin=json.dumps({**CASE_4, "owned": {**owned, "gpu_load": 2}}))
    assert bad.returncode == 2
    assert "owned.gpu_load" in bad.stderr
    help_text = run("quote", "--help").stdout
    for words in ("installation_policy", "capitalised", "expensed", "gpu_load", "energy_kwh"):
        assert words in help_text
    assert "replicas busy" in help_text  # how scale-to-zero bills


def test_sweep_writes_csv() -> None:
    spec = {
        "volumes": [1e8, 1e9],
        "api": [{"name": "gpt-5", "input_per_mtok": 1.25, "output_per_mtok": 10}],
        "selfhost": [{"name": "a100", "hourly": 2, "tokens_per_second": 1500}],
    }
    result = run("sweep", stdin=json.dumps(spec))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("volume,input_share,utilization,api:gpt-5")
    assert lines[1].endswith(",562.50,1440.00,1,gpt-5")
    assert len(lines) == 3


def test_sweep_invalid_exits_2() -> None:
    result = run("sweep", stdin='{"volumes": [], "api": [], "selfhost": []}')
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
