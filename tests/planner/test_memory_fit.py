"""A plan prices a self-hosted replica on the GPUs that hold its model (issue 15, item 1).

The figures follow tests/engine/test_memory_fit.py: Llama 3.3 70B (80 layers, 8 KV heads,
head dim 128) caches 327,680 B a token; 16 requests of 4,096 tokens = 21.47 GB. Each
80 GB GPU holds 72 GB usable.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from planner import services
from planner.wording import fit_text
from tests.planner.conftest import api_offer, gpu_offer, make_plan

pytestmark = pytest.mark.django_db


def llama(version, **option):
    return {
        "kind": "selfhost",
        "model_name": "Llama 3.3 70B",
        "gpu_offer": gpu_offer(version),  # 1x A100 80GB at $2.00/h
        "tokens_per_second": Decimal(1000),
        "utilization": Decimal(1),
        **option,
    }


def computed(cast, version, option, **workload):
    plan = make_plan(
        cast.org,
        cast.owner,
        version,
        options=[{"kind": "api", "api_offer": api_offer(version, "GPT-5", "feb-2026")}, option],
        **workload,
    )
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    return plan, comparison, comparison.results["options"][1]


def test_the_issue_case_is_priced_on_two_gpus_a_replica(cast, reference_version):
    # FP8: 70 GB of weights + 21.47 GB of KV cache = 91.47 GB > 72 on one A100; two hold
    # 144. The replica is priced on 2 GPUs: $2.00/h x 2 x 720 h = $2,880 a month.
    # 1B tokens at 1,000 tok/s: one replica carries 1,000 x 720 x 3,600 = 2.592B.
    plan, comparison, option = computed(
        cast, reference_version, llama(reference_version, precision="fp8")
    )
    fit = option["fit"]
    assert (fit["gpus_asked"], fit["gpus_needed"], fit["gpus"], fit["raised"]) == (1, 2, 2, True)
    assert fit["weights_gb"] == 70.0
    assert fit["kv_cache_gb"] == pytest.approx(21.475, abs=1e-3)
    assert (option["replicas"], option["gpus"]) == (1, 2)
    assert option["monthly"]["expected"] == 2880.0
    # Its name says what it is priced on.
    assert plan.options.get(kind="selfhost").name == "Llama 3.3 70B on 2\u00d7 NVIDIA A100 80GB"
    sentence = fit_text(option)
    assert (
        "needs 91.5 GB a replica (weights 70.0 GB + KV cache 21.5 GB for 16 requests of 4,096 tokens)"
        in sentence
    )
    assert "2 GPUs hold 144.0 GB usable (90% of each): tensor parallel 2." in sentence
    assert "Priced on 2 GPUs a replica: the 1 asked for cannot hold the model." in sentence
    # The page shows the sentence beside the fleet row, with the same GPU count.
    page = (
        cast.client_for(cast.owner)
        .get(reverse("planner:comparison_detail", args=[comparison.pk]))
        .content.decode()
    )
    assert 'data-gpus="2" data-raised="true"' in page
    assert "tensor parallel 2" in page
    assert "on 1 instance (2 GPUs)" in page


@pytest.mark.parametrize(
    ("precision", "gpus", "monthly"),
    [
        # FP16: 140 + 21.47 = 161.47 GB -> 4 x 72 = 288: 4 x $2 x 720 = $5,760.
        ("fp16", 4, 5760.0),
        # INT4: 35 + 21.47 = 56.47 GB -> one A100: $1,440 (worked case 4's deployment).
        ("int4", 1, 1440.0),
    ],
)
def test_precision_decides_the_gpus(cast, reference_version, precision, gpus, monthly):
    _plan, _comparison, option = computed(
        cast, reference_version, llama(reference_version, precision=precision)
    )
    assert option["fit"]["gpus"] == gpus
    assert option["fit"]["raised"] is (gpus > 1)
    assert option["gpus"] == gpus
    assert option["monthly"]["expected"] == monthly


def test_a_long_context_needs_more_gpus(cast, reference_version):
    # INT4 with 4 requests of 65,536 tokens: 327,680 B x 262,144 = 85.90 GB of KV cache;
    # 35 + 85.90 = 120.90 GB > 72 -> 2 GPUs (144): $2,880.
    _plan, _comparison, option = computed(
        cast,
        reference_version,
        llama(reference_version, precision="int4", context_tokens=65_536, concurrent_sequences=4),
    )
    assert option["fit"]["kv_cache_gb"] == pytest.approx(85.899, abs=1e-3)
    assert option["fit"]["gpus"] == 2
    assert option["monthly"]["expected"] == 2880.0


def test_more_gpus_asked_are_kept(cast, reference_version):
    # INT4 fits one GPU; 4 asked for are priced: 4 x $2 x 720 = $5,760.
    _plan, _comparison, option = computed(
        cast, reference_version, llama(reference_version, precision="int4", gpu_count=4)
    )
    assert (option["fit"]["gpus_needed"], option["fit"]["gpus"]) == (1, 4)
    assert option["fit"]["raised"] is False
    assert option["monthly"]["expected"] == 5760.0


def test_a_context_beyond_the_model_is_refused_naming_the_field(cast, reference_version):
    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        options=[llama(reference_version, precision="int4", context_tokens=200_000)],
    )
    with pytest.raises(ValidationError) as exc:
        services.plan_compute(plan=plan, actor=cast.owner)
    assert list(exc.value.message_dict) == ["context_tokens"]
    assert "131,072" in exc.value.message_dict["context_tokens"][0]
    assert not plan.comparisons.exists()


def test_a_model_too_big_for_one_node_is_refused_unless_a_replica_may_span(cast, reference_version):
    # DeepSeek V3.2 (671B, latent attention) at FP8 on A100 80GB: 671 + 4.61 = 675.6 GB;
    # one node of 8 holds 576 usable.
    option = llama(reference_version, precision="fp8", model_name="DeepSeek V3.2")
    plan = make_plan(cast.org, cast.owner, reference_version, options=[option])
    with pytest.raises(ValidationError) as exc:
        services.plan_compute(plan=plan, actor=cast.owner)
    assert list(exc.value.message_dict) == ["allow_multi_instance"]
    # Allowed to span: ceil(675.6 / 576) = 2 nodes = 16 GPUs a replica, on two 8-GPU
    # instances: 16 x $2 x 720 = $23,040.
    _plan, _comparison, result = computed(
        cast, reference_version, {**option, "allow_multi_instance": True}
    )
    assert (result["fit"]["gpus"], result["fit"]["nodes"]) == (16, 2)
    assert (result["gpus"], result["machines"]) == (16, 2)
    assert result["monthly"]["expected"] == 23040.0


def test_an_owned_node_holds_a_mixture_of_experts_model_on_total_parameters(
    cast, reference_version
):
    # Llama 4 Maverick (400B total, 17B active; 48 layers, 8 KV heads): FP8 400 GB +
    # 48 x 8 x 128 x 2 x 2 B x 65,536 = 12.88 GB = 412.88 GB on the HGX node's 80 GB
    # GPUs (640 GB / 8): 4 x 72 = 288 is short, 8 x 72 = 576 holds it: 8 GPUs a replica,
    # one replica a server.
    from pricing.models import OwnedHardware

    node = OwnedHardware.objects.get(version=reference_version, name="8x H100 HGX node")
    _plan, _comparison, option = computed(
        cast,
        reference_version,
        {
            "kind": "selfhost",
            "model_name": "Llama 4 Maverick",
            "rent_mode": "owned",
            "owned_hardware": node,
            "gpu_count": 1,
            "precision": "fp8",
            "tokens_per_second": Decimal(2000),
        },
    )
    assert option["fit"]["gpus"] == 8
    assert option["fit"]["weights_gb"] == 400.0
    assert option["depth"]["finance"]["gpus_per_server"] == 8
    assert option["machines"] == option["replicas"]
