"""File import (CSV, XLSX) in the browser: upload, map columns, import in chunks with progress.

Celery's autodiscovery only looks at `feedback.tasks`; importing the tasks module here registers
the import tasks wherever the feedback models load (web processes and workers alike).
"""

from . import tasks  # noqa: F401
