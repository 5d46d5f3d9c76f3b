"""Create or update every periodic task in the beat database schedule (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

# name -> (task, crontab fields). Later apps add their jobs here.
PERIODIC_TASKS = {
    # "At 03:17 every day" (crontab.guru/#17_3_*_*_*)
    "Clear expired sessions": ("cxloop.sessions_clear", {"minute": "17", "hour": "3"}),
    # "Every minute" (crontab.guru/#*_*_*_*_*)
    "Process feedback whose task was lost": ("feedback.sweep_unprocessed", {}),
    # "At 02:40 every day" (crontab.guru/#40_2_*_*_*)
    "Retrain the category classifier": ("feedback.category_model_train", {"minute": "40", "hour": "2"}),
    # "Every minute" (crontab.guru/#*_*_*_*_*)
    "Resume stalled file imports": ("feedback.import_sweep_stalled", {}),
    # "Every minute" (crontab.guru/#*_*_*_*_*)
    "Send emails whose task was lost": ("notifications.email_sweep", {}),
    # "Every minute" (crontab.guru/#*_*_*_*_*)
    "Escalate overdue cases": ("innerloop.escalate_overdue", {}),
    # "At 07:00 every day" (crontab.guru/#0_7_*_*_*)
    "Daily notification digests": ("notifications.digests_send", {"minute": "0", "hour": "7"}),
    # "At every 15th minute" (crontab.guru/#*/15_*_*_*_*)
    "Schedule huddles and prepare their summaries": ("innerloop.huddles_plan", {"minute": "*/15"}),
    # "At 01:30 every day" (crontab.guru/#30_1_*_*_*)
    "Detect recurring root causes (signals)": ("outerloop.signals_detect", {"minute": "30", "hour": "1"}),
    # "At 05:10 every day" (crontab.guru/#10_5_*_*_*)
    "Review rolled-out initiatives": ("outerloop.impact_reviews_due", {"minute": "10", "hour": "5"}),
}


class Command(BaseCommand):
    help = "Create or update the periodic Celery tasks that beat runs."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, (task, fields) in PERIODIC_TASKS.items():
            schedule, _ = CrontabSchedule.objects.get_or_create(
                minute=fields.get("minute", "*"),
                hour=fields.get("hour", "*"),
                day_of_week=fields.get("day_of_week", "*"),
                day_of_month=fields.get("day_of_month", "*"),
                month_of_year=fields.get("month_of_year", "*"),
                timezone="UTC",
            )
            PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task, "crontab": schedule, "enabled": True}
            )
        stale = PeriodicTask.objects.exclude(name__in=PERIODIC_TASKS).exclude(name__startswith="celery.")
        stale.delete()
        self.stdout.write(f"{len(PERIODIC_TASKS)} periodic task(s) scheduled")
