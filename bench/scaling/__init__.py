"""More processes, more throughput? Ingest with 1, 2, 4 web processes; paging with 1, 2, 4 workers.

    .venv/bin/python -m bench.scaling [--web 1,2,4] [--workers 1x1,1x2,1x4,2x1,4x1]
                                      [--seconds 10] [--clients 16] [--backlog 300]

One PostgreSQL; DEBUG off; every grid point on a fresh copy of one migrated database (a
template holding the roster and the sources), so no point inherits another's rows.

- Ingest: `gunicorn --workers N --threads 4` (threads as the Dockerfile) and nothing else: no
  worker, no clock (the queue fills with first steps nobody takes, so the web tier alone is
  measured). `--clients` keep-alive clients post new MISO dispatches for `--seconds`, round
  robin over 64 sources ("many"), then all from one source ("one": one rate-limiter row, one
  `last_heartbeat_at` to move).
- Paging: gunicorn (2x4), one clock, and P `qcluster` processes of W workers each (`PxW`),
  the fake Twilio on loopback. `--backlog` dispatches are posted at once by 8 clients, each
  to a team of its own whose one step texts its one person (so no person's SMS limit is
  near), and the SMS are counted at the fake from first to last.
- The commits PostgreSQL itself can make a second, with and without a NOTIFY in each (every
  transaction that queues a task notifies the workers; see `notifications/wakeups.py`).

During each measurement `sampling.py` reads what our PostgreSQL backends wait on (10 times
a second) and the CPU each kind of process used. Writes its section of bench/RESULTS.md.
"""
