from rosters.models.people import Channel, ContactRule, Person, Team

__all__ = ["Channel", "ContactRule", "Person", "Team"]
