"""factory-boy factories for tests. Every name and number here is synthetic."""

from __future__ import annotations

import factory

from peerway.accounts.models import Membership, User
from peerway.organizations.models import County, Organization, OrganizationKind
from peerway.recovery.models import Participant


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


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    organization = factory.SubFactory(OrganizationFactory)
    preferred_name = factory.Sequence(lambda n: f"Sample Person {n}")
    phone = factory.Sequence(lambda n: f"(612) 555-{n % 10000:04d}")
    email = factory.Sequence(lambda n: f"person{n}@example.test")


def county(name: str = "Hennepin") -> County:
    return County.objects.get(state="MN", name=name)
