"""Your own benchmark, end to end (issue 15 item 4): a vLLM benchmark_serving result file is
uploaded at /api/v1/orgs/<slug>/throughput-profiles/, a plan's self-host option names the
profile, and the computed plan's throughput and cost follow from the file's
output_throughput."""

from __future__ import annotations

import json

import pytest

from pricing.models import PrivateThroughputProfile
from tests.api.conftest import assert_error
from tests.factories import VLLM_BENCHMARK_FILE, WorkloadFactory, private_profile_in
from tests.planner.conftest import gpu_offer

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/throughput-profiles/"
PLANS = "/api/v1/orgs/acme/plans/"
STATED = {
    "model_name": "Llama 3.1 8B",
    "gpu_sku": "NVIDIA A100 80GB",
    "gpu_count": "1",
    "precision": "fp16",
}


@pytest.fixture
def reference_version(db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


def _upload(client, content: bytes | None = None, **fields: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(
        "result.json", content if content is not None else VLLM_BENCHMARK_FILE.read_bytes()
    )
    return client.post(URL, {**STATED, **fields, "file": file}, format="multipart")


def test_upload_plan_compute_end_to_end(api, cast, reference_version):
    client = api("teammate")
    response = _upload(client, name="8B on A100, c=16")
    assert response.status_code == 201, response.content
    profile = response.json()
    assert profile["output_tok_s"] == "1250.000000"
    assert profile["input_tok_s"] == "5000.000000"
    assert profile["concurrency"] == 16
    assert profile["ttft_p99_ms"] == "419.271950"
    assert profile["figures"]["output_throughput"] == 1250.0

    workload = WorkloadFactory(organization=cast.org, tokens_per_month=10_000_000_000)
    body = {
        "name": "Own benchmark",
        "workload": workload.pk,
        "catalog_version": reference_version.pk,
        "options": [
            {
                "kind": "selfhost",
                "model_name": "Llama 3.1 8B",
                "gpu_offer": gpu_offer(reference_version).pk,
                "private_throughput_profile": profile["id"],
            }
        ],
    }
    created = client.post(PLANS, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["options"][0]["private_throughput_profile"] == profile["id"]
    computed = client.post(f"{PLANS}{created.json()['id']}/compute/")
    assert computed.status_code == 201, computed.content
    option = computed.json()["results"]["options"][0]

    # By hand: the file says 4,096 output tokens in 3.2768 s = 1,250 tok/s (output_throughput).
    # One replica (1x A100 80GB at $2.00/h, utilization 1) serves
    # 1,250 x 3,600 s x 720 h = 3,240,000,000 tokens a month; 10,000,000,000 tokens need
    # ceil(10e9 / 3.24e9) = ceil(3.09) = 4 replicas, always on: 4 x 720 h x $2.00 = $5,760.00.
    assert option["tokens_per_second"] == 1250.0
    assert option["throughput_source"] == "your benchmark 2026-11-18: 8B on A100, c=16"
    assert option["monthly"]["expected"] == 5760.00


def test_another_throughput_gives_another_cost(api, cast, reference_version):
    """The cost moves with the file: at 2,500 tok/s one replica serves 6.48e9 tokens, so
    10e9 tokens need ceil(1.54) = 2 replicas: 2 x 720 h x $2.00 = $2,880.00."""
    doc = json.loads(VLLM_BENCHMARK_FILE.read_bytes())
    doc.update(duration=1.6384, output_throughput=2500.0)
    client = api("owner")
    profile = _upload(client, json.dumps(doc).encode()).json()
    workload = WorkloadFactory(organization=cast.org, tokens_per_month=10_000_000_000)
    plan = client.post(
        PLANS,
        {
            "name": "Faster",
            "workload": workload.pk,
            "catalog_version": reference_version.pk,
            "options": [
                {
                    "kind": "selfhost",
                    "model_name": "Llama 3.1 8B",
                    "gpu_offer": gpu_offer(reference_version).pk,
                    "private_throughput_profile": profile["id"],
                }
            ],
        },
        format="json",
    ).json()
    option = client.post(f"{PLANS}{plan['id']}/compute/").json()["results"]["options"][0]
    assert option["tokens_per_second"] == 2500.0
    assert option["monthly"]["expected"] == 2880.00


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("output_throughput"), "Field 'output_throughput' is missing."),
        (
            lambda d: d.update(output_throughput="fast"),
            "Field 'output_throughput' must be a number, not str.",
        ),
        (
            lambda d: d.update(output_throughput=float("nan")),
            "Field 'output_throughput' must be a finite number (NaN or infinity given).",
        ),
    ],
)
def test_malformed_file_is_400_naming_the_field_nothing_written(api, cast, change, message):
    doc = json.loads(VLLM_BENCHMARK_FILE.read_bytes())
    change(doc)
    error = assert_error(
        _upload(api("owner"), json.dumps(doc).encode()), 400, "validation_error", "file"
    )
    assert error["fields"]["file"] == [message]
    assert not PrivateThroughputProfile.objects.filter(organization=cast.org).exists()


