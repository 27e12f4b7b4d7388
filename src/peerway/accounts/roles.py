"""Roles a person can hold, and what each role may see. Pure: no Django imports."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    # Roles held within a service organization (RCO, 245G program, withdrawal management program).
    PEER = "peer"
    SUPERVISOR = "supervisor"
    ORG_ADMIN = "org_admin"
    BILLING = "billing"
    # Platform roles, held within a board, the accreditation body or the state agency.
    BOARD_ADMIN = "board_admin"
    EVALUATOR = "evaluator"
    ANALYST = "analyst"
    PLATFORM_ADMIN = "platform_admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.PEER: "Peer recovery specialist",
    Role.SUPERVISOR: "Peer supervisor",
    Role.ORG_ADMIN: "Organization administrator",
    Role.BILLING: "Billing staff",
    Role.BOARD_ADMIN: "Certification board administrator",
    Role.EVALUATOR: "Accreditation evaluator",
    Role.ANALYST: "Analyst (de-identified data only)",
    Role.PLATFORM_ADMIN: "Platform administrator",
}

# Roles that may open participants' records in their own organization.
PARTICIPANT_RECORD_ROLES = frozenset({Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN, Role.BILLING})

# Roles that read the organization's access log.
ACCESS_LOG_ROLES = frozenset({Role.SUPERVISOR, Role.ORG_ADMIN})

# Every role that can see any person's data (participants, peers' applications, evaluation evidence)
# must use MFA when PEERWAY_REQUIRE_MFA is on. Analysts see only aggregate, de-identified figures.
PERSONAL_DATA_ROLES = frozenset(set(Role) - {Role.ANALYST})

# Which kind of organization each role is held in (by OrganizationKind value).
SERVICE_ORG_KINDS = frozenset({"rco", "sud_245g", "withdrawal_mgmt"})
ROLE_ORG_KINDS: dict[Role, frozenset[str]] = {
    Role.PEER: SERVICE_ORG_KINDS,
    Role.SUPERVISOR: SERVICE_ORG_KINDS,
    Role.ORG_ADMIN: SERVICE_ORG_KINDS | {"cert_board", "accreditation_body", "state_agency"},
    Role.BILLING: SERVICE_ORG_KINDS,
    Role.BOARD_ADMIN: frozenset({"cert_board"}),
    Role.EVALUATOR: frozenset({"accreditation_body"}),
    Role.ANALYST: frozenset({"state_agency"}),
    Role.PLATFORM_ADMIN: frozenset({"state_agency"}),
}

# Roles that change a participant's recovery plan and send their private link (billing reads the plan only).
PLAN_EDIT_ROLES = frozenset({Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN})

# Besides the engagement's own peer, who reads and answers its secure messages (cover during a hand-off).
MESSAGE_COVER_ROLES = frozenset({Role.SUPERVISOR, Role.ORG_ADMIN})
