"""Calendar and unit conventions shared by every module.

A month is 30 days (720 hours) unless a plan says otherwise: the reference figures
(``$2.00/h x 720 = $1,440``) use that convention.
"""

from __future__ import annotations

DAYS_PER_MONTH = 30.0
HOURS_PER_DAY = 24.0
HOURS_PER_MONTH = DAYS_PER_MONTH * HOURS_PER_DAY  # 720
HOURS_PER_YEAR = 365.0 * HOURS_PER_DAY  # 8,760
SECONDS_PER_HOUR = 3600.0
TOKENS_PER_MTOK = 1_000_000.0


def format_tokens(tokens: float) -> str:
    """Human figure for a token count: ``4.73B``, ``256M``, ``8.5K`` (4 significant digits)."""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(tokens) >= scale:
            return f"{tokens / scale:.4g}{suffix}"
    return f"{tokens:.4g}"


def format_usd(amount: float) -> str:
    return f"${amount:,.2f}"
