"""Enrichment of stored feedback: sentiment, language, suggested categories, personal-data masking."""
