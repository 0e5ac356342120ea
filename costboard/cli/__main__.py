"""`python -m costboard.cli` runs the command line (used by tests that need a real process)."""

from costboard.cli import main

main()
