"""Scale-out mode: Celery workers and beat on Redis, executing ``hub.pipeline``.

``celery -A workers worker`` finds :data:`app` here; importing the package registers the
tasks ``hub.poll_source``, ``hub.publish`` and ``hub.dispatch_due``.
"""

from workers import tasks as tasks
from workers.app import app

__all__ = ["app"]
