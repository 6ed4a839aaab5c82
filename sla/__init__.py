"""The deadline engine: pure date and time arithmetic for Vietnamese one-stop dossiers.

Nothing here reads the clock, a database or a terminal: time is always an argument.
"""
