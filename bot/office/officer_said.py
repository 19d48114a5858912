"""What the audit rows about officers and API keys say (``messages.said``): the English summary the command line
and the API show, with the code and parameters the console says in its own words."""

from __future__ import annotations

from messages.said import Said, Word


def officer_created(role: str, agency: str | None) -> Said:
    if agency:
        return Said(
            f"{role} ({agency})", "officer.created_for", role=Word("role.", role), agency=Word("agency.", agency)
        )
    return Said(role, "officer.created", role=Word("role.", role))


def key_created(username: str, mode: str, name: str, *, agency: str | None = None) -> Said:
    text = f"{username} · {mode} · {name}"
    if agency:
        return Said(
            f"{text} · {agency} only",
            "key.created_for",
            officer=username,
            mode=Word("keys.mode_", mode),
            name=name,
            agency=Word("agency.", agency),
        )
    return Said(text, "key.created", officer=username, mode=Word("keys.mode_", mode), name=name)


def key_revoked(name: str) -> Said:
    return Said(name, "key.revoked", name=name)
