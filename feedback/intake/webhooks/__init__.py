"""Inbound webhooks from survey and support tools, verified before anything is stored."""
