"""`/profile`: a responder keeps their own contact details, contact rules, working hours and
time zone, without an admin."""
