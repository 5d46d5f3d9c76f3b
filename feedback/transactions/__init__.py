"""Customers as assets: orders, renewals, refunds and churn per customer, through the API and files."""
