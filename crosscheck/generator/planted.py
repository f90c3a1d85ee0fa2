"""Planted findings (placeholder while the cases are written)."""


def plant(county) -> None:
    return None
