"""The trainer's quiz builder: questions generated from clauses, gated, reviewed, taken in sessions, exported."""
