"""The usage files we read, and how each names its columns.

* ``breakeven``, ours: ``date, model, input_tokens, output_tokens, cost``; optional
  ``cached_input_tokens``, ``requests``, ``workload`` (a workload's name) and the routing
  labels ``key``, ``team``, ``user``, ``model_group``, ``tag``.
* ``litellm``: LiteLLM proxy's spend logs as exported (the ``LiteLLM_SpendLogs`` table,
  one row per request: ``startTime, model, prompt_tokens, completion_tokens, spend``,
  and, when present, ``call_type``, ``cache_hit``, ``metadata``, ``api_key``, ``team_id``,
  ``user``, ``model_group``, ``request_tags``, ``mcp_namespaced_tool_name``).
* ``litellm_daily_user`` / ``_team`` / ``_tag``: LiteLLM's daily aggregate tables
  (``LiteLLM_DailyUserSpend`` …: ``date, model, prompt_tokens, completion_tokens, spend``
  and the entity column ``user_id`` / ``team_id`` / ``tag``; when present ``api_key``,
  ``model_group``, ``endpoint``, ``cache_read_input_tokens``, ``api_requests``,
  ``mcp_namespaced_tool_name``).

Column names match whatever their case (a spreadsheet may have changed it); other columns
are ignored. What a row is (`UsageKind`):

* a LiteLLM row with an empty ``model`` is a tool call (MCP): skipped and counted;
* ``call_type`` (spend logs) or ``endpoint`` (daily tables) tells chat from embeddings and
  other calls (images, audio, rerank, moderation…), which are kept apart from chat;
* a spend-log row with ``cache_hit`` true was answered from the proxy's own response cache:
  no model served it, so it is kept apart too (the daily tables do not mark these);
* cached input: the daily tables' ``cache_read_input_tokens``; in a spend log, the
  ``usage_object`` that LiteLLM keeps in ``metadata`` (``cache_read_input_tokens``, else
  ``prompt_tokens_details.cached_tokens``), as LiteLLM's own daily rollup reads it. Cached
  tokens are part of the input tokens; a row claiming more cached than input tokens is
  counted as all cached (and counted in the report).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from tracking.models import ImportFormat, UsageKind

# Our field -> the file's column.
FIELDS = ("date", "model", "input_tokens", "output_tokens", "cost")


@dataclass(frozen=True)
class UsageFormat:
    key: str
    required: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    # A row without a model is a tool call to skip (LiteLLM), rather than an error.
    empty_model_is_tool_call: bool = False


FORMATS: dict[str, UsageFormat] = {}


def register(usage_format: UsageFormat) -> UsageFormat:
    FORMATS[usage_format.key] = usage_format
    return usage_format


register(
    UsageFormat(
        key=ImportFormat.BREAKEVEN,
        required={name: name for name in FIELDS},
        optional={
            "cached_input_tokens": "cached_input_tokens",
            "requests": "requests",
            "workload": "workload",
            "key": "key",
            "team": "team",
            "user": "user",
            "model_group": "model_group",
            "tags": "tag",
        },
    )
)
register(
    UsageFormat(
        key=ImportFormat.LITELLM,
        required={
            "date": "startTime",
            "model": "model",
            "input_tokens": "prompt_tokens",
            "output_tokens": "completion_tokens",
            "cost": "spend",
        },
        optional={
            "call_type": "call_type",
            "cache_hit": "cache_hit",
            "metadata": "metadata",
            "key": "api_key",
            "team": "team_id",
            "user": "user",
            "model_group": "model_group",
            "tags": "request_tags",
            "tool": "mcp_namespaced_tool_name",
        },
        empty_model_is_tool_call=True,
    )
)


def _daily(key: str, entity: str, label: str) -> UsageFormat:
    return UsageFormat(
        key=key,
        required={
            "date": "date",
            "model": "model",
            "input_tokens": "prompt_tokens",
            "output_tokens": "completion_tokens",
            "cost": "spend",
            label: entity,
        },
        optional={
            "cached_input_tokens": "cache_read_input_tokens",
            "requests": "api_requests",
            "endpoint": "endpoint",
            "key": "api_key",
            "model_group": "model_group",
            "tool": "mcp_namespaced_tool_name",
        },
        empty_model_is_tool_call=True,
    )


register(_daily(ImportFormat.LITELLM_DAILY_USER, "user_id", "user"))
register(_daily(ImportFormat.LITELLM_DAILY_TEAM, "team_id", "team"))
register(_daily(ImportFormat.LITELLM_DAILY_TAG, "tag", "tags"))


# --- what a row is ------------------------------------------------------------------------

CHAT_CALLS = frozenset(
    {
        "",
        "completion",
        "acompletion",
        "text_completion",
        "atext_completion",
        "responses",
        "aresponses",
        "anthropic_messages",
        "generate_content",
        "agenerate_content",
        "generate_content_stream",
        "agenerate_content_stream",
    }
)
EMBEDDING_CALLS = frozenset({"embedding", "aembedding"})
CHAT_ENDPOINTS = ("chat/completions", "/completions", "/responses", "/messages", "generatecontent")
TRUE_TEXTS = frozenset({"true", "t", "1", "yes"})


def kind_of_call(call_type: str) -> str:
    call_type = call_type.strip().lower()
    if call_type in CHAT_CALLS:
        return UsageKind.CHAT
    if call_type in EMBEDDING_CALLS:
        return UsageKind.EMBEDDING
    return UsageKind.OTHER


def kind_of_endpoint(endpoint: str) -> str:
    endpoint = endpoint.strip().lower()
    if not endpoint:
        return UsageKind.CHAT
    if "embeddings" in endpoint:
        return UsageKind.EMBEDDING
    if any(part in endpoint for part in CHAT_ENDPOINTS):
        return UsageKind.CHAT
    return UsageKind.OTHER


def is_proxy_cache_hit(text: str) -> bool:
    return text.strip().lower() in TRUE_TEXTS


# A cache count in the metadata that is neither 0 nor null (as JSON from Python or
# PostgreSQL's jsonb writes it): without one, nothing was cached and the row's metadata
# need not be parsed, which is most rows of a log.
_SOME_CACHED = re.compile(r'"(?:cache_read_input_tokens|cached_tokens)": (?!0[,}]|null[,}])')


def cached_tokens_from_metadata(text: str) -> int:
    """Cached input tokens of a spend-log row, from the ``usage_object`` in its
    ``metadata``; 0 when it has none. ValueError when the metadata is not JSON."""
    if "cache_read_input_tokens" not in text and "cached_tokens" not in text:
        return 0
    if _SOME_CACHED.search(text) is None:
        return 0
    try:
        metadata = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError("is not JSON (a spreadsheet may have cut a long cell)") from None
    usage = metadata.get("usage_object") if isinstance(metadata, dict) else None
    if not isinstance(usage, dict):
        return 0
    value = usage.get("cache_read_input_tokens")
    if not value:
        details = usage.get("prompt_tokens_details")
        value = details.get("cached_tokens") if isinstance(details, dict) else None
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"usage_object holds {value!r} cached tokens")
    if value != int(value):
        raise ValueError(f"usage_object holds {value!r} cached tokens")
    return int(value)
