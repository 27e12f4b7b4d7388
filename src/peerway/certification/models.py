"""Certification: boards, credential types with their requirements as data, applications and credentials.

Requirements are a JSON document on ``CredentialType`` (shape in docs/certification.md, evaluated by the pure
``rules`` module). Application status changes only through ``services`` (django-fsm-2, protected), and every
change leaves one ``ApplicationTransition`` row.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from peerway.certification import rules
from peerway.core.models import PublicIdModel, TimestampedModel
from peerway.privacy.fields import EncryptedTextField


class PrivateStorage(FileSystemStorage):
    """Evidence lives under var/private/certification/ (PEERWAY_PRIVATE_FILES_DIR), which no URL serves: only
    the permission-checking view reads it. The location is read on each use, so tests can point it elsewhere."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(getattr(settings, "PEERWAY_PRIVATE_FILES_DIR", settings.VAR_DIR / "private") / "certification")

    @property
    def location(self) -> str:  # type: ignore[override]
        import os

        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None


def private_storage() -> FileSystemStorage:
    return PrivateStorage()


class Board(TimestampedModel):
    """A certification board. Its administrators are the board_admin members of ``organization``."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=8, blank=True, help_text=_("State or territory code, e.g. MN."))
    icrc_member = models.BooleanField(default=False, help_text=_("Member board of IC&RC (reciprocity)."))
    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="board",
        limit_choices_to={"kind": "cert_board"},
        help_text=_("Its board_admin members review applications."),
    )
    website = models.URLField(blank=True)
    source_note = models.TextField(blank=True, help_text=_("Where the board's rules come from."))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CredentialTypeQuerySet(models.QuerySet["CredentialType"]):
    def in_effect(self, on: date) -> CredentialTypeQuerySet:
        return self.filter(effective_from__lte=on).filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=on)
        )


class CredentialType(TimestampedModel):
    """One version of a credential's rules. A rule change is a new version with its own effective dates."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="credential_types")
    code = models.CharField(max_length=24)
    name = models.CharField(max_length=200)
    level = models.PositiveSmallIntegerField(default=1)
    version = models.PositiveSmallIntegerField(default=1)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    reference_standard = models.BooleanField(
        default=False, help_text=_("A minimum standard (IC&RC) that others are compared with; never issued.")
    )
    reciprocal_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reciprocal_levels",
        help_text=_("The credential this one is the reciprocal level of."),
    )
    requirements = models.JSONField(default=dict, help_text=_("Requirements as data: see docs/certification.md."))
    samhsa = models.JSONField(
        default=dict, blank=True, help_text=_("Notes per SAMHSA 2023 model-standard topic, with sources.")
    )
    source = models.TextField(blank=True)

    objects = CredentialTypeQuerySet.as_manager()

    class Meta:
        ordering = ["board__name", "level", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["board", "code", "version"], name="credential_type_version_unique"),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
                name="credential_type_effective_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.board.name} {self.code} v{self.version}"

    @cached_property
    def spec(self) -> rules.RequirementSpec:
        return rules.RequirementSpec.from_json(self.requirements)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        try:
            rules.RequirementSpec.from_json(self.requirements)
        except rules.SpecError as error:
            raise ValidationError({"requirements": str(error)}) from error


class CredentialStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def credential_number() -> str:
    """Public, non-sequential: eight characters without look-alikes (0/O, 1/I)."""
    return "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


