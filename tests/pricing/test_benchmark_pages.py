"""catalogs/benchmarks/: an organization's own throughput profiles, listed for members and
imported by writers (issue 15 item 4)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pricing.models import PrivateThroughputProfile
from tests.factories import VLLM_BENCHMARK_FILE, private_profile_in

pytestmark = pytest.mark.django_db

URL = reverse("pricing:private_profiles")
STATED = {
    "source_format": "vllm_benchmark_serving",
    "model_name": "Llama 3.1 8B",
    "gpu_sku": "H100 80GB",
    "gpu_count": "1",
    "precision": "fp16",
    "engine": "vLLM",
}


def _post(client, content: bytes):
    return client.post(URL, {**STATED, "file": SimpleUploadedFile("run.json", content)})


def test_members_see_their_profiles_only(cast):
    private_profile_in(cast.org, name="Acme run")
    private_profile_in(cast.other_org, name="Rival run")
    for user in (cast.owner, cast.teammate, cast.viewer):
        page = cast.client_for(user).get(URL)
        assert page.status_code == 200
        assert "Acme run" in page.content.decode()
        assert "Rival run" not in page.content.decode()
    outsider_page = cast.client_for(cast.outsider).get(URL).content.decode()
    assert "Rival run" in outsider_page
    assert "Acme run" not in outsider_page


def test_writer_imports_a_file(cast):
    response = _post(cast.client_for(cast.teammate), VLLM_BENCHMARK_FILE.read_bytes())
    assert response.status_code == 302
    profile = PrivateThroughputProfile.objects.for_org(cast.org).get()
    assert profile.output_tok_s == 1250
    assert profile.gpu_sku == "H100 80GB"
    page = cast.client_for(cast.owner).get(URL).content.decode()
    assert profile.name in page
    assert "1250" in page.replace(",", "")


def test_bad_file_shows_the_field_and_writes_nothing(cast):
    doc = json.loads(VLLM_BENCHMARK_FILE.read_bytes())
    doc["output_throughput"] = "fast"
    response = _post(cast.client_for(cast.owner), json.dumps(doc).encode())
    assert response.status_code == 400
    assert "Field &#x27;output_throughput&#x27; must be a number" in response.content.decode()
    assert not PrivateThroughputProfile.objects.for_org(cast.org).exists()


def test_viewer_cannot_import(cast):
    response = _post(cast.client_for(cast.viewer), VLLM_BENCHMARK_FILE.read_bytes())
    assert response.status_code == 403
    assert not PrivateThroughputProfile.objects.for_org(cast.org).exists()
    assert "Import a benchmark" not in cast.client_for(cast.viewer).get(URL).content.decode()


def test_page_queries_do_not_grow_with_profiles(cast, django_assert_max_num_queries):
    client = cast.client_for(cast.viewer)
    private_profile_in(cast.org, name="First")
    client.get(URL)
    with django_assert_max_num_queries(30) as few:
        client.get(URL)
    for n in range(5):
        private_profile_in(cast.org, name=f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(URL)
    assert page.content.decode().count("More ") == 5
