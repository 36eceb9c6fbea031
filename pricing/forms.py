"""Forms of the catalog pages. Thin: shape and basic checks; services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from pricing.benchmarks import MAX_BYTES
from pricing.models import BenchmarkFormat, Precision


class BenchmarkUploadForm(forms.Form):
    file = forms.FileField(
        label="Benchmark result file",
        help_text="The JSON that vLLM's benchmark_serving.py --save-result (vllm bench serve) "
        "writes, or GuideLLM's report (benchmarks.json), up to 50 MB.",
    )
    source_format = forms.ChoiceField(
        choices=BenchmarkFormat.choices, initial=BenchmarkFormat.VLLM_SERVING, label="Format"
    )
    model_name = forms.CharField(max_length=120, label="Model served")
    gpu_sku = forms.CharField(max_length=120, label="GPU", help_text="e.g. H100 80GB.")
    gpu_count = forms.IntegerField(min_value=1, max_value=1024, label="GPUs per replica")
    precision = forms.ChoiceField(choices=Precision.choices, initial=Precision.FP16)
    engine = forms.CharField(max_length=60, initial="vLLM")
    name = forms.CharField(
        max_length=200, required=False, help_text="Empty: model, GPU, concurrency and date."
    )
    benchmark = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10_000,
        label="Run in the report",
        help_text="A GuideLLM report with several runs: which one (1 = the first).",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB.")
        return upload
