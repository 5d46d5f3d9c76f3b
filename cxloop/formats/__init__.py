"""Date and number formats per language (FORMAT_MODULE_PATH), over Django's own for each locale.

English is the organisation's British English (day before month, 24-hour clock); Portuguese is
Portugal's (day before month, comma for decimals). Month and day names come from the catalogue.
"""
