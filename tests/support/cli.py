"""Running ``civicast`` in-process as a user would, for the command tests."""

from __future__ import annotations

from bot.cli.main import main


def run(capsys, *args):
    """(exit status, standard output, standard error) of ``civicast ARGS``."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
