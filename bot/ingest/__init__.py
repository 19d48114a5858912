"""CAP alerts from the national platform: pushed or polled, stored before answering, decided by the alert desk."""
