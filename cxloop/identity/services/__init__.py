"""Writes of sign-in: memberships from single sign-on, the periodic re-check, second-factor resets."""
