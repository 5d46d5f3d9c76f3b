"""A person's saved views of the case queue: a name and the queue's query string."""

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_case_views"
    )
    name = models.CharField(max_length=60)
    # The queue's filters and sort as a query string (validated by the queue's filter on every use).
    query = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_unique_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name
