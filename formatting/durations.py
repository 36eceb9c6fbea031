"""Elapsed times in words: "0.4 s", "3.1 s", "2 min 5 s", "1 h 3 min"."""

from __future__ import annotations


def format_duration(seconds: float | None) -> str:
    """A duration for people: tenths of a second under a minute, then minutes and
    seconds, then hours and minutes. None (unknown) is a dash."""
    if seconds is None:
        return "—"
    seconds = max(float(seconds), 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(whole, 3600)
    minutes = rest // 60
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
