"""Forms sent once: a double click or a browser's retry of a staff form is recognised and not saved again."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class FormSubmission(models.Model):
    """One row per staff form sent and saved: the hash of the form's one-time token and of what it carried, and
    where saving led.

    Written in the same transaction as what the form saved (``core.submissions.submitted_once``), so the same
    token sent again with the same content finds it and is answered as the first was, without saving twice. Pruned
    after a day.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64)
    # A keyed digest of the fields sent: a form brought back with its spent token (a browser's back button or
    # restored page) and filled in again is a new sending, not a repeat.
    content_hash = models.CharField(max_length=64, default="")
    # Where the first sending was sent on to (a page of the same site); empty while it is being saved.
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token_hash", "content_hash"], name="form_submission_once")
        ]

    def __str__(self) -> str:
        return f"form sent by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"
