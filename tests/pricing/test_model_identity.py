"""The one normalisation rule of model identity (issue 17 item 3): every spelling a price
list uses for a model gives the same canonical id, and different models never meet."""

from __future__ import annotations

import pytest

from pricing.model_identity import canonical_model_id, canonical_provider_id

# (name as a source spells it, canonical id): the names are LiteLLM's, genai-prices' and the
# reference catalog's own.
SAME_MODEL = [
    ("GPT-5", "gpt-5"),
    ("gpt-5", "gpt-5"),
    ("gpt-5-2025-08-07", "gpt-5"),  # dated snapshot
    ("azure/gpt-5", "gpt-5"),  # provider prefix
    ("azure/eu/gpt-5-2025-08-07", "gpt-5"),  # provider, region and date
    ("openrouter/openai/gpt-5", "gpt-5"),
    ("oci/openai.gpt-5", "gpt-5"),  # vendor dot-prefix
    ("databricks/databricks-gpt-5", "gpt-5"),  # reseller's own prefix
    ("Claude Sonnet 4.5", "claude-sonnet-4-5"),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
    ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),  # Bedrock
    ("bedrock/us-gov-east-1/anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
    ("vertex_ai/claude-opus-4-5@20251101", "claude-opus-4-5"),
    ("vertex_ai/claude-opus-4-6@default", "claude-opus-4-6"),
    ("anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
    ("GPT-4.1 Nano", "gpt-4-1-nano"),
    ("gpt-4.1-nano-2025-04-14", "gpt-4-1-nano"),
    ("DeepSeek V3.2", "deepseek-v3-2"),
    ("fireworks_ai/accounts/fireworks/models/deepseek-v3p2", "deepseek-v3-2"),
    ("Gemini 2.5 Pro", "gemini-2-5-pro"),
    ("gemini/gemini-2.5-pro", "gemini-2-5-pro"),  # a path, not a reseller prefix
    ("Grok 3", "grok-3"),
    ("oci/xai.grok-3", "grok-3"),
    ("Mistral Small 3.1", "mistral-small-3-1"),
    ("azure_ai/mistral-small-2503", "mistral-small-3-1"),  # vendor rename (25.03 = 3.1)
    ("Llama 3.3 70B", "llama-3-3-70b"),
    ("vercel_ai_gateway/meta/llama-3.3-70b", "llama-3-3-70b"),
]


@pytest.mark.parametrize(("name", "model_id"), SAME_MODEL)
def test_every_spelling_gives_the_canonical_id(name, model_id):
    assert canonical_model_id(name) == model_id
    # The rule is a fixed point: an id stays itself.
    assert canonical_model_id(model_id) == model_id


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("gpt-5", "gpt-5-chat"),  # a variant, not an alias
        ("gpt-5", "gpt-5-chat-latest"),
        ("gpt-4.1-nano", "ft:gpt-4.1-nano-2025-04-14"),  # a fine-tune
        ("deepseek-v3", "deepseek-v3.2"),  # a version is never taken for a revision
        ("mistral-small-2402", "mistral-small-2503"),  # releases by year-month stay apart
        ("gemini-2.5-pro", "gemini-2.5-pro-preview-tts"),
        ("mistral/mistral-small", "small"),
    ],
)
def test_different_models_never_meet(one, other):
    assert canonical_model_id(one) != canonical_model_id(other)


@pytest.mark.parametrize(
    ("provider", "seller"),
    [
        ("OpenAI", "openai"),
        ("openai", "openai"),
        ("text-completion-openai", "openai"),
        ("Anthropic", "anthropic"),
        ("Google", "google"),
        ("gemini", "google"),
        ("vertex_ai-anthropic_models", "vertex"),
        ("vertex_ai-language-models", "vertex"),
        ("Meta (hosted)", "meta"),
        ("meta_llama", "meta"),
        ("Z.ai", "zai"),
        ("fireworks_ai", "fireworks"),
        ("bedrock_converse", "bedrock"),
        ("azure_ai", "azure"),
        ("", ""),
    ],
)
def test_seller_ids(provider, seller):
    assert canonical_provider_id(provider) == seller
