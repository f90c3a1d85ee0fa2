"""Crosscheck: nightly cross-checks of one-card (一卡通) subsidy payments."""

__version__ = "0.1.0"
