"""Django's own messages that Peerway's pages can show, listed so that `makemessages` keeps them in Peerway's
catalogs.

Django ships no Somali or Hmong translations, so a Somali or Hmong page would otherwise show Django's form
errors ("This field is required.") and elapsed times ("4 hours, 2 minutes") in English. Peerway's catalogs
take precedence over Django's (LOCALE_PATHS), so the Spanish entries repeat Django's own Spanish wording.
Nothing imports this module: it exists to be read by `makemessages`. Every message must be exactly Django's
(tests/core/test_django_messages.py compares them with Django's English catalog).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

FORM_AND_MODEL_ERRORS = (
    gettext_noop("This field is required."),
    gettext_noop("This field cannot be blank."),
    gettext_noop("This field cannot be null."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid time."),
    gettext_noop("Enter a valid date/time."),
    gettext_noop("Enter a list of values."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("No file was submitted. Check the encoding type on the form."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("Null characters are not allowed."),
)
LENGTH_ERRORS = (
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
# The |timesince filter (the live queue's "asked 4 hours, 2 minutes ago").
ELAPSED_TIME = (
    gettext_noop(", "),
    ngettext_lazy("%(num)d year", "%(num)d years", "num"),
    ngettext_lazy("%(num)d month", "%(num)d months", "num"),
    ngettext_lazy("%(num)d week", "%(num)d weeks", "num"),
    ngettext_lazy("%(num)d day", "%(num)d days", "num"),
    ngettext_lazy("%(num)d hour", "%(num)d hours", "num"),
    ngettext_lazy("%(num)d minute", "%(num)d minutes", "num"),
)
