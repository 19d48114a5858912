"""Refusals an interface puts into its own words: an error keeps its English message (the command line, logs and
the API's ``detail`` show it) and carries a stable ``code`` with the particulars as ``params``, which the console
translates into the officer's language. The codes are the keys of the console's ``refusal.<code>`` strings."""

from __future__ import annotations

from typing import Any


class Problem(str):
    """What is wrong with one field, in English (it is a string wherever one is expected), with a stable ``code`` and
    the ``params`` an interface that writes its own words needs."""

    code: str
    params: dict[str, Any]

    def __new__(cls, text: str, code: str, **params: Any) -> Problem:
        problem = super().__new__(cls, text)
        problem.code, problem.params = code, params
        return problem


class Refusal(Exception):
    """A refusal with a stable code (None: only the English message says what it was) and its parameters."""

    def __init__(self, message: str = "", *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class Unreadable(ValueError):
    """A value that cannot be read (a date, a number, a place), with its ``problem``: the English words are the
    error's message, so a caller that only wants a ValueError reads them as before."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
