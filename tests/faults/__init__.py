"""Fault tests (issue 7, part 5): killed processes, read-only, full and locked databases, fuzzed input."""
