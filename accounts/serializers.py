"""Invitations in the API: what the sender sees (never the key or its hash)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import invitations
from accounts.models import Invitation


class InvitationSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "email", "state", "created_at", "expires_at", "accepted_at", "revoked_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=invitations.State.CHOICES))
    def get_state(self, invitation: Invitation) -> str:
        return invitations.state(invitation)


class InvitationCreateSerializer(serializers.Serializer):
    """The field's type for the schema; the address itself is checked by
    accounts.invitations.clean_email, which answers with sentences."""

    email = serializers.CharField(max_length=254, help_text="the address to invite")
