"""Drills: a test dispatch of a team without a test policy, and a test page asked for by
someone. Both exist so that the ops room can practise (the monthly ISO test, a new phone
number) without waking the whole roster, and neither is an ordinary page.

- A test dispatch (`test: true`) of a team without a test policy (`test_escalation:`,
  rosters.selectors.default_test_policy) is posted to the team's Slack channel and kept in the
  outbox; nobody is phoned or texted (API.md §4, *Test dispatches*). A team with a test policy
  needs nothing of this: the engine runs that policy's steps like any other's.
- A test page (API.md §4, `/api/v1/people/<handle>/test-page`; the profile's "Send me a test
  page"; the admin's "Send a test page"): who may ask is edrops' question
  (`permissions.may_test_page`), the sending is notifications'. It is about no event: nothing
  appears on the board, and nobody's limits count it.
"""

from datetime import datetime

from edrops.models import Event
from edrops.permissions import Actor, check_may_test_page
from notifications import channels, selectors
from notifications import services as notifications
from notifications.content import PageContent
from notifications.selectors import SentTestPage
from rosters.models import Channel, Person


def post_test_dispatch(
    *, event: Event, content: PageContent, headline: str, now: datetime
) -> str:
    """Post it to the channel(s) of the default test policy's step and keep it in the outbox;
    returns what happened, for the timeline. `headline`: the event as the channel reads it
    ("TEST MISO LMR dispatch (12.5 MW in LRZ 4 at 14:00 CDT (in 30 min))")."""
    went = []
    for step in event.policy.get("steps") or []:
        for target in step["targets"]:
            slack_channel = target.removeprefix("slack:")
            notifications.schedule_channel_page(
                slack_channel=slack_channel,
                content=content,
                reference=str(event.pk),
                due_at=now,
                tz=event.team.tz,
            )
            went.append(slack_channel)
    # Without Slack credentials the post itself is in the outbox; otherwise a copy goes there,
    # so a test is on record in one place whatever the team's Slack.
    if not went or not channels.uses_outbox(Channel.SLACK):
        notifications.keep_in_outbox(
            to=f"{event.team.slug} (test dispatch)",
            subject=f"posted to {', '.join(went)}" if went else "no Slack channel to post to",
            text=f"{headline}: {event.summary}",
        )
    where = " and ".join([*went, "the outbox"])
    return (
        f"a test dispatch, and {event.team.slug} has no test policy (test_escalation): posted "
        f"to {where} only; nobody is phoned or texted"
    )


def send_test_page(*, actor: Actor, person: Person, now: datetime) -> SentTestPage:
    """A test page on each of `person`'s contact methods, as `actor`. Raises
    permissions.MayNotTestPage, notifications' NothingToTest or TooSoonForTestPage."""
    check_may_test_page(actor=actor, person=person)
    reference = notifications.send_test_page(
        person=person, requested_by=requester(actor), now=now
    )
    return selectors.sent_test_pages(references=[reference])[reference]


def requester(actor: Actor) -> str:
    """Who asked, as the message and the results name them: a handle, else a login."""
    if actor.person is not None:
        return actor.person.handle
    return actor.user.get_username() if actor.user is not None else "edrops"
