"""`make demo`: generate a sample county and run what exists of the nightly job."""

from __future__ import annotations

import sys

from crosscheck.cli import main


def demo() -> int:
    from crosscheck import config

    home = config.home()
    landing = home / "landing"
    rc = main(["generate", "--out", str(landing), "--persons", "2000", "--seed", "1"])
    if rc:
        return rc
    print(f"Sample county written to {landing}")
    return 0


if __name__ == "__main__":
    sys.exit(demo())
