"""gunicorn's configuration for civicast, from civicast's own settings ($CIVICAST_CONFIG):

    CIVICAST_CONFIG=/etc/civicast/config.yaml gunicorn -c deploy/gunicorn.conf.py

The same web processes as ``civicast serve`` (web.workers × web.threads, web.timeout_s, web.graceful_timeout_s,
bound to web.host:web.port), with the hooks that start and stop each process's parts; ``civicast serve`` also
upgrades the schema first, so with gunicorn's own command run ``civicast db upgrade`` before.
"""

from bot.settings import load_settings
from bot.web_server import gunicorn_options

wsgi_app = "bot.wsgi:create()"
# bind, workers, worker_class, threads, timeout, graceful_timeout, keepalive, post_worker_init, worker_exit, ...
globals().update(gunicorn_options(load_settings()))