class Credential(PublicIdModel, TimestampedModel):
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credentials")
    credential_type = models.ForeignKey(CredentialType, on_delete=models.PROTECT, related_name="credentials")
    number = models.CharField(max_length=32, unique=True, default=credential_number)
    status = models.CharField(max_length=16, choices=CredentialStatus.choices, default=CredentialStatus.ACTIVE)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    application = models.OneToOneField(
        "Application", on_delete=models.SET_NULL, null=True, blank=True, related_name="issued_credential"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_on", "id"]
        indexes = [models.Index(fields=["status", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.credential_type.code} {self.number}"

    def status_on(self, today: date) -> str:
        """The status on ``today``: an active credential past its ``expires_on`` is expired, even before the nightly
        ``credentials_expire`` job marks it (docs/credentialing.md)."""
        if self.status == CredentialStatus.ACTIVE and self.expires_on is not None and self.expires_on < today:
            return CredentialStatus.EXPIRED
        return str(self.status)

    def is_active_on(self, today: date) -> bool:
        return self.status_on(today) == CredentialStatus.ACTIVE

    @property
    def status_today(self) -> str:
        """``status_on`` the site's local date: what verification shows an employer or payer."""
        return self.status_on(timezone.localdate())

    def get_status_today_display(self) -> str:
        return str(CredentialStatus(self.status_today).label)


class ApplicationKind(models.TextChoices):
    INITIAL = "initial", _("Initial certification")
    RECIPROCITY = "reciprocity", _("Reciprocity")
    RENEWAL = "renewal", _("Renewal")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    MORE_INFO_NEEDED = "more_info_needed", _("More information needed")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


S = ApplicationStatus


class Application(PublicIdModel, TimestampedModel):
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cert_applications")
    credential_type = models.ForeignKey(CredentialType, on_delete=models.PROTECT, related_name="applications")
    kind = models.CharField(max_length=16, choices=ApplicationKind.choices, default=ApplicationKind.INITIAL)
    status = FSMField(max_length=20, choices=ApplicationStatus.choices, default=S.DRAFT, protected=True)
    held_credential = models.ForeignKey(
        Credential,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reciprocity_applications",
        help_text=_("For reciprocity and renewal: the credential held."),
    )
    jurisdiction_share_percent = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text=_("Share of residence or work in the jurisdiction.")
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The expiry an approval gave the credential, as its decision letter states it: a later renewal moves the
    # credential's own date, never what this decision said. Empty for denials and credentials that do not expire.
    decided_expires_on = models.DateField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    info_request = EncryptedTextField(null=True, blank=True, default="")
    decision_reason = EncryptedTextField(null=True, blank=True, default="")

    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.credential_type.code} application ({self.get_status_display()})"

    # Transitions: only services call these (they also write the audit row).
    @transition(field=status, source=[S.DRAFT, S.MORE_INFO_NEEDED], target=S.SUBMITTED)
    def submit(self) -> None: ...

    @transition(field=status, source=S.SUBMITTED, target=S.UNDER_REVIEW)
    def start_review(self) -> None: ...

    @transition(field=status, source=S.UNDER_REVIEW, target=S.MORE_INFO_NEEDED)
    def ask_for_more_info(self) -> None: ...

    @transition(field=status, source=S.UNDER_REVIEW, target=S.APPROVED)
    def approve(self) -> None: ...

    @transition(field=status, source=S.UNDER_REVIEW, target=S.DENIED)
    def deny(self) -> None: ...

    @property
    def editable(self) -> bool:
        return self.status in (S.DRAFT, S.MORE_INFO_NEEDED)


class ApplicationTransition(models.Model):
    """Audit: one row per status change."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    source = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    target = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    reason = EncryptedTextField(null=True, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


hours_validators = [MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(10000))]


class TrainingEntry(TimestampedModel):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="training")
    domain = models.SlugField(max_length=40)
    provider = models.CharField(max_length=200)
    course = models.CharField(max_length=200, blank=True)
    completed_on = models.DateField()
    hours = models.DecimalField(max_digits=6, decimal_places=2, validators=hours_validators)

    history = HistoricalRecords()

    class Meta:
        ordering = ["completed_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0), name="training_hours_positive")]

    @property
    def domain_label(self) -> str:
        """The domain's name in the active language, as the checklist and the entry form show it; the stored slug
        when the credential's requirements no longer name it."""
        requirement = self.application.credential_type.spec.domain(self.domain)
        return gettext(requirement.label) if requirement is not None else self.domain


class ExperienceEntry(TimestampedModel):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="experience")
    setting = models.CharField(max_length=200, help_text=_("Organization or program, paid or volunteer."))
    started_on = models.DateField()
    ended_on = models.DateField()
    hours = models.DecimalField(max_digits=7, decimal_places=2, validators=hours_validators)

    history = HistoricalRecords()

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="experience_hours_positive"),
            models.CheckConstraint(
                condition=models.Q(ended_on__gte=models.F("started_on")), name="experience_ends_after_start"
            ),
        ]


