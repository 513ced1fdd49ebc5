"""Intervals for small samples: a dimension has five to ten replies, not thousands.

The Wilson score interval behaves at 0/n and n/n, where the normal
approximation claims certainty it does not have.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(passed: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The 95% Wilson interval of ``passed/total``; (0, 1) when there is no sample."""
    if total <= 0:
        return (0.0, 1.0)
    p = passed / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))
