"""Re-evaluation in the API (issue 17 items 3 and 4): `POST …/plans/{id}/reevaluate/` lists
what it left out and what it found under another name; `GET …/reevaluations/` shows what
publishing a version did to the organization's plans, and to no other organization's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from planner import services
from pricing.models import ApiOffer, Catalog, CatalogSource, CatalogVersion, VersionStatus
from pricing.services import catalog_version_publish
from tests.api.conftest import assert_error
from tests.factories import WorkloadFactory
from tracking.models import Alert, AlertKind

pytestmark = pytest.mark.django_db


def _version(catalog_name, number, offers, *, status=VersionStatus.PUBLISHED):
    catalog, _ = Catalog.objects.get_or_create(name=catalog_name)
    version = CatalogVersion.objects.create(catalog=catalog, number=number, title=catalog_name)
    sources = {}
    for model, provider, key, input_price, output_price in offers:
        if key not in sources:
            sources[key] = CatalogSource.objects.create(version=version, key=key, description=key)
        ApiOffer.objects.create(
            version=version,
            model_name=model,
            provider=provider,
            source=sources[key],
            input_per_mtok=Decimal(input_price),
            output_per_mtok=Decimal(output_price),
        )
    if status == VersionStatus.PUBLISHED:
        version.status = status
        version.save()
    return version


def _plan(org, version):
    return services.plan_create(
        organization=org,
        actor=None,
        name="Support bot",
        workload=WorkloadFactory(organization=org, tokens_per_month=1_000_000_000),
        catalog_version=version,
        options=[
            {"kind": "api", "api_offer": offer}
            for offer in ApiOffer.objects.filter(version=version).order_by("pk")
        ],
    )


FIRST = [
    ("GPT-5", "OpenAI", "feb-2026", "1.25", "10"),
    ("Model X", "Acme", "feb-2026", "0.5", "1"),
]


def test_reevaluate_lists_left_out_options_and_alias_matches(api, cast):
    old = _version("Our list", 1, FIRST)
    new = _version(
        "LiteLLM prices",
        1,
        [
            # No plain "gpt-5" from openai here: its dated twin is the same model; Azure's
            # is another seller's and never taken silently.
            ("azure/gpt-5", "azure", "litellm", "1.25", "10"),
            ("gpt-5-2025-08-07", "openai", "litellm", "1.25", "10"),
            ("Model Y", "Acme", "litellm", "0.5", "1"),
        ],
    )
    plan = _plan(cast.org, old)
    services.plan_compute(plan=plan, actor=None)
    response = api("owner").post(
        f"/api/v1/orgs/acme/plans/{plan.pk}/reevaluate/", {"version": new.pk}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["matched_by_alias"] == [
        "GPT-5 (OpenAI) · feb-2026 \u2192 gpt-5-2025-08-07 (openai) · litellm"
    ]
    assert body["left_out"] == [
        {
            "option": "Model X (Acme) · feb-2026",
            "uses": "Model X (Acme) · feb-2026",
            "suggestions": ["Model Y (Acme) · litellm"],
            "depends_on": "",
        }
    ]
    # Model X was the cheapest ($750 a month on 1B tokens, half input) and is gone: GPT-5 at
    # 500 x 1.25 + 500 x 10 = $5,625 is what is left.
    assert body["comparison"]["cheapest_option"] == "GPT-5 (OpenAI) · feb-2026"
    assert Decimal(body["comparison"]["cheapest_monthly"]) == Decimal("5625.00")
    assert (
        "Left out, not in LiteLLM prices v1: Model X (Acme) · feb-2026 (closest: " in (body["flag"])
    )
    # A plan with nothing left to compare is refused, naming why; the viewer cannot write.
    lone = _plan(cast.org, _version("Lone", 1, [("Model Z", "Acme", "k", "1", "2")]))
    assert_error(
        api("owner").post(
            f"/api/v1/orgs/acme/plans/{lone.pk}/reevaluate/", {"version": new.pk}, format="json"
        ),
        400,
        "validation_error",
        "version",
    )
    assert_error(
        api("viewer").post(
            f"/api/v1/orgs/acme/plans/{plan.pk}/reevaluate/", {"version": new.pk}, format="json"
        ),
        403,
        "permission_denied",
    )


def test_a_left_out_option_alone_raises_a_plan_flagged_alert(cast):
    # Both offers are in v2 but Model X's seller changed: it is left out; GPT-5 stays the
    # cheapest and the recommendation does not move, so the alert is "plan flagged".
    old = _version("Our list", 1, [FIRST[0], ("Model X", "Acme", "feb-2026", "9", "90")])
    plan = _plan(cast.org, old)
    first = services.plan_compute(plan=plan, actor=None)
    assert first.cheapest_option == "GPT-5 (OpenAI) · feb-2026"
    new = _version("Our list", 2, [FIRST[0], ("Model X", "Other", "feb-2026", "9", "90")])
    second = services.plan_reevaluate(plan=plan, version=new, actor=None)
    assert second.recommended_option == first.recommended_option
    alert = Alert.objects.get(plan=plan)
    assert alert.kind == AlertKind.PLAN_FLAGGED
    assert alert.message == (
        "Support bot: Left out, not in Our list v2: Model X (Acme) · feb-2026 "
        "(closest: Model X (Other) · feb-2026)."
    )


def test_reevaluations_list_is_the_organizations_own(api, cast, django_capture_on_commit_callbacks):
    old = _version("Our list", 1, FIRST)
    ours = _plan(cast.org, old)
    theirs = _plan(cast.other_org, old)
    services.plan_compute(plan=ours, actor=None)
    draft = _version(
        "Our list",
        2,
        [("GPT-5", "OpenAI", "feb-2026", "1.25", "10"), ("Model X", "Acme", "feb-2026", "9", "90")],
        status=VersionStatus.DRAFT,
    )
    with django_capture_on_commit_callbacks(execute=True):
        catalog_version_publish(version=draft, actor=None)
    body = api("viewer").get("/api/v1/orgs/acme/reevaluations/").json()
    [row] = body["results"]
    assert (row["plan"], row["version"], row["from_version"]) == (ours.pk, draft.pk, old.pk)
    assert (row["status"], row["run_status"]) == ("flagged", "done")
    # Model X went from 0.5/1 to 9/90: 500 x 0.5 + 500 x 1 = $750 -> $49,500; GPT-5 wins.
    assert (
        "because Model X output price rose 8900% and Model X input price rose 1700%."
        in (row["flag"])
    )
    rival = api("outsider").get("/api/v1/orgs/rival/reevaluations/").json()["results"]
    assert [r["plan"] for r in rival] == [theirs.pk]
    assert_error(
        api("outsider").get(f"/api/v1/orgs/acme/reevaluations/{row['id']}/"), 404, "not_found"
    )
    assert_error(
        api("outsider").get(f"/api/v1/orgs/rival/reevaluations/{row['id']}/"), 404, "not_found"
    )
