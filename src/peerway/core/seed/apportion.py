"""Dividing a whole number of people among organizations in proportion to weights."""

from __future__ import annotations

from collections.abc import Sequence


def apportion(total: int, weights: Sequence[float], *, minimum: int = 0) -> list[int]:
    """Split ``total`` into whole shares proportional to ``weights``, each at least ``minimum``.

    Guarantees: the shares sum to ``total`` exactly; ties go to the earlier position, so the result
    depends only on the inputs (largest-remainder method).
    """
    count = len(weights)
    if count == 0:
        return []
    if total < minimum * count:
        raise ValueError(f"cannot give {count} shares at least {minimum} each out of {total}")
    rest = total - minimum * count
    weight_sum = sum(weights)
    exact = [rest * weight / weight_sum for weight in weights] if weight_sum > 0 else [rest / count] * count
    shares = [int(value) for value in exact]
    by_remainder = sorted(range(count), key=lambda index: (-(exact[index] - shares[index]), index))
    for index in by_remainder[: rest - sum(shares)]:
        shares[index] += 1
    return [minimum + share for share in shares]
