"""Factories shared by every app's tests. App-specific ones live in tests/<app>/factories.py."""

from datetime import timedelta

import factory

from rosters.models import ContactRule, Person, Team


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ("handle",)

    handle = factory.Sequence(lambda n: f"person{n}")
    name = factory.LazyAttribute(lambda p: p.handle.title())
    timezone = "America/Chicago"
    email = factory.LazyAttribute(lambda p: f"{p.handle}@example.com")
    phone = factory.Sequence(lambda n: f"+1312555{n:04d}")
    slack_user_id = factory.LazyAttribute(lambda p: f"U0{p.handle.upper()}")


class ContactRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactRule

    person = factory.SubFactory(PersonFactory)
    position = factory.Sequence(int)
    channel = "sms"
    delay = timedelta(0)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"team{n}")
    name = factory.LazyAttribute(lambda t: t.slug.replace("-", " ").title())
    timezone = "America/Chicago"
    slack_channel = factory.LazyAttribute(lambda t: f"C0{t.slug.upper().replace('-', '')}")

    @factory.post_generation
    def members(self, create, people, **kwargs):
        if create and people:
            self.members.set(people)


def person_token(user) -> str:
    """A new API token for `user` (`Authorization: Token <it>`), as drf_create_token makes."""
    from edrops.services import create_api_token

    return create_api_token(user=user)[1]
