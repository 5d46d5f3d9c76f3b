"""Themes nobody has coded yet: the nightly clustering engine (clustering, selection, growth,
tracking, job) and the people's side (services, members, views) of ThemeProposal."""
