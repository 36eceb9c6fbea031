"""Defaults the product picks for the user when it proposes a self-hosted option itself.

The landing page's example, the live preview's reference option and a guided first plan
all plan a replica at this share of its measured throughput (headroom for peaks); a
plan the user fills in states its own utilization.
"""

from __future__ import annotations

from decimal import Decimal

PROPOSED_UTILIZATION = Decimal("0.6")
