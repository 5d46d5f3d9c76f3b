"""Writes of the outer loop: signals, initiatives, impact reviews and closing the loop."""
