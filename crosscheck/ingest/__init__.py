"""Reading the departments' deliveries into the warehouse (docs/DELIVERY_FORMATS.md).

This package knows the delivery formats and nothing about the rules.
"""
