"""The press office: officers and their roles, API keys, the audit log, and what officers do to notices.

Plain functions over a session, shared by the console, the REST API and the CLI; no Flask here.
"""
