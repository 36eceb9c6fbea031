"""A Python client generated from our OpenAPI schema (openapi-python-client, offline) runs a
short integration flow against a live server (issue 16 item 17): what the schema promises
is what a generated client can use, nullable fields and all."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from pricing.models import ApiOffer, GpuOffer
from tests.api.conftest import make_token
from tests.factories import sweep_catalog_version

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "breakeven_generated_client"


@pytest.fixture
def generated_client(client, tmp_path):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    (tmp_path / "openapi.json").write_bytes(schema.content)
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            "openapi.json",
            "--output-path",
            PACKAGE,
            "--meta",
            "none",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_a_generated_client_creates_a_workload_and_a_plan_and_reads_it_back(
    generated_client, live_server, cast, request
):
    version = sweep_catalog_version(api_offers=1, gpu_offers=1)
    api_offer = ApiOffer.objects.get(version=version)
    gpu_offer = GpuOffer.objects.get(version=version)
    pkg = generated_client
    models = importlib.import_module(f"{PACKAGE}.models")
    workloads_create = importlib.import_module(f"{PACKAGE}.api.orgs.orgs_workloads_create")
    plans_create = importlib.import_module(f"{PACKAGE}.api.orgs.orgs_plans_create")
    plans_compute = importlib.import_module(f"{PACKAGE}.api.orgs.orgs_plans_compute_create")
    plans_retrieve = importlib.import_module(f"{PACKAGE}.api.orgs.orgs_plans_retrieve")
    client = pkg.AuthenticatedClient(
        base_url=live_server.url, token=make_token(cast.owner), prefix="Token"
    )
    # Closed at the end: a kept-alive connection would keep its server thread (and that
    # thread's database connection) open past the test.
    request.addfinalizer(lambda: client.get_httpx_client().close())

    workload = workloads_create.sync(
        "acme",
        client=client,
        body=models.WorkloadRequest(
            name="Generated client workload", tokens_per_month=500_000_000, input_share="0.5"
        ),
        idempotency_key="gen-workload-1",
    )
    assert isinstance(workload, models.Workload), workload
    assert workload.name == "Generated client workload"

    plan = plans_create.sync(
        "acme",
        client=client,
        body=models.PlanRequest(
            name="Generated client plan",
            workload=workload.id,
            catalog_version=version.pk,
            options=[
                models.PlanOptionRequest(
                    kind=models.PlanOptionKindEnum.API, api_offer=api_offer.pk
                ),
                models.PlanOptionRequest(
                    kind=models.PlanOptionKindEnum.SELFHOST,
                    model_name="Open model 8B",
                    gpu_offer=gpu_offer.pk,
                    tokens_per_second="1000",
                ),
            ],
        ),
    )
    assert isinstance(plan, models.Plan), plan
    assert [option.cheap_option for option in plan.options] == [None, None]

    comparison = plans_compute.sync("acme", plan.id, client=client)
    assert isinstance(comparison, models.ComparisonDetail), comparison
    assert comparison.number == 1

    read = plans_retrieve.sync("acme", plan.id, client=client)
    assert isinstance(read, models.Plan), read
    assert read.id == plan.id
    assert read.workload == workload.id
    assert [option.kind for option in read.options] == [
        models.PlanOptionKindEnum.API,
        models.PlanOptionKindEnum.SELFHOST,
    ]
    assert read.latest_comparison is not None
    assert read.latest_comparison.number == 1
    assert read.latest_comparison.recommended_option == comparison.recommended_option

    # An outsider's token reaches nothing of acme through the same client.
    with pkg.AuthenticatedClient(
        base_url=live_server.url, token=make_token(cast.outsider), prefix="Token"
    ) as outsider:
        response = plans_retrieve.sync_detailed("acme", plan.id, client=outsider)
    assert response.status_code == 404
