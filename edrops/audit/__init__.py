"""The audit log: who changed what in the rosters, escalation policies, sources and
permissions, with the values before and after (django-auditlog keeps the entries).

- `registry`: what is audited, and which values are never written down (secrets).
- `actors`: who is changing things now: a login (web, admin, API) or a command.
- `access`: who may read the log.
- `selectors`, `views`: the log as rows, on `/audit` and in `/audit.csv`.
"""