class SupervisionEntry(TimestampedModel):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="supervision")
    supervisor_name = models.CharField(max_length=200)
    started_on = models.DateField()
    ended_on = models.DateField()
    hours = models.DecimalField(max_digits=6, decimal_places=2, validators=hours_validators)

    history = HistoricalRecords()

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="supervision_hours_positive"),
            models.CheckConstraint(
                condition=models.Q(ended_on__gte=models.F("started_on")), name="supervision_ends_after_start"
            ),
        ]


# The exams Peerway knows by name (the exam form's choices); a result may hold another code, shown as it is.
EXAM_CHOICES = [
    ("icrc_pr", _("IC&RC Peer Recovery exam")),
    ("mn_state", _("Minnesota state peer recovery exam")),
    ("mn_dhs_cps", _("Minnesota DHS Certified Peer Specialist exam")),
]


def exam_name(code: str) -> str:
    """The exam's name in the active language where Peerway knows it, else its code."""
    return str(dict(EXAM_CHOICES).get(code, code))


class ExamResult(TimestampedModel):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="exams")
    exam = models.SlugField(max_length=40, help_text=_("e.g. icrc_pr, mn_state."))
    taken_on = models.DateField()
    passed = models.BooleanField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["taken_on", "id"]

    @property
    def exam_label(self) -> str:
        return exam_name(self.exam)


class Attestation(TimestampedModel):
    """Signed by the applicant: ethics, lived experience (never a diagnosis), education, background check."""

    class Kind(models.TextChoices):
        ETHICS = "ethics", _("I have read and signed the board's code of ethics")
        LIVED_EXPERIENCE = "lived_experience", _("I have lived experience of recovery")
        EDUCATION = "education", _("I have a high school diploma or equivalent")
        BACKGROUND_CHECK = "background_check", _("I consent to a background check")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attestations")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    statement = EncryptedTextField(null=True, blank=True, default="")
    signed_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="attestation_once_per_kind")]


class EvidenceKind(models.TextChoices):
    TRAINING_CERTIFICATE = "training_certificate", _("Training certificate")
    EXAM_RESULT = "exam_result", _("Exam result")
    SUPERVISION_VERIFICATION = "supervision_verification", _("Supervision verification")
    EXPERIENCE_VERIFICATION = "experience_verification", _("Experience verification")
    JOB_DESCRIPTION = "job_description", _("Job description")
    LIVED_EXPERIENCE_STATEMENT = "lived_experience_statement", _("Lived-experience statement")
    HELD_CREDENTIAL = "held_credential", _("Copy of the credential held")
    CE_CERTIFICATE = "ce_certificate", _("Continuing-education certificate")


def evidence_path(instance: Evidence, filename: str) -> str:
    # Never the uploaded name on disk: a random name, the extension from the checked content type.
    return f"{instance.application.public_id}/{secrets.token_hex(16)}"


class Evidence(PublicIdModel, TimestampedModel):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=32, choices=EvidenceKind.choices)
    file = models.FileField(upload_to=evidence_path, storage=private_storage, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


# The SAMHSA 2023 National Model Standards for Peer Support Certification topic areas (see docs/DOMAIN.md).
SAMHSA_TOPIC_LABELS = {
    "lived_experience": _("Lived experience"),
    "training": _("Training"),
    "exam": _("Exam"),
    "education": _("Education"),
    "supervised_experience": _("Supervised experience"),
    "background_check": _("Background check"),
    "recovery": _("Recovery"),
    "ethics": _("Ethics"),
    "costs_and_fees": _("Costs and fees"),
    "peer_supervision": _("Peer supervision"),
}
assert tuple(SAMHSA_TOPIC_LABELS) == rules.SAMHSA_TOPICS
