"""Sign-in: single sign-on (OpenID Connect), the group mapping it applies, and the second factor."""
