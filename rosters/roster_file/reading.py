"""Reading a roster file: its data, or a RosterFileError that says in one line why it cannot be
read (missing, not UTF-8, not YAML or JSON). What the data says is checked by `check.py`."""

import json
from pathlib import Path
from typing import Any

import yaml

from rosters.roster_file.plan import RosterFileError


def read_roster_file(path: Path) -> Any:
    """The file's data; YAML (JSON is YAML too, but a .json file gets JSON's own messages)."""
    kind = "JSON" if str(path).endswith(".json") else "YAML"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise RosterFileError([f"{path}: {e.strerror}"]) from None
    except UnicodeDecodeError as e:
        raise RosterFileError([f"{path}: not UTF-8 text ({e.reason} at byte {e.start})"]) from None
    try:
        # safe_load: a !!python/object tag is an error, never a constructor call.
        return json.loads(text) if kind == "JSON" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise RosterFileError([f"{path}: not valid {kind}: {e}"]) from None
    except RecursionError:
        raise RosterFileError([f"{path}: not valid {kind}: nested too deeply"]) from None
    except ValueError as e:  # int(): a number of more than 4,300 digits
        raise RosterFileError([f"{path}: not valid {kind}: {e}"]) from None
