"""One module per sub-command; each exposes a click command named `command`.

Adding a command: create commands/<name>.py with `command`, list it here.
"""

from __future__ import annotations

from importlib import import_module

_MODULES = (
    "generate",
    "ingest",
    "status",
    "release",
    "run",
    "build",
    "export",
    "load_feedback",
    "report",
    "verify_archive",
    "backup",
    "restore",
    "link",
    "audit",
    "holds",
)

COMMANDS = [import_module(f"crosscheck.commands.{m}").command for m in _MODULES]
COMMANDS.append(import_module("crosscheck.commands.link").train_command)
COMMANDS.append(import_module("crosscheck.commands.lookup").person_command)
COMMANDS.append(import_module("crosscheck.commands.lookup").finding_command)
