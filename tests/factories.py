"""factory-boy factories for tests. Every name and number here is synthetic."""

from __future__ import annotations

import factory

from peerway.accounts.models import Membership, User
from peerway.core.models import Community, Language, LivedExperience
from peerway.organizations.models import County, Organization, OrganizationKind
from peerway.recovery.models import Participant
from peerway.workforce.models import PeerProfile


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Test Recovery Community {n}")
    slug = factory.Sequence(lambda n: f"test-rco-{n}")
    kind = OrganizationKind.RCO


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Tester{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: object = None) -> None:
        if create:
            instance.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "peer"


MINNESOTA_AREA_CODES = ("612", "651", "763", "952", "218", "320", "507")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    organization = factory.SubFactory(OrganizationFactory)
    preferred_name = factory.Sequence(lambda n: f"Sample Person {n}")
    # Only numbers kept for fiction (555-0100 to 555-0199), in Minnesota's seven area codes: 700 distinct ones.
    phone = factory.Sequence(lambda n: f"({MINNESOTA_AREA_CODES[n // 100 % 7]}) 555-01{n % 100:02d}")
    email = factory.Sequence(lambda n: f"person{n}@example.test")


def county(name: str = "Hennepin") -> County:
    return County.objects.get(state="MN", name=name)


def peer_profile(
    organization: Organization,
    *,
    name: str,
    languages: tuple[str, ...] = ("en",),
    communities: tuple[str, ...] = (),
    lived_experience: tuple[str, ...] = (),
    modalities: tuple[str, ...] = ("phone", "text"),
    on_shift: bool = True,
    caseload_limit: int = 25,
    location: tuple[float, float] | None = None,
) -> PeerProfile:
    """A peer with a user, a peer membership and a matching profile drawn from the loaded vocabularies."""
    user = UserFactory(username=name.lower(), first_name=name)
    MembershipFactory(user=user, organization=organization, role="peer")
    profile = PeerProfile.objects.create(
        user=user,
        organization=organization,
        display_name=name,
        introduction=f"Hi, I'm {name}.",
        modalities=list(modalities),
        on_shift=on_shift,
        caseload_limit=caseload_limit,
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
    )
    profile.languages.set(Language.objects.filter(slug__in=languages))
    profile.communities.set(Community.objects.filter(slug__in=communities))
    profile.lived_experience.set(LivedExperience.objects.filter(slug__in=lived_experience))
    return profile
