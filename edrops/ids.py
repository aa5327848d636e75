"""Time-ordered ids for events (UUID version 7, RFC 9562; Python has it from 3.14).

A random (version 4) primary key sends every insert to a random leaf of every index it is in
(the event's, and its revisions' and timeline's `event_id`): once those outgrow memory, each new
event reads and dirties pages all over them. Version 7 starts with the time in milliseconds, so
new events land at the right edge of those indexes, as a serial key would, and still can't be
guessed (74 random bits).
"""

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")  # 80 bits, 74 of them used
    value = (ms & (1 << 48) - 1) << 80  # unix_ts_ms: 48 bits
    value |= 0x7 << 76  # version
    value |= (rand >> 68) << 64  # rand_a: 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b: 62 bits
    return uuid.UUID(int=value)
