"""Create or update every periodic task in the beat database schedule (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

# name -> (task, crontab fields, or {"seconds": N} for a job run every N seconds). Later apps add
# their jobs here.
PERIODIC_TASKS: dict[str, tuple[str, dict[str, str | int]]] = {
    # "At 03:17 every day" (crontab.guru/#17_3_*_*_*)
    "Clear expired sessions": ("cxloop.sessions_clear", {"minute": "17", "hour": "3"}),
    # Every 20 seconds: an item whose task was lost (a killed worker, Redis down) is enriched within
    # a minute (an indexed scan of the unprocessed).
    "Process feedback whose task was lost": ("feedback.sweep_unprocessed", {"seconds": 20}),
    # "At 02:10 every day" (crontab.guru/#10_2_*_*_*): before the retraining below, so the new
    # classifier no longer learns from comments retention has just anonymised.
    "Apply retention policies": ("feedback.retention_apply", {"minute": "10", "hour": "2"}),
    # "At 02:40 every day" (crontab.guru/#40_2_*_*_*)
    "Retrain the category classifier": ("feedback.category_model_train", {"minute": "40", "hour": "2"}),
    # "At 03:25 every day" (crontab.guru/#25_3_*_*_*): after the retraining, on the night's comments.
    "Find themes nobody has coded yet": ("feedback.themes_run", {"minute": "25", "hour": "3"}),
    # "Every minute" (crontab.guru/#*_*_*_*_*)
    "Resume stalled file imports": ("feedback.import_sweep_stalled", {}),
    # "Every minute" (crontab.guru/#*_*_*_*_*)
    "Send emails whose task was lost": ("notifications.email_sweep", {}),
    # "Every minute" (crontab.guru/#*_*_*_*_*)
    "Send text messages whose task was lost": ("notifications.text_sweep", {}),
    # "Every minute" (crontab.guru/#*_*_*_*_*): invitations whose quiet hours ended, or whose task was lost.
    "Send survey invitations that are due": ("surveys.send_due", {}),
    # "At every 15th minute" (crontab.guru/#*/15_*_*_*_*)
    "Send survey reminders": ("surveys.reminders_send_due", {"minute": "*/15"}),
    # "Every minute" (crontab.guru/#*_*_*_*_*): webhook deliveries whose retry is due, or whose
    # task was lost (Redis down when the event was recorded).
    "Send outbound webhooks that are due": ("outbound.deliver_due", {}),
    # Every 2 seconds: an overdue case's escalation goes out within seconds (an indexed scan of the
    # running clocks; a run finds nothing to do almost always).
    "Escalate overdue cases": ("innerloop.escalate_overdue", {"seconds": 2}),
    # Every 20 seconds, for the same reason (an indexed scan of the untriaged).
    "Triage feedback whose task was lost": ("innerloop.sweep_untriaged", {"seconds": 20}),
    # "Every minute" (crontab.guru/#*_*_*_*_*)
    "Email new-case alert summaries": ("notifications.alert_summaries_send", {}),
    # "At 07:00 every day" (crontab.guru/#0_7_*_*_*)
    "Daily notification digests": ("notifications.digests_send", {"minute": "0", "hour": "7"}),
    # "At every 15th minute" (crontab.guru/#*/15_*_*_*_*)
    "Schedule huddles and prepare their summaries": ("innerloop.huddles_plan", {"minute": "*/15"}),
    # "Every minute" (crontab.guru/#*_*_*_*_*): a resolved case whose recovery check was not asked
    # (the broker was down at the resolve) is asked within minutes.
    "Ask recovery checks that were lost": ("innerloop.recovery_asks_sweep", {}),
    # "At 01:30 every day" (crontab.guru/#30_1_*_*_*)
    "Detect recurring root causes (signals)": ("outerloop.signals_detect", {"minute": "30", "hour": "1"}),
    # "At minute 50" (crontab.guru/#50_*_*_*_*): the nightly run, when it was missed.
    "Detect signals when the nightly run was missed": (
        "outerloop.signals_detect_if_missed",
        {"minute": "50"},
    ),
    # "At 05:10 every day" (crontab.guru/#10_5_*_*_*)
    "Review rolled-out initiatives": ("outerloop.impact_reviews_due", {"minute": "10", "hour": "5"}),
    # "At every 15th minute" (crontab.guru/#*/15_*_*_*_*): a person removed at the identity provider
    # loses their sessions and tokens within a quarter of an hour.
    "Re-check single sign-on accounts at the provider": ("identity.sso_accounts_recheck", {"minute": "*/15"}),
}


class Command(BaseCommand):
    help = "Create or update the periodic Celery tasks that beat runs."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, (task, fields) in PERIODIC_TASKS.items():
            if "seconds" in fields:
                interval, _ = IntervalSchedule.objects.get_or_create(
                    every=fields["seconds"], period=IntervalSchedule.SECONDS
                )
                when = {"interval": interval, "crontab": None}
            else:
                crontab, _ = CrontabSchedule.objects.get_or_create(
                    minute=fields.get("minute", "*"),
                    hour=fields.get("hour", "*"),
                    day_of_week=fields.get("day_of_week", "*"),
                    day_of_month=fields.get("day_of_month", "*"),
                    month_of_year=fields.get("month_of_year", "*"),
                    timezone="UTC",
                )
                when = {"crontab": crontab, "interval": None}
            PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "enabled": True, **when})
        stale = PeriodicTask.objects.exclude(name__in=PERIODIC_TASKS).exclude(name__startswith="celery.")
        stale.delete()
        self.stdout.write(f"{len(PERIODIC_TASKS)} periodic task(s) scheduled")
