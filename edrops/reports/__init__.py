"""Reports for ops leads (GET /reports, /reports/events.csv): how fast the team acknowledged,
how often a respond-by was missed, who carried the load, and every event of a period, the
evidence for a performance dispute with the ISO."""
