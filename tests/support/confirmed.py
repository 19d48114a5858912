"""The answer an officer gives on a confirmation step, for tests that send or schedule through the desk directly
(the confirmation step itself is tested in tests/bot/office/test_confirmation.py and the doors' own tests)."""

from bot.office.confirmation import Confirmation

CONFIRMED = Confirmation(confirmed=True)


def confirmed(services) -> dict:
    """The keyword arguments confirming a schedule through the desk."""
    return {"confirmation": CONFIRMED, "kinds": services.kinds}
