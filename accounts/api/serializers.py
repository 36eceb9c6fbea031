"""Serializers for organizations, members and API tokens: shape only, no rules."""

from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import serializers

from accounts.api.tokens import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS, token_key_tail
from accounts.models import ApiToken, Invitation, Membership, Organization, Role

# A visible name: at least one non-space character, no NUL (documented as a pattern).
visible_text = RegexValidator(
    r"^[^\x00]*[^\x00\s][^\x00]*$", "Use at least one visible character (no NUL bytes)."
)


class OrganizationSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(
        choices=Role.choices, read_only=True, help_text="Your role in this organization."
    )

    class Meta:
        model = Organization
        fields = ["slug", "name", "currency", "role", "created_at"]
        read_only_fields = ["slug", "currency", "created_at"]
        extra_kwargs = {
            "name": {"max_length": 120, "allow_blank": False, "validators": [visible_text]}
        }

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Give the organization a name.")
        return value


class MemberUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(read_only=True)


class MembershipSerializer(serializers.ModelSerializer):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]
        read_only_fields = ["id", "user", "created_at"]


class InvitationSerializer(serializers.ModelSerializer):
    """A pending invitation; never its token (the link is a bearer secret)."""

    invited_by = serializers.EmailField(
        source="invited_by.email", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "invited_by", "created_at", "expires_at"]
        read_only_fields = fields


class ApiTokenSerializer(serializers.ModelSerializer):
    expiry = serializers.DateTimeField(source="auth_token.expiry", read_only=True, allow_null=True)
    token_key_tail = serializers.SerializerMethodField(
        help_text="Last 8 characters of the token's public key, to recognise it."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created_at", "expiry", "token_key_tail"]
        read_only_fields = fields

    def get_token_key_tail(self, token: ApiToken) -> str:
        return token_key_tail(token)


class ApiTokenCreateSerializer(serializers.Serializer):
    # Untrimmed, so the length checked is the length the schema states (a trimmed
    # 101-character name would pass a 100-character limit).
    name = serializers.CharField(max_length=100, trim_whitespace=False, validators=[visible_text])
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=MAX_EXPIRY_DAYS, default=DEFAULT_EXPIRY_DAYS
    )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True,
        help_text="The secret. Shown only in this response: store it now.",
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields
