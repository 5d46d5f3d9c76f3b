"""Sources and their webhook mappings, for administrators, inside the product."""
