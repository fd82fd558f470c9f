"""Readiness, supervision and training help: the plan's "assess the schools' conditions, then
check and support them" (issue 15, part 3). See docs/readiness-and-training.md."""
