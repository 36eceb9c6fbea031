"""The new-sweep form (issue 18, item 7): a plan's options and axes by name, presets, one
validation path with errors on the field at fault, the heatmap's slice, elapsed time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from formatting.durations import format_duration
from planner import services
from planner.bridge.sweeps import SweepSpecError, clean_sweep_spec
from planner.models import Sweep, SweepStatus
from planner.sweep_forms import SweepPlanForm
from pricing.models import ApiOffer, GpuOffer
from tests.factories import WorkloadFactory, plan_in, sweep_catalog_version, sweep_spec_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast):
    """A plan of `cast.org`: two API options and one rented self-hosted option; its
    workload sends 2B tokens a month, 70% of them input."""
    version = sweep_catalog_version(api_offers=2, gpu_offers=2)
    offers = list(ApiOffer.objects.filter(version=version).order_by("pk"))
    gpu = GpuOffer.objects.filter(version=version).order_by("pk").last()
    workload = WorkloadFactory(
        organization=cast.org, tokens_per_month=2_000_000_000, input_share=Decimal("0.7")
    )
    return services.plan_create(
        organization=cast.org,
        actor=None,
        name="Support bot",
        workload=workload,
        catalog_version=version,
        options=[
            {"kind": "api", "name": "Frontier API", "api_offer": offers[0]},
            {"kind": "api", "name": "Small API", "api_offer": offers[1]},
            {
                "kind": "selfhost",
                "name": "Own 8B on GPU 1",
                "model_name": "Open model 8B",
                "gpu_offer": gpu,
                "rent_mode": "reserved",
                "tokens_per_second": 1200,
                "other_monthly": Decimal(300),
                "utilization": Decimal("0.6"),
            },
        ],
    )


def option(plan, name):
    return plan.options.get(name=name)


def form_data(plan, **overrides):
    data = {
        "name": "Where does self-hosting win?",
        "plan": plan.pk,
        "preset": "full_grid",
        "options": [str(o.pk) for o in plan.options.order_by("position", "pk")],
        "volume_mode": "range",
        "volume_start": "10,000,000",
        "volume_stop": "10000000000",
        "volume_steps": "4",
        "volume_scale": "log",
        "volume_values": "",
        "input_share_mode": "list",
        "input_share_start": "",
        "input_share_stop": "",
        "input_share_steps": "",
        "input_share_scale": "linear",
        "input_share_values": "20, 70",
        "utilization_mode": "range",
        "utilization_start": "50",
        "utilization_stop": "100",
        "utilization_steps": "2",
        "utilization_scale": "linear",
        "utilization_values": "",
    }
    data.update(overrides)
    return data


def post(client, data):
    """Post the form; the sweep's chunks run in-process once its transaction commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("planner:sweep_create"), data)


