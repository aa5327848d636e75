from rosters.models.escalation import DEFAULT_ACK_SLA, EscalationPolicy, EscalationStep
from rosters.models.people import Channel, ContactRule, Person, Role, Team
from rosters.models.schedule import Override, Rotation, RotationMember, SwapRequest

__all__ = [
    "DEFAULT_ACK_SLA",
    "Channel",
    "ContactRule",
    "EscalationPolicy",
    "EscalationStep",
    "Override",
    "Person",
    "Role",
    "Rotation",
    "RotationMember",
    "SwapRequest",
    "Team",
]
