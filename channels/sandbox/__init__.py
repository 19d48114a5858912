"""Local stand-ins for the LINE Messaging API and the Facebook Graph API.

Everything civicast sends can run, be tested and be benchmarked against these
without credentials or internet; live mode points the same client code at the
real hosts.
"""

from channels.sandbox.faults import DropConnection, Faults
from channels.sandbox.server import Sandbox

__all__ = ["DropConnection", "Faults", "Sandbox"]
