"""Public credential verification as JSON: GET /api/v1/verify?number=… or ?name=First+Last (no sign-in)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from peerway.api.problems import MfaRequiredProblem, Problem, problem_response
from peerway.certification.selectors import (
    VERIFY_NAME_LIMIT,
    VERIFY_NAME_MAX_LENGTH,
    VERIFY_NUMBER_MAX_LENGTH,
    credentials_verify,
)
from peerway.certification.views import VERIFY_WINDOW_SECONDS, verify_rate_limited

router = Router(tags=["certification"])


class VerifyQuery(Schema):
    number: str = ""
    name: str = ""


class VerifiedCredential(Schema):
    name: str
    credential_type: str
    credential_code: str
    number: str
    status: str
    issued_on: date
    expires_on: date | None
    issuing_board: str
    jurisdiction: str


class VerifyOut(Schema):
    results: list[VerifiedCredential]
    more: bool = Field(
        description=f"True when more than {VERIFY_NAME_LIMIT} holders share the name searched and only "
        f"{VERIFY_NAME_LIMIT} are listed: search by credential number to find the others."
    )


@router.get(
    "/verify",
    auth=None,
    # 403 only for a signed-in staff member without two-factor authentication (every /api/ path asks for it).
    response={200: VerifyOut, 400: Problem, 403: MfaRequiredProblem, 429: Problem},
    summary="Verify a peer credential by number or full name (public, rate-limited)",
)
def verify(request: HttpRequest, query: Query[VerifyQuery]) -> VerifyOut | HttpResponse:
    # PostgreSQL cannot compare text with a NUL character in it; such a search is a bad request, not a 500.
    if "\x00" in query.number or "\x00" in query.name:
        return problem_response(
            status=400, detail="A search cannot contain a NUL character: remove %00 from ?number= or ?name=."
        )
    number, name = query.number.strip(), " ".join(query.name.split())
    # Never shortened: a number one character too long is another number, and a cut name may lose its last name.
    if len(number) > VERIFY_NUMBER_MAX_LENGTH:
        return problem_response(
            status=400, detail=f"A credential number has at most {VERIFY_NUMBER_MAX_LENGTH} characters."
        )
    if len(name) > VERIFY_NAME_MAX_LENGTH:
        return problem_response(status=400, detail=f"A name to search has at most {VERIFY_NAME_MAX_LENGTH} characters.")
    if not number and len(name.split()) < 2:
        return problem_response(
            status=400, detail="Give a credential number (?number=), or a first and last name (?name=)."
        )
    if verify_rate_limited(request):
        response = problem_response(status=429, detail="Too many searches; wait and try again.")
        response["Retry-After"] = str(VERIFY_WINDOW_SECONDS)
        return response
    verified = credentials_verify(name=name, number=number)
    return VerifyOut(
        more=verified.more,
        results=[
            VerifiedCredential(
                name=f"{c.holder.first_name} {c.holder.last_name}".strip(),
                credential_type=c.credential_type.name,
                credential_code=c.credential_type.code,
                number=c.number,
                status=c.status_today,
                issued_on=c.issued_on,
                expires_on=c.expires_on,
                issuing_board=c.credential_type.board.name,
                jurisdiction=c.credential_type.board.jurisdiction,
            )
            for c in verified.credentials
        ],
    )
