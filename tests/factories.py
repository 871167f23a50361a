from __future__ import annotations

import factory

from accounts.models import PccArea, Role, Service, Team, User

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
            from accounts.services import user_set_role

            user_set_role(user=self, role=self.role)

    @factory.post_generation
    def areas(self, create: bool, extracted: list[PccArea] | None, **kwargs: object) -> None:
        if create and extracted:
            self.areas.set(extracted)


def code(list_name: str, value: str):
    from cases.models import Code

    return Code.objects.get(list_name=list_name, code=value)


def referral_case_data(**overrides):
    """Valid case fields for cases.services.referrals.referral_register."""
    import datetime as dt

    from cases.models import CodeList, ParticipationBasis, Seriousness

    data = {
        "referral_date": dt.date(2026, 10, 1),
        "referral_source": code(CodeList.REFERRAL_SOURCE, "probation_community"),
        "initiator": code(CodeList.INITIATOR, "agency"),
        "cj_stage": code(CodeList.CJ_STAGE, "community"),
        "participation_basis": ParticipationBasis.VOLUNTARY,
        "main_offence": code(CodeList.OFFENCE, "burglary_residential"),
        "offence_date": dt.date(2026, 6, 12),
        "offence_location": "Testtown high street",
        "offence_summary": "Entered a house through a back window and took a laptop.",
        "seriousness": Seriousness.MEDIUM,
        "police_reference": "TS/12345/26",
    }
    data.update(overrides)
    return data


def offender_data(**overrides):
    import datetime as dt

    from cases.models import CodeList

    data = {
        "first_name": "Oscar",
        "last_name": "Offendertest",
        "date_of_birth": dt.date(1990, 4, 2),
        "pnc_id": "90/123456A",
        "crn": "X123456",
        "address": "12 Offender Road, Testtown",
        "phone": "07700 900111",
        "tier": code(CodeList.TIER, "3"),
    }
    data.update(overrides)
    return data


VICTIM_MARKERS = {
    "first_name": "Vanessa",
    "last_name": "Victimcanary",
    "address": "99 Secretvictim Lane, Testtown",
    "phone": "07700 900999",
    "email": "vanessa.canary@victim.example",
}


def victim_data(**overrides):
    import datetime as dt

    data = {**VICTIM_MARKERS, "date_of_birth": dt.date(1975, 9, 9)}
    data.update(overrides)
    return data


def criteria_for(service, actor):
    from cases.models import Code, CodeList
    from cases.services.referrals import criteria_publish

    return criteria_publish(
        service=service,
        actor=actor,
        data={
            "offences_in_scope": list(Code.objects.filter(list_name=CodeList.OFFENCE)),
            "tiers_in_scope": list(Code.objects.filter(list_name=CodeList.TIER, code__in=["3", "4"])),
        },
    )
