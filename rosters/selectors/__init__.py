"""Reads of the rosters app: who, and when.

people: how a person is reached, who leads a team; on_call: who is on call now, next, and
the shifts of a span; escalation: whom a step's targets reach, a team's policy.
"""

from rosters.selectors.escalation import (
    Recipients,
    ack_sla,
    default_test_policy,
    escalation_policy,
    person_policy,
    policy_warning,
    recipients_for_targets,
)
from rosters.selectors.people import (
    ADDRESS,
    ContactStep,
    contact_gaps,
    contact_plan,
    team_leads,
)
from rosters.selectors.schedules import (
    OnCall,
    Shift,
    on_call,
    on_call_and_next,
    on_call_for_teams,
    shifts,
    shifts_starting,
)

__all__ = [
    "ADDRESS",
    "ContactStep",
    "OnCall",
    "Recipients",
    "Shift",
    "ack_sla",
    "contact_gaps",
    "contact_plan",
    "default_test_policy",
    "escalation_policy",
    "on_call",
    "on_call_and_next",
    "on_call_for_teams",
    "person_policy",
    "policy_warning",
    "recipients_for_targets",
    "shifts",
    "shifts_starting",
    "team_leads",
]
