"""The project's YAML data files, read with libyaml's parser where PyYAML was built with it.

The same safe constructor builds the same values either way; the C parser reads them about ten times as fast as
the pure-Python one, which matters because the glossary, the names, the bot's strings and the FAQ are read again
by every process (and every test) that builds the services.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: str | bytes | IO[str] | IO[bytes]) -> Any:
    """Like ``yaml.safe_load``: plain data only, no Python objects."""
    return yaml.load(stream, Loader=SAFE_LOADER)
