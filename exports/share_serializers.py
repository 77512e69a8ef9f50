"""Share links in the API: what a link shows its owner, and what making one takes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exports import shares
from exports.models import ShareLink
from videoeditor.fields import IdField

EXPIRY_SENTENCE = (
    f"expires_in_days is a whole number of days from 1 to {shares.EXPIRY_DAYS_MAX}, "
    "or null for a link that never expires."
)


class SharedVideoSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=shares.VideoKind.choices)
    id = serializers.IntegerField()
    title = serializers.CharField()


class ShareLinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="the public page, absolute")
    token = serializers.SerializerMethodField()
    video = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = ShareLink
        fields = [
            "id", "url", "token", "video", "created_at", "expires_at", "revoked_at", "views",
            "last_viewed_at", "state",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, link: ShareLink) -> str:
        path = shares.page_path(link)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_token(self, link: ShareLink) -> str:
        return shares.token_of(link)

    @extend_schema_field(SharedVideoSerializer)
    def get_video(self, link: ShareLink) -> dict:
        return {"kind": shares.video_kind(link), "id": link.video.pk, "title": shares.title(link.video)}

    @extend_schema_field(serializers.ChoiceField(choices=shares.ShareState.choices))
    def get_state(self, link: ShareLink) -> str:
        return shares.state(link)


class ShareCreateSerializer(serializers.Serializer):
    """Field types only; which video (one of the two ids) is the view's check, with a
    sentence (exports.share_api.requested_video)."""

    final_video_id = IdField(required=False, allow_null=True)
    review_video_id = IdField(required=False, allow_null=True)
    expires_in_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=shares.EXPIRY_DAYS_MAX,
        error_messages={
            key: EXPIRY_SENTENCE for key in ("invalid", "min_value", "max_value", "max_string_length")
        },
        help_text="null (the default): the link never expires",
    )
