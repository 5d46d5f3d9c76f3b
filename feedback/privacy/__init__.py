"""Privacy: erasing a customer on request, and retention per source (issue #15)."""
