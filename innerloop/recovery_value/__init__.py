"""Customers as assets (#18 item 8): do rescued detractors come back, buy more and stay?"""
