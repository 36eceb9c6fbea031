"""The command line's ``main`` called in-process (issue 19).

tests/engine/test_cli.py runs ``python -m planner.engine`` in a real subprocess, the
contract as a user meets it; mutation testing cannot see into a subprocess (and there
the module runs as ``__main__``), so these tests call :func:`planner.engine.__main__.main`
directly and pin what it writes, where, and the exit status.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from planner.engine.__main__ import _parser, main

CASE_4 = {
    "tokens_per_month": 1e9,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


def _run(argv: list[str], stdin: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(argv, stdin=io.StringIO(stdin), stdout=out)
    return status, out.getvalue()


def test_quote_writes_one_json_line_and_exits_0(capsys) -> None:
    status, out = _run(["quote"], json.dumps(CASE_4))
    assert status == 0
    assert out.endswith("}\n")
    assert out.count("\n") == 1
    result = json.loads(out)
    # $2/h x 720 h = $1,440; GPT-5 at 50/50 blends to 5.625 $/M, so 1B tokens cost
    # $5,625 and the API reaches $1,440 at 1,440 / 5.625 x 1M = 256M tokens.
    assert result["api_monthly"] == 5625.0
    assert result["selfhost_monthly"] == 1440.0
    assert result["breakeven_tokens_per_month"] == 256_000_000
    assert capsys.readouterr().err == ""


def test_sweep_writes_a_csv_header_and_one_row_per_point() -> None:
    spec = {
        "volumes": [1e8, 1e9],
        "api": [{"name": "gpt-5", "input_per_mtok": 1.25, "output_per_mtok": 10}],
        "selfhost": [{"name": "a100", "monthly": 1440, "tokens_per_second": 1500}],
    }
    status, out = _run(["sweep"], json.dumps(spec))
    assert status == 0
    # 1e8 tokens at 5.625 $/M = $562.50 (the API is cheaper than the $1,440 fleet);
    # 1e9 = $5,625.00 (the fleet is cheaper). Rows end in "\n", not "\r\n".
    assert out == (
        "volume,input_share,utilization,api:gpt-5,selfhost:a100,replicas:a100,cheapest\n"
        "100000000.0,0.5,1.0,562.50,1440.00,1,gpt-5\n"
        "1000000000.0,0.5,1.0,5625.00,1440.00,1,a100\n"
    )


@pytest.mark.parametrize("command", ["quote", "sweep"])
def test_a_refusal_exits_2_with_one_line_on_stderr(command, capsys) -> None:
    status, out = _run([command], "[]")
    assert status == 2
    assert out == ""
    assert capsys.readouterr().err == "error: scenario: must be a JSON object\n"


def test_invalid_json_names_the_line_and_column(capsys) -> None:
    status, out = _run(["quote"], '{"tokens_per_month": 1,\n  ]')
    assert status == 2
    assert out == ""
    # json reports the unexpected "]" at line 2, column 3.
    assert capsys.readouterr().err == (
        "error: input: invalid JSON (Expecting property name enclosed in double quotes "
        "at line 2 column 3)\n"
    )


def test_numbers_too_large_together_exit_2(capsys) -> None:
    data = {**CASE_4, "tokens_per_month": 1e308}
    status, out = _run(["quote"], json.dumps(data))
    assert status == 2
    assert out == ""
    assert capsys.readouterr().err == (
        "error: input: the numbers are too large to compute a quote\n"
    )


def test_main_reads_stdin_and_writes_stdout_by_default(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(CASE_4)))
    assert main(["quote"]) == 0
    assert json.loads(capsys.readouterr().out)["replicas"] == 1


def test_the_parser_names_the_program_and_requires_a_command(capsys) -> None:
    parser = _parser()
    assert parser.prog == "python -m planner.engine"
    assert parser.description == "Breakeven TCO engine: API vs self-hosting LLM costs."
    assert parser.epilog.startswith(
        "Invalid input exits with status 2 and one line 'error: <field>: <message>'.\n\nquote:\n"
    )
    assert "\nsweep:\n" in parser.epilog
    with pytest.raises(SystemExit) as exited:
        parser.parse_args([])
    assert exited.value.code == 2
    assert "the following arguments are required: {quote,sweep}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "summary"),
    [
        ("quote", "price one scenario (JSON in, JSON out)"),
        ("sweep", "price a grid of scenarios (JSON in, CSV out)"),
    ],
)
def test_each_command_is_listed_with_its_summary(command, summary) -> None:
    usage = _parser().format_help()
    # argparse lists "    quote     price one scenario ..." on one line.
    assert re.search(rf"^ +{command} +{re.escape(summary)}$", usage, re.MULTILINE)


def test_each_command_help_keeps_its_layout(capsys) -> None:
    # RawDescriptionHelpFormatter keeps the field table's line breaks and indents.
    with pytest.raises(SystemExit):
        _parser().parse_args(["quote", "--help"])
    text = capsys.readouterr().out
    assert "usage: python -m planner.engine quote" in text
    assert (
        "\n  tokens_per_month              tokens a month (or tokens_per_day, not both)\n" in text
    )
    with pytest.raises(SystemExit):
        _parser().parse_args(["sweep", "--help"])
    assert "\n  volumes        tokens/month: a list," in capsys.readouterr().out
