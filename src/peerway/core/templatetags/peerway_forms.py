"""``{% submit_once %}``: the one-time token of a form that must be saved once (core.submissions)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from peerway.core.submissions import SUBMISSION_FIELD, submission_token

register = template.Library()


@register.simple_tag
def submit_once() -> SafeString:
    """A hidden field with a new token each time the form is drawn; its view is wrapped in ``submitted_once`` or
    asks ``submission_secret``."""
    # autocomplete="off": a browser restoring the page's fields (a reload, the back button) leaves this one alone.
    return format_html(
        '<input type="hidden" name="{}" value="{}" autocomplete="off">', SUBMISSION_FIELD, submission_token()
    )
