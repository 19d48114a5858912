"""REST API v1: notices, previews, approvals, schedules, reports, cases and channels, with an OpenAPI 3 document.

``bot.api.v1`` holds the API's blueprint; the parts kept in modules of their own are registered on it here,
so that importing any part of the API builds the whole of it.
"""

from bot.api import channels, v1

v1.blueprint.register_blueprint(channels.blueprint)
