"""Reading the departments' deliveries into the warehouse (EXTRACTS.md).

This package knows the delivery formats and nothing about the rules.
"""
