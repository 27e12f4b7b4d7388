"""Contacts: what happened at each session with a person. What billing counts, so never silently edited.

A Contact is the stable identity (engagement, who recorded it, lock, co-sign, plan flag); every change of its
content is a new ContactVersion (number, who, when, reason). Pages show ``current_version``; once billing
locks a contact, ``locked_version`` stays as billed whatever corrections follow.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from peerway.core.models import PublicIdModel, TimestampedModel
from peerway.privacy.fields import EncryptedCharField, EncryptedTextField
from peerway.recovery.models.engagements import Engagement
from peerway.recovery.models.plans import PlanGoal

MAX_CONTACT_MINUTES = 720


class ContactModality(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    TEXT = "text", _("Text")
    VIDEO = "video", _("Video")


class ContactKind(models.TextChoices):
    RECOVERY_SUPPORT = "recovery_support", _("Recovery support")
    RESOURCE_NAVIGATION = "resource_navigation", _("Resource navigation")
    ADVOCACY = "advocacy", _("Advocacy")
    CRISIS_SUPPORT = "crisis_support", _("Crisis support")
    ACCOMPANIMENT = "accompaniment", _("Accompaniment")
    GROUP = "group", _("Group")


class Contact(PublicIdModel, TimestampedModel):
    """One session (or attempt) with the person in an engagement."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="contacts")
    peer = models.ForeignKey("workforce.PeerProfile", on_delete=models.PROTECT, related_name="contacts")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    current_version = models.ForeignKey(
        "ContactVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Denormalized from the current version so lists and the caseload sort and count without a join.
    occurred_at = models.DateTimeField(db_index=True)
    # How many sessions (the person present) this engagement had before this contact, when it was recorded.
    sessions_before = models.PositiveIntegerField(default=0)
    # Recorded after the third session while the plan was not complete: stored, shown, refused by billing.
    plan_missing = models.BooleanField(default=False)
    needs_cosign = models.BooleanField(default=False)
    cosigned_at = models.DateTimeField(null=True, blank=True)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cosigned_version = models.ForeignKey(
        "ContactVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_version = models.ForeignKey(
        "ContactVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["engagement", "-occurred_at"]),
            models.Index(fields=["needs_cosign", "cosigned_at"]),
        ]

    def __str__(self) -> str:
        return f"Contact {str(self.public_id)[:8]}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def awaiting_cosign(self) -> bool:
        return self.needs_cosign and self.cosigned_at is None


class ContactVersion(models.Model):
    """One version of a contact's content. Written once, never updated."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    occurred_on = models.DateField(verbose_name=_("date"))
    started_at = models.TimeField(verbose_name=_("start time"))
    duration_minutes = models.PositiveIntegerField(
        verbose_name=_("minutes"),
        validators=[
            MinValueValidator(1, message=_("A contact lasts at least one minute.")),
            MaxValueValidator(
                MAX_CONTACT_MINUTES, message=_("A contact cannot last more than 12 hours (720 minutes).")
            ),
        ],
    )
    modality = models.CharField(max_length=16, choices=ContactModality.choices, verbose_name=_("how"))
    place = EncryptedCharField(max_length=255, null=True, blank=True, verbose_name=_("place"))
    kind = models.CharField(max_length=32, choices=ContactKind.choices, verbose_name=_("kind"))
    note = EncryptedTextField(verbose_name=_("note"))
    person_present = models.BooleanField(default=True, verbose_name=_("the person took part"))
    goals = models.ManyToManyField(PlanGoal, blank=True, related_name="contact_versions")
    # The goals' words as this version was written (JSON, goal id to description; encrypted like the goals): a goal
    # reworded later must not rewrite what a co-signed or billed version says. Empty on versions written before
    # the words were kept, and those show the goals' words now.
    goal_words = EncryptedTextField(null=True, blank=True)
    reason = EncryptedTextField(null=True, blank=True, verbose_name=_("reason for the correction"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contact", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="recovery_contact_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Contact version {self.number}"

    def occurred_at(self, tz: dt.tzinfo) -> dt.datetime:
        return dt.datetime.combine(self.occurred_on, self.started_at, tzinfo=tz)

    def goals_as_written(self) -> list[str]:
        """The words of the goals this version names, as they read when it was written."""
        written: dict[str, str] = json.loads(self.goal_words) if self.goal_words else {}
        return [written.get(str(goal.pk), goal.description) for goal in self.goals.all()]

    def clean_in(
        self, tz: dt.tzinfo, *, engagement_began: dt.datetime, engagement_ended: dt.datetime | None = None
    ) -> None:
        """Refuse a session that starts in the future, on a day before the engagement began or after it closed (the
        days read in the organization's time zone ``tz``)."""
        if self.occurred_on is None or self.started_at is None:
            return
        now = timezone.now()
        if self.occurred_on > now.astimezone(tz).date():
            raise ValidationError({"occurred_on": _("The date is in the future.")})
        # A correction of a closed engagement's contact may not move it past the close: it would bill a session
        # held outside the engagement.
        if engagement_ended is not None and self.occurred_on > engagement_ended.astimezone(tz).date():
            ended_on = engagement_ended.astimezone(tz).date()
            message = _("The date is after the engagement closed, on %(date)s.")
            raise ValidationError(
                {"occurred_on": ValidationError(message, params={"date": date_format(ended_on, "SHORT_DATE_FORMAT")})}
            )
        # A contact is billed for its date: one dated before the engagement existed (a typo such as year 1)
        # would be a claim for a session that cannot have been part of it. It comes before the start time's check,
        # which turns the date into an instant, and that overflows for year 1 in a zone east of UTC.
        began_on = engagement_began.astimezone(tz).date()
        if self.occurred_on < began_on:
            message = _("The date is before the engagement began, on %(date)s.")
            raise ValidationError(
                {"occurred_on": ValidationError(message, params={"date": date_format(began_on, "SHORT_DATE_FORMAT")})}
            )
        # Two datetimes in the same time zone compare by wall clock, which is wrong in the repeated hour when
        # daylight saving time ends: compare the instants, in UTC.
        if self.occurred_at(tz).astimezone(dt.UTC) > now:
            raise ValidationError({"started_at": _("The start time is in the future.")})


class ContactCosign(models.Model):
    """A supervisor's co-sign of one version of a contact. Written once, never updated.

    The contact's own ``cosigned_*`` fields say whether what it says now is co-signed, and a correction clears them;
    this row stays with the version it signed, so a billed version keeps saying who co-signed it.
    """

    version = models.OneToOneField(ContactVersion, on_delete=models.CASCADE, related_name="cosign")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Co-sign of contact version {self.version_id}"
