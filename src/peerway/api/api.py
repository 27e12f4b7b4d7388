"""The Peerway REST API (OpenAPI 3 at /api/openapi.json, docs at /api/docs)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Schema, Swagger
from ninja.security import django_auth

from peerway.accounts.selectors import memberships_for_user
from peerway.api.problems import MfaRequiredProblem, Problem, ProblemNinjaAPI, install_problem_handlers

api = ProblemNinjaAPI(
    title="Peerway API",
    version="1",
    description="REST API for peer recovery support services. Errors are application/problem+json.",
    urls_namespace="api",
    auth=django_auth,
    # Swagger UI's deep links put a link inside each operation's expand button, which is not allowed (axe:
    # nested-interactive); without them the path is plain text. The page itself is templates/ninja/swagger.html.
    docs=Swagger(settings={"deepLinking": False}),
)
install_problem_handlers(api)


class MembershipOut(Schema):
    organization: str
    organization_name: str
    role: str


class MeOut(Schema):
    username: str
    memberships: list[MembershipOut]


@api.get(
    "/v1/me",
    response={200: MeOut, 401: Problem, 403: MfaRequiredProblem},
    tags=["accounts"],
    summary="The signed-in user and their roles",
)
def me(request: HttpRequest) -> MeOut:
    memberships = [
        MembershipOut(organization=m.organization.slug, organization_name=m.organization.name, role=m.role)
        for m in memberships_for_user(request.user)  # type: ignore[arg-type]
    ]
    return MeOut(username=request.user.get_username(), memberships=memberships)


from peerway.certification.api import router as certification_router  # noqa: E402

api.add_router("/v1", certification_router)
