"""``{{ event.actor_role|acting_role_label }}``: the role an access was made in, in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from peerway.accounts.roles import ROLE_LABELS, Role

register = template.Library()

# The values an AccessEvent's role holds besides a membership's roles (peerway.core.access.acting_role).
OTHER_ROLES = {
    "self": _("The person themself"),
    "system": _("Peerway itself (a scheduled job)"),
    "none": _("No role"),
}


@register.filter
def acting_role_label(value: str) -> str:
    """ "peer,supervisor" as "Peer recovery specialist, Peer supervisor" (translated); a value Peerway does not know
    as it is."""
    labels = []
    for part in (value or "").split(","):
        code = part.strip()
        if code in {role.value for role in Role}:
            labels.append(gettext(ROLE_LABELS[Role(code)]))
        elif code in OTHER_ROLES:
            labels.append(str(OTHER_ROLES[code]))
        elif code:
            labels.append(code)
    return gettext(", ").join(labels)
