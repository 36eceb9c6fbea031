"""Model identity across versions and sources: the one normalisation rule.

Price lists name one model many ways: ``GPT-5``, ``gpt-5``, ``gpt-5-2025-08-07``,
``azure/gpt-5``, ``openrouter/openai/gpt-5``, ``us.anthropic.claude-sonnet-4-5-20250929-v1:0``,
``Claude Sonnet 4.5``. `canonical_model_id` turns each into one id (``gpt-5``,
``claude-sonnet-4-5``) by a fixed sequence of steps, and `canonical_provider_id` does the
same for who sells it (``OpenAI`` / ``openai`` / ``text-completion-openai`` → ``openai``).

The importers store the id on each API offer (`ApiOffer.model_id`); re-evaluation matches a
plan's offers into another version by it (`pricing.matching`). Nothing else normalises
names: a change to the rule is made here, once.

The steps, in order (each is conservative: two different models must never meet):

1. lower case, outer spaces dropped;
2. a provider path is dropped: only the last ``/`` segment counts (``azure/eu/gpt-5`` →
   ``gpt-5``), and a reseller's own name before it (`RESELLER_PREFIXES`:
   ``databricks/databricks-gpt-5`` → ``gpt-5``);
3. a cloud region and vendor dot-prefix is dropped (``us.anthropic.``, ``meta.``,
   ``openai.``): only the names in `REGION_PREFIXES` and `VENDOR_PREFIXES`, since a dot
   inside a version (``gpt-4.1``) is no prefix;
4. a snapshot suffix is dropped: ``-v1:0`` (Bedrock revisions), ``-v1`` after a vendor
   prefix, ``@default`` / ``@latest``, and a date ``-2025-08-07``, ``-20250929`` or
   ``@20251101``. A four-digit release (``mistral-small-2503``) is a version, not a date:
   it stays, and `VENDOR_ALIASES` names it where a vendor renamed it;
5. everything but letters and digits becomes one ``-`` (``Claude Sonnet 4.5`` →
   ``claude-sonnet-4-5``), and ``3p2`` (Fireworks' dot) becomes ``3-2``;
6. `VENDOR_ALIASES` maps a vendor's other name for the same model to the canonical one.

``-latest`` aliases and ``-instruct`` / ``-chat`` variants are kept apart: they can
point at another model than the plain name (``gpt-5-chat`` is not ``gpt-5``).
"""

from __future__ import annotations

import re

# Resellers that put their own name before the model's (``databricks-claude-sonnet-4-5``).
RESELLER_PREFIXES = ("databricks-", "snowflake-")
# Cloud regions that prefix a model id (AWS Bedrock cross-region inference profiles).
REGION_PREFIXES = ("us-gov", "us", "eu", "apac", "au", "jp", "ca", "global")
# Vendors that prefix a model id with a dot (Bedrock, OCI).
VENDOR_PREFIXES = (
    "ai21",
    "amazon",
    "anthropic",
    "cohere",
    "deepseek",
    "google",
    "meta",
    "minimax",
    "mistral",
    "moonshot",
    "moonshotai",
    "openai",
    "qwen",
    "writer",
    "xai",
)
# A vendor's other name for the same model, after steps 1-5: alias → canonical id.
VENDOR_ALIASES: dict[str, str] = {
    # Mistral names releases by year and month: Small 3 = 25.01, 3.1 = 25.03, 3.2 = 25.06.
    "mistral-small-2501": "mistral-small-3",
    "mistral-small-2503": "mistral-small-3-1",
    "mistral-small-2506": "mistral-small-3-2",
    # Anthropic moved the family name before the number from the 4 series on.
    "claude-sonnet-3-5": "claude-3-5-sonnet",
    "claude-sonnet-3-7": "claude-3-7-sonnet",
    "claude-haiku-3-5": "claude-3-5-haiku",
    "claude-opus-3": "claude-3-opus",
}
# Who sells it: another name of the same seller → canonical provider id.
PROVIDER_ALIASES: dict[str, str] = {
    "gemini": "google",
    "googleaistudio": "google",
    "textcompletionopenai": "openai",
    "azureai": "azure",
    "azuretext": "azure",
    "azureopenai": "azure",
    "bedrockconverse": "bedrock",
    "bedrockmantle": "bedrock",
    "awsbedrock": "bedrock",
    "amazonbedrock": "bedrock",
    "fireworksai": "fireworks",
    "togetherai": "together",
    "metallama": "meta",
    "coherechat": "cohere",
    "mistralai": "mistral",
    "moonshotai": "moonshot",
    "vertexai": "vertex",
    "googlevertexai": "vertex",
}

_PREFIX = re.compile(
    rf"^(?:(?:{'|'.join(map(re.escape, REGION_PREFIXES))})\.)?"
    rf"(?P<vendor>(?:{'|'.join(map(re.escape, VENDOR_PREFIXES))})\.)"
)
_REVISION = re.compile(r"-v\d+:\d+$")
_VENDOR_REVISION = re.compile(r"-v\d+$")
_AT_TAG = re.compile(r"@(?:default|latest)$")
_DATE = re.compile(r"[-@_](?:20\d{2}-[01]\d-[0-3]\d|20\d{2}[01]\d[0-3]\d)$")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_FIREWORKS_DOT = re.compile(r"(?<=\d)p(?=\d)")
_PARENTHESES = re.compile(r"\([^)]*\)")


def canonical_model_id(name: str) -> str:
    """The one id of the model ``name`` names, however the source spells it."""
    text = name.strip().lower()
    segments = [s for s in text.split("/") if s]
    if not segments:
        return ""
    last = segments[-1]
    for reseller in RESELLER_PREFIXES:
        if len(segments) > 1 and segments[0] == reseller[:-1]:
            last = last.removeprefix(reseller)
    prefixed = _PREFIX.match(last)
    if prefixed:
        last = last[prefixed.end() :]
    last = _REVISION.sub("", last)
    if prefixed:
        last = _VENDOR_REVISION.sub("", last)
    last = _AT_TAG.sub("", last)
    last = _DATE.sub("", last)
    slug = _NOT_ALNUM.sub("-", last).strip("-")
    slug = _FIREWORKS_DOT.sub("-", slug)
    return VENDOR_ALIASES.get(slug, slug)


def canonical_provider_id(provider: str) -> str:
    """The one id of a seller: ``OpenAI``, ``openai`` and ``text-completion-openai`` are
    ``openai``; a parenthesis is a remark (``Meta (hosted)`` is ``meta``); blank stays blank."""
    text = _NOT_ALNUM.sub("", _PARENTHESES.sub("", provider.lower()))
    if text.startswith("vertexai") and text != "vertexai":
        text = "vertexai"  # LiteLLM's vertex_ai-<family>_models are all Vertex AI
    return PROVIDER_ALIASES.get(text, text)
