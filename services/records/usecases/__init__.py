"""What can be done with a chart: each use case opens the chart through the audited access,
checks the policy, applies the rules, writes through the repository and emits the events."""