def test_missing_stated_field_is_400(api, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("result.json", VLLM_BENCHMARK_FILE.read_bytes())
    response = api("owner").post(URL, {"model_name": "x", "file": file}, format="multipart")
    assert_error(response, 400, "validation_error", "gpu_sku")


def test_members_read_viewer_cannot_upload(api, cast):
    private_profile_in(cast.org, name="Ours")
    for who in ("owner", "teammate", "viewer"):
        listed = api(who).get(URL)
        assert listed.status_code == 200
        assert [p["name"] for p in listed.json()["results"]] == ["Ours"]
    assert_error(_upload(api("viewer")), 403, "permission_denied")


def test_outsider_cannot_see_or_use_the_profile(api, cast, reference_version):
    ours = private_profile_in(cast.org, name="Ours")
    outsider = api("outsider")
    assert_error(outsider.get(f"{URL}{ours.pk}/"), 404, "not_found")
    assert_error(
        outsider.get(f"/api/v1/orgs/rival/throughput-profiles/{ours.pk}/"), 404, "not_found"
    )
    assert outsider.get("/api/v1/orgs/rival/throughput-profiles/").json()["results"] == []
    # Naming it in a plan of the outsider's organization fails like a missing id.
    workload = WorkloadFactory(organization=cast.other_org)
    response = outsider.post(
        "/api/v1/orgs/rival/plans/",
        {
            "name": "Borrowed",
            "workload": workload.pk,
            "catalog_version": reference_version.pk,
            "options": [
                {
                    "kind": "selfhost",
                    "model_name": "Llama 3.1 8B",
                    "gpu_offer": gpu_offer(reference_version).pk,
                    "private_throughput_profile": ours.pk,
                }
            ],
        },
        format="json",
    )
    error = assert_error(response, 400, "validation_error")
    assert "private_throughput_profile" in json.dumps(error["fields"])


def test_list_queries_do_not_grow_with_profiles(api, cast, django_assert_max_num_queries):
    client = api("viewer")
    private_profile_in(cast.org, name="First")
    client.get(URL)  # warm the token cache
    with django_assert_max_num_queries(8) as few:
        assert len(client.get(URL).json()["results"]) == 1
    for n in range(5):
        private_profile_in(cast.org, name=f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).json()["results"]) == 6


def test_guidellm_run_plans_end_to_end(api, cast, reference_version):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = VLLM_BENCHMARK_FILE.parent / "guidellm_report_qwen7b_l4.json"
    client = api("owner")
    response = client.post(
        URL,
        {
            **STATED,
            "source_format": "guidellm_report",
            "benchmark": "2",
            "file": SimpleUploadedFile("benchmarks.json", report.read_bytes()),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    profile = response.json()
    workload = WorkloadFactory(organization=cast.org, tokens_per_month=5_000_000_000)
    plan = client.post(
        PLANS,
        {
            "name": "GuideLLM run",
            "workload": workload.pk,
            "catalog_version": reference_version.pk,
            "options": [
                {
                    "kind": "selfhost",
                    "model_name": "Llama 3.1 8B",
                    "gpu_offer": gpu_offer(reference_version).pk,
                    "private_throughput_profile": profile["id"],
                }
            ],
        },
        format="json",
    ).json()
    option = client.post(f"{PLANS}{plan['id']}/compute/").json()["results"]["options"][0]
    # Run 2 of the report: 1,024 output tok/s (61,440 tokens in 60 s). One replica serves
    # 1,024 x 3,600 x 720 = 2,654,208,000 tokens a month; 5e9 tokens need ceil(1.88) = 2
    # replicas of 1x A100 at $2.00/h: 2 x 720 x $2.00 = $2,880.00.
    assert option["tokens_per_second"] == 1024.0
    assert option["monthly"]["expected"] == 2880.00
