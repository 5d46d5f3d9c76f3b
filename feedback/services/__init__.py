"""Writes of the feedback app. Import services from their modules, e.g. feedback.services.ingest."""
