from __future__ import annotations

from typing import Any

from django import template

from peerway.matching.presentation import shared_sentence

register = template.Library()


@register.filter
def shares(explanation: dict[str, Any]) -> str:
    """{{ offer.explanation|shares }} → "Shares: Somali, Somali community, Opioids"."""
    return shared_sentence(explanation or {})
