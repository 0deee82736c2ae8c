"""Figures the security and reliability tests report at the end of the run (probes, examples, steps)."""

from collections import Counter

COUNTS: Counter = Counter()


def report(name: str, value: int = 1) -> None:
    COUNTS[name] += value
