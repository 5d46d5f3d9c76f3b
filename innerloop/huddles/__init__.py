"""Team huddles: the weekly meeting where a team reviews its feedback and commits to act on it."""
