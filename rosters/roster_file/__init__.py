"""The roster file (API.md §6), read and checked; nothing here writes.

`read_roster_file` turns the file into data, `check_roster` turns the data into a plan or a
RosterFileError listing *every* problem as `path: message`
(`teams[0].escalation.steps[1].wait: ...`), so an ops lead fixes the file in one pass.
`rosters.services.roster_file.apply_roster` writes the plan; the `load_roster` command (in
edrops, which adds the file's `sources:`) does all three.

- `reading.py`: the file to data (YAML, or JSON for a .json file).
- `checker.py`: `Checker`, the typed field readers that record a problem and carry on.
- `check.py`: the whole file, and its people; `teams.py`: its teams, with their rotations,
  overrides and escalation policies.
- `plan.py`: what a checked file asks for.
"""

from rosters.roster_file.check import check_roster
from rosters.roster_file.checker import Checker
from rosters.roster_file.plan import (
    PersonPlan,
    PolicyPlan,
    RosterFileError,
    RosterPlan,
    RotationPlan,
    TeamPlan,
)
from rosters.roster_file.reading import read_roster_file

__all__ = [
    "Checker",
    "PersonPlan",
    "PolicyPlan",
    "RosterFileError",
    "RosterPlan",
    "RotationPlan",
    "TeamPlan",
    "check_roster",
    "read_roster_file",
]
