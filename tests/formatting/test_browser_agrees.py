"""static/js/format.js formats exactly as formatting/ does, given the money spec that
formatting.money_spec() puts into the charts' data: run in Node, compared string for string."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from formatting import format_money, format_rate, format_tokens, money_spec

FORMAT_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "format.js"
NODE = shutil.which("node")

AMOUNTS = [
    0,
    1440,
    5891.666,
    -4980,
    -4980.5,
    0.125,
    2.675,
    1.005,
    -0.001,
    0.065,
    0.00123,
    1234.5678,
    999999.995,
    12345678.9,
    None,
]
TOKENS = [
    1_500_000_000,
    651_600_000,
    651_649_999,
    50_000_000,
    1_064_000_000,
    1_062_500_000,
    999_950,
    8_500,
    1_000,
    512,
    12.345,
    0,
    -2_500_000_000,
    1.5e16,
    466_600_000,
    None,
]


def browser_format(spec: dict, amounts: list, tokens: list) -> dict:
    script = (
        f"require({json.dumps(str(FORMAT_JS))});"
        "const F = globalThis.BreakevenFormat;"
        "const input = JSON.parse(process.argv[1]);"
        "const f = F.formatter(input.spec);"
        "console.log(JSON.stringify({"
        "  money: input.amounts.map(f.money),"
        "  rate: input.amounts.map(f.rate),"
        "  tokens: input.tokens.map(F.tokens),"
        "}));"
    )
    payload = json.dumps({"spec": spec, "amounts": amounts, "tokens": tokens})
    out = subprocess.run(
        [NODE, "-e", script, payload], capture_output=True, text=True, check=True, timeout=30
    )
    return json.loads(out.stdout)


@pytest.mark.skipif(NODE is None, reason="needs Node.js (package.json's toolchain)")
@pytest.mark.parametrize("currency", ["USD", "EUR", "JPY", "KWD"])
def test_browser_and_python_format_the_same(currency):
    got = browser_format(money_spec(currency), AMOUNTS, TOKENS)
    assert got["money"] == [format_money(a, currency) for a in AMOUNTS]
    assert got["rate"] == [format_rate(a, currency) for a in AMOUNTS]
    assert got["tokens"] == [format_tokens(t) for t in TOKENS]