def test_options_picked_by_name_become_the_spec_of_their_catalog_rows(cast, plan):
    client = cast.client_for(cast.owner)
    page = client.get(reverse("planner:sweep_create"))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("Frontier API", "Small API", "Own 8B on GPU 1"):
        assert f">{name}</label>" in html  # listed by their labels, not ids
    chosen = [option(plan, "Small API"), option(plan, "Own 8B on GPU 1")]

    response = post(client, form_data(plan, options=[str(o.pk) for o in chosen]))

    sweep = Sweep.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("planner:sweep_detail", args=[sweep.pk])
    assert sweep.catalog_version == plan.catalog_version
    assert sweep.workload == plan.workload
    assert [o["id"] for o in sweep.spec["api"]] == [chosen[0].api_offer_id]
    assert [o["name"] for o in sweep.spec["api"]] == ["Small API"]
    (selfhost,) = sweep.spec["selfhost"]
    assert selfhost["gpu_offer_id"] == chosen[1].gpu_offer_id
    assert selfhost["name"] == "Own 8B on GPU 1"
    assert selfhost["pricing"] == "reserved"
    assert selfhost["tokens_per_second"] == 1200
    assert selfhost["hidden_monthly"] == 300
    # Volumes typed with separators; shares typed in percent.
    assert sweep.spec["volumes"] == {"min": 1e7, "max": 1e10, "num": 4, "scale": "log"}
    assert sweep.spec["input_shares"] == [0.2, 0.7]
    assert sweep.spec["utilizations"] == {"min": 0.5, "max": 1.0, "num": 2, "scale": "linear"}
    assert sweep.total_points == 4 * 2 * 2
    assert sweep.status == SweepStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        # An inverted range: the spec validation's error, on the "To" field of the axis.
        (
            {"volume_start": "5000000000", "volume_stop": "1000000"},
            "volume_stop",
            "Volume (tokens a month): must be >= the first value (5e+09); the range is inverted",
        ),
        # A share over 100%, in percent words, on the list field, naming the value.
        (
            {"input_share_values": "20, 150"},
            "input_share_values",
            "Input share (%), value 2: must be at least 0% and at most 100%",
        ),
        ({"volume_stop": "lots"}, "volume_stop", "“lots” is not a number"),
        # A unit the shared parser does not know, named on its field with the example.
        (
            {"volume_start": "50X"},
            "volume_start",
            "Volume (tokens a month): “50X” is not a number. Write a number such as",
        ),
        (
            {"volume_mode": "list", "volume_values": "50M; 2 lakh"},
            "volume_values",
            "Volume (tokens a month): “2 lakh” is not a number.",
        ),
        ({"utilization_start": "50M"}, "utilization_start", "Utilization (%): “50M” is not"),
        ({"utilization_steps": "0"}, "utilization_steps", "greater than or equal to 1"),
        (
            {"volume_steps": "2000", "utilization_steps": "1000"},
            "volume_steps",
            "a sweep allows at most 1,000,000",
        ),
        (
            {"utilization_mode": "list", "utilization_values": ""},
            "utilization_values",
            "give at least one value",
        ),
    ],
)
def test_a_bad_axis_is_refused_on_the_field_that_names_it(cast, plan, overrides, field, words):
    client = cast.client_for(cast.owner)
    response = post(client, form_data(plan, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors[field]
    assert not Sweep.objects.exists()  # nothing half-written


@pytest.mark.parametrize(
    ("overrides", "volumes"),
    [
        # The same reading as every other form (formatting/parsing.py): units and commas.
        (
            {"volume_start": "50M", "volume_stop": "1.5B"},
            {"min": 5e7, "max": 1.5e9, "num": 4, "scale": "log"},
        ),
        (
            {"volume_start": "2,000,000", "volume_stop": "3 billion"},
            {"min": 2e6, "max": 3e9, "num": 4, "scale": "log"},
        ),
        (
            {"volume_mode": "list", "volume_values": "50M; 1.5B 2,000,000 3 billion 200k"},
            [5e7, 1.5e9, 2e6, 3e9, 2e5],
        ),
    ],
)
def test_volumes_are_typed_with_units_like_every_other_form(cast, plan, overrides, volumes):
    form = SweepPlanForm(form_data(plan, **overrides), organization=cast.org, plan=None)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["spec"]["volumes"] == volumes
    # Percentages read by the shared percent parser: "20, 70" and "70%" alike.
    assert form.cleaned_data["spec"]["input_shares"] == [0.2, 0.7]


def test_a_percent_sign_is_allowed_on_shares(cast, plan):
    form = SweepPlanForm(
        form_data(plan, input_share_values="20%, 70%"), organization=cast.org, plan=None
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["spec"]["input_shares"] == [0.2, 0.7]


def test_options_must_include_an_api_and_a_selfhost_option(cast, plan):
    client = cast.client_for(cast.owner)
    response = post(client, form_data(plan, options=[str(option(plan, "Small API").pk)]))
    assert "choose at least one self-host option" in response.context["form"].errors["options"][0]
    assert not Sweep.objects.exists()


def test_a_spec_error_on_an_option_names_the_option(cast, plan):
    # The spec validation speaks of selfhost[0] and api_offer_ids[1]; the form of the
    # options the user picked by name.
    form = SweepPlanForm(form_data(plan), organization=cast.org, plan=None)
    assert form.is_valid(), form.errors
    form.add_spec_error(SweepSpecError("selfhost[0].pricing", "no reserved price"))
    form.add_spec_error(SweepSpecError("api_offer_ids[1]", "not in this catalog"))
    form.add_spec_error(SweepSpecError("volumes.num", "must be at least 1"))
    assert form.errors["options"] == [
        "Own 8B on GPU 1: no reserved price",
        "Small API: not in this catalog",
    ]
    assert form.errors["volume_steps"] == ["Volume (tokens a month): must be at least 1"]


@pytest.mark.parametrize(
    ("preset", "swept", "fixed"),
    [
        ("volume_share", {"volume", "input_share"}, {"utilization": "60"}),
        ("volume_utilization", {"volume", "utilization"}, {"input_share": "70"}),
        ("full_grid", {"volume", "input_share", "utilization"}, {}),
        ("volume", {"volume"}, {"input_share": "70", "utilization": "60"}),
    ],
)
def test_a_preset_fills_the_axes_from_the_plan(cast, plan, preset, swept, fixed):
    client = cast.client_for(cast.owner)
    page = client.get(reverse("planner:sweep_create"), {"plan": plan.pk, "preset": preset})
    form = page.context["form"]
    for axis in ("volume", "input_share", "utilization"):
        mode = form[f"{axis}_mode"].value()
        assert mode == ("range" if axis in swept else "list"), axis
    for axis, value in fixed.items():  # the plan's own values: its workload, its option
        assert form[f"{axis}_values"].value() == value
    # Volumes around the workload's 2B tokens a month.
    assert form["volume_start"].value() == "10,000,000"
    assert form["volume_stop"].value() == "100,000,000,000"
    assert f'value="{preset}" selected' in page.content.decode()
    # The filled form starts a sweep as it is.
    data = {key: form[key].value() for key in form.fields}
    data.update(name="From the preset", options=form["options"].value())
    response = post(client, {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 302, response.context["form"].errors
    sweep = Sweep.objects.get()
    assert len(sweep.spec["api"]) == 2
    assert len(sweep.spec["selfhost"]) == 1


def test_another_organizations_plan_and_options_cannot_be_referenced(cast, plan):
    theirs = plan_in(cast.other_org)
    client = cast.client_for(cast.owner)
    # Their plan does not exist for us: 404 on the page, refused in the form.
    assert client.get(reverse("planner:sweep_create"), {"plan": theirs.pk}).status_code == 404
    response = post(client, form_data(theirs, name="Peek"))
    assert "plan" in response.context["form"].errors
    # Our plan with one of their options: not a choice of ours.
    their_option = theirs.options.order_by("pk").first()
    response = post(
        client,
        form_data(plan, options=[str(option(plan, "Small API").pk), str(their_option.pk)]),
    )
    assert "options" in response.context["form"].errors
    assert str(their_option.pk) not in [
        value for value, _ in response.context["form"].fields["options"].choices
    ]
    assert not Sweep.objects.exists()
    # And the outsider sees none of our plans on the page.
    outsider = cast.client_for(cast.outsider)
    page = outsider.get(reverse("planner:sweep_create"))
    assert "Support bot" not in page.content.decode()
    assert outsider.get(reverse("planner:sweep_create"), {"plan": plan.pk}).status_code == 404


def finished_sweep(cast, plan, **overrides):
    client = cast.client_for(cast.owner)
    response = post(client, form_data(plan, **overrides))
    assert response.status_code == 302, response.context["form"].errors
    return client, Sweep.objects.get()


def test_the_heatmap_is_sliced_at_the_workloads_input_share_by_default(cast, plan):
    client, sweep = finished_sweep(
        cast,
        plan,
        input_share_mode="range",
        input_share_start="10",
        input_share_stop="90",
        input_share_steps="9",
        volume_steps="30",
        utilization_start="10",
        utilization_steps="10",
    )
    page = client.get(reverse("planner:sweep_detail", args=[sweep.pk]))
    heatmap = page.context["heatmap"]
    assert heatmap["slice_axis"] == "input_shares"
    assert heatmap["slice_values"] == pytest.approx([0.1 * k for k in range(1, 10)])
    assert heatmap["slice_value"] == pytest.approx(0.7)  # the workload's 70%, not 50%
    html = page.content.decode()
    assert 'id="heatmap-slice"' in html
    assert "70% (the workload&#x27;s)</option>" in html or "70% (the workload's)</option>" in html
    assert "(input share 70%)" in html

    # Another slice: the map is read at that share.
    other = client.get(reverse("planner:sweep_detail", args=[sweep.pk]), {"slice": "0"})
    assert other.context["heatmap"]["slice_value"] == pytest.approx(0.1)
    assert "(input share 10%)" in other.content.decode()
    maps = sweep.summary["heatmap"]["cheapest"]
    assert other.context["heatmap"]["rows"][0][1] == [
        sweep.summary["option_names"][i] for i in maps[0][0]
    ]
    # A nonsense slice falls back to the default.
    bad = client.get(reverse("planner:sweep_detail", args=[sweep.pk]), {"slice": "99"})
    assert bad.context["heatmap"]["slice_value"] == pytest.approx(0.7)


def test_the_nearest_share_is_the_default_when_the_grid_misses_the_workloads(cast, plan):
    client, sweep = finished_sweep(cast, plan, input_share_values="20 50 80")
    page = client.get(reverse("planner:sweep_detail", args=[sweep.pk]))
    assert page.context["heatmap"]["slice_value"] == pytest.approx(0.8)  # 70% -> 80%


def test_a_sweep_of_one_share_has_no_slice_selector(cast, plan):
    client, sweep = finished_sweep(cast, plan, input_share_values="70")
    page = client.get(reverse("planner:sweep_detail", args=[sweep.pk]))
    assert 'id="heatmap-slice"' not in page.content.decode()
    assert page.context["heatmap"]["columns"] == "utilizations"


def test_a_finished_sweep_shows_its_elapsed_time_and_no_cancel(cast, plan):
    client, sweep = finished_sweep(cast, plan)
    start = timezone.now() - timedelta(minutes=5)
    Sweep.objects.filter(pk=sweep.pk).update(
        started_at=start, finished_at=start + timedelta(seconds=3.1)
    )
    page = client.get(reverse("planner:sweep_detail", args=[sweep.pk]))
    html = page.content.decode()
    assert "<strong>Succeeded</strong> in 3.1 s" in html
    assert "Cancel sweep" not in html
    progress = client.get(reverse("planner:sweep_progress", args=[sweep.pk]))
    assert b"Succeeded</strong> in 3.1 s" in progress.content
    listing = client.get(reverse("planner:sweep_list")).content.decode()
    assert '<td class="num">3.1 s</td>' in listing
    # A late Cancel (the page was opened while it ran) says how it ended.
    response = client.post(reverse("planner:sweep_cancel", args=[sweep.pk]), follow=True)
    assert "Nothing to cancel: the sweep had already finished (succeeded in 3.1 s)." in (
        response.content.decode()
    )
    assert Sweep.objects.get(pk=sweep.pk).status == SweepStatus.SUCCEEDED


def test_a_running_sweep_shows_progress_with_cancel_in_the_polled_box(cast, plan):
    sweep = Sweep.objects.create(
        organization=cast.org,
        name="Running",
        catalog_version=plan.catalog_version,
        spec={},
        total_points=10,
        chunks_total=2,
        done_points=5,
        chunks_done=1,
        status=SweepStatus.RUNNING,
        started_at=timezone.now() - timedelta(seconds=2),
    )
    progress = cast.client_for(cast.owner).get(
        reverse("planner:sweep_progress", args=[sweep.pk]), HTTP_HX_REQUEST="true"
    )
    html = progress.content.decode()
    assert "Running for" in html
    assert "Cancel sweep" in html
    assert 'hx-trigger="every 1s"' in html
    viewer = cast.client_for(cast.viewer).get(reverse("planner:sweep_progress", args=[sweep.pk]))
    assert b"Cancel sweep" not in viewer.content  # a read-only member cannot cancel


def test_downloads_are_marked_for_the_progress_script(cast, plan):
    client, sweep = finished_sweep(cast, plan)
    html = client.get(reverse("planner:sweep_detail", args=[sweep.pk])).content.decode()
    assert 'data-download="CSV"' in html
    assert 'id="download-status"' in html
    assert "js/sweeps" in html


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (None, "—"),
        (0.04, "0.0 s"),
        (3.14, "3.1 s"),
        (59.94, "59.9 s"),
        (125, "2 min 5 s"),
        (120, "2 min"),
        (3780, "1 h 3 min"),
        (7200, "2 h"),
    ],
)
def test_durations_read_in_words(seconds, words):
    assert format_duration(seconds) == words


@pytest.mark.parametrize(
    ("names", "field"),
    [
        (["Only one"], "api_offer_names"),
        (["Fine", " "], "api_offer_names[1]"),
        ("x", "api_offer_names"),
    ],
)
def test_api_offer_names_label_the_offers_or_are_refused_by_field(names, field):
    version = sweep_catalog_version()
    with pytest.raises(SweepSpecError) as error:
        clean_sweep_spec(sweep_spec_for(version, api_offer_names=names), version=version)
    assert error.value.field == field
    cleaned = clean_sweep_spec(
        sweep_spec_for(version, api_offer_names=["Frontier", " Small "]), version=version
    )
    assert [o["name"] for o in cleaned["api"]] == ["Frontier", "Small"]


def test_a_summary_stored_before_slices_shows_its_one_map(cast, plan):
    old = {
        "option_names": ["API", "GPU"],
        "n_api": 1,
        "points": 4,
        "shape": [2, 1, 2],
        "wins": {"API": 3, "GPU": 1},
        "win_share": {"API": 0.75, "GPU": 0.25},
        "map": {
            "input_share": 0.5,
            "volumes": [1e6, 1e9],
            "utilizations": [0.5, 1.0],
            "cheapest": [[0, 0], [0, 1]],
        },
        "selfhost_from_volume": {
            "input_share": 0.5,
            "utilizations": [0.5, 1.0],
            "volumes": [None, 1e9],
        },
        "frontier_count": 0,
        "frontier": [],
    }
    sweep = Sweep.objects.create(
        organization=cast.org,
        name="Stored before",
        catalog_version=plan.catalog_version,
        workload=plan.workload,
        spec={},
        total_points=4,
        chunks_total=1,
        done_points=4,
        chunks_done=1,
        status=SweepStatus.SUCCEEDED,
        summary=old,
    )
    page = cast.client_for(cast.owner).get(reverse("planner:sweep_detail", args=[sweep.pk]))
    assert page.status_code == 200
    assert page.context["heatmap"]["rows"] == [(1e6, ["API", "API"]), (1e9, ["API", "GPU"])]
    html = page.content.decode()
    assert "(input share 50%)" in html
    assert 'id="heatmap-slice"' not in html
