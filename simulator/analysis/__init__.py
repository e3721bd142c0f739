"""What varies a scenario: compare several, sweep a rate, draw uncertain exemptions, rank, explain."""
