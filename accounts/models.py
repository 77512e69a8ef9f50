"""Invitations (how a person joins when sign-up is invite-only) and account deletions
(the background job that removes a person's rows and stored objects)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Invitation(models.Model):
    """An emailed link that lets one address sign up until it expires.

    Only the SHA-256 of the link's key is stored: a database leak gives no working
    invitation. An invitation is used once (accepted_at), or revoked by its sender."""

    email = models.EmailField(max_length=254)
    key_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["invited_by", "-created_at"])]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"


class DeletionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"


class AccountDeletion(models.Model):
    """One request to delete an account and everything stored for it.

    It outlives the user (user_id is a plain integer, not a key), so the sweep of the
    user's storage prefixes can run again after a late writer, and the admin can see
    what was removed. `requested_by` is the person who asked (the user themself, or a
    staff member from the admin)."""

    user_id = models.BigIntegerField()
    username = models.CharField(max_length=150)
    email = models.EmailField(max_length=254, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_deletions_requested",
    )
    status = models.CharField(max_length=16, choices=DeletionStatus.choices, default=DeletionStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # What was removed: {"games": 3, "clips": 14, "projects": 2, "videos": 9, "objects": 112, "bytes": ...}
    removed = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One deletion in flight per account.
            models.UniqueConstraint(
                fields=["user_id"],
                condition=Q(status__in=["pending", "running"]),
                name="one_active_deletion_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"Deletion of {self.username} ({self.get_status_display()})"
