"""edrops as an OpenADR VEN: sources that poll a utility's VTN (2.0b with OpenLEADR, 3 with a
thin HTTP client) instead of being sent events.

- `mapping2b.py`, `mapping3.py`: a VTN's event in, our `EventInput` out (the API.md table).
- `vtns.py`: the database side: sources' VTN settings, leases, what the VTN sent, heartbeats.
- `client2b.py`, `client3.py`: one running VEN per source, on the ven process's asyncio loop.
- `ven.py`: the `ven` process: leases, clients, the answers owed (services/opt_answers.py).
"""
