"""The request shape over the API (issue 15): workloads with a preset or figures, plan
options with measured serving figures, per-request costs in the results and the quote."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error
from tests.api.test_plans import case4_body, option_named

pytestmark = pytest.mark.django_db
WORKLOADS = "/api/v1/orgs/acme/workloads/"
PLANS = "/api/v1/orgs/acme/plans/"


@pytest.fixture
def reference_version(db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


def test_a_preset_workload_gets_its_figures_and_input_share(api):
    # Chat assistant: 1,000 in / 400 out; input share 1,000 / 1,400 = 0.714285... -> 0.71429
    # whatever input_share is sent.
    response = api("teammate").post(
        WORKLOADS,
        {
            "name": "Chat",
            "tokens_per_month": 1_000_000_000,
            "input_share": "0.5",
            "request_preset": "chat_assistant",
            "ttft_p99_target_s": "0.5",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["input_tokens_per_request"], body["output_tokens_per_request"]) == (1000, 400)
    assert body["input_share"] == "0.71429"
    assert body["ttft_p99_target_s"] == "0.5000"


def test_figures_that_contradict_the_preset_are_a_400_naming_it(api):
    response = api("teammate").post(
        WORKLOADS,
        {
            "name": "Chat",
            "tokens_per_month": 1_000_000_000,
            "request_preset": "rag",
            "input_tokens_per_request": 10,
            "output_tokens_per_request": 10,
        },
        format="json",
    )
    assert_error(response, 400, "validation_error", "request_preset")


def test_plan_results_carry_costs_per_request_and_the_replicas_latency(
    api, cast, reference_version
):
    client = api("teammate")
    workload_id = client.post(
        WORKLOADS,
        {"name": "Chat", "tokens_per_month": 1_000_000_000, "request_preset": "chat_assistant"},
        format="json",
    ).json()["id"]
    from planner.models import Workload

    body = case4_body(reference_version, Workload.objects.get(pk=workload_id))
    # The self-hosted option states what was measured: 1,500 output tok/s at 32 in flight,
    # prefilling 15,000 input tok/s.
    body["options"][3] |= {
        "tokens_per_second": "1500",
        "concurrent_sequences": 32,
        "prefill_tokens_per_second": "15000",
    }
    plan = client.post(PLANS, body, format="json")
    assert plan.status_code == 201, plan.content
    assert plan.json()["options"][3]["concurrent_sequences"] == 32
    response = client.post(f"{PLANS}{plan.json()['id']}/compute/")
    assert response.status_code == 201, response.content
    results = response.json()["results"]
    # GPT-5 a chat request: 1,000 x $1.25/M + 400 x $10/M = $0.00125 + $0.004 = $0.00525,
    # $5.25 per 1,000 requests.
    gpt5 = option_named(results, "GPT-5")
    assert (gpt5["cost_per_request"], gpt5["cost_per_1k_requests"]) == (0.00525, 5.25)
    # The replica: 1,000 / 15,000 + 400 / 1,500 = 1/3 s a request, 1,400 x 3 = 4,200
    # tok/s of the shape; end to end p50 = 32 x 1/3 = 10.667 s, p99 twice that.
    llama = option_named(results, "Llama 3.3 70B")
    assert llama["serving"]["tokens_per_second"] == 4200.0
    assert llama["serving"]["latency"]["e2e_p50_s"] == 10.6667
    assert (llama["p99_latency_s"], llama["latency_source"]) == (21.3333, "estimate")
    # 1B tokens / (1,400 tokens a request) = 714,285.71 requests; $1,440 / them.
    assert results["requests_per_month"] == 714_285.71
    assert llama["cost_per_request"] == round(1_440 / (1e9 / 1_400), 6)
    wording = response.json()["wording"]
    assert wording["serving"][0]["option"] == llama["name"]
    assert wording["serving"][0]["text"].startswith("each replica runs 32 requests at once")


def test_the_quote_answers_per_request(api):
    response = api("viewer").post(
        "/api/v1/quote",
        {
            "tokens_per_month": 1_000_000_000,
            "request_shape": {"preset": "rag"},
            "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
            "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["unit_costs"]["api"] == {
        "per_mtok": 1.8605,
        "per_request": 0.008,
        "per_1k_requests": 8.0,
    }
    refused = api("viewer").post(
        "/api/v1/quote",
        {
            "tokens_per_month": 1_000_000_000,
            "input_share": 0.5,
            "request_shape": {"preset": "rag"},
            "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
            "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
        },
        format="json",
    )
    assert_error(refused, 400, "validation_error", "input_share")
