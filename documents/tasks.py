"""The Celery options every PDF rendering task shares; the tasks themselves live with their documents."""

from config.celery import RETRYING_TASK

# PDFs of issued documents (../shared/docs/requirements.md SEC-21, REL-12): routed to their own queue
# by CELERY_TASK_ROUTES, so production can give rendering a dedicated worker with tight limits; a
# worker started without -Q consumes it too. Hard time limit: a document that takes longer than this is hostile or broken.
PDF_TASK = {**RETRYING_TASK, "time_limit": 60, "soft_time_limit": 45}
