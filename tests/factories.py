from __future__ import annotations

import factory

from accounts.models import PccArea, Role, Service, Team, User
from accounts.roles import role_group_name

TEST_PASSWORD = "correct-horse-battery-9"


class PccAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PccArea
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"area-{n}")
    name = factory.Sequence(lambda n: f"Testshire {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    area = factory.SubFactory(PccAreaFactory)
    code = factory.Sequence(lambda n: f"T{n}")
    name = factory.Sequence(lambda n: f"Test RJ Service {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Staff{n}")
    last_name = "Member"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    role = Role.FACILITATOR
    service = factory.LazyAttribute(lambda o: None if o.role == Role.COMMISSIONER else ServiceFactory())

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def role_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            from django.contrib.auth.models import Group

            self.groups.add(Group.objects.get_or_create(name=role_group_name(self.role))[0])

    @factory.post_generation
    def areas(self, create: bool, extracted: list[PccArea] | None, **kwargs: object) -> None:
        if create and extracted:
            self.areas.set(extracted)
