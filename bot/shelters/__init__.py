"""Evacuation shelters: the national list's Kaohsiung rows (imported), which of them are open (an event-time fact,
from ``shelter_open`` notices and officers), and the nearest ones to a resident.

Plain functions over a session; what officers change (opening, closing) goes through ``bot.office.shelters``.
"""
