"""`python -m simulator` runs the tariffsim command."""

from simulator.cli import main

main()
