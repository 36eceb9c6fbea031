"""API views for organizations, members and API tokens (thin: services do the writes)."""

from __future__ import annotations

from django.db.models import F, FilteredRelation, Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api import tokens as token_services
from accounts.api.orgs import organization_rename
from accounts.api.pagination import ApiCursorPagination
from accounts.api.permissions import OrgRolePermission
from accounts.api.scoping import OrgScopedMixin, OrgScopedViewSet
from accounts.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    InvitationSerializer,
    MembershipSerializer,
    OrganizationSerializer,
)
from accounts.models import ApiToken, Invitation, Membership, Organization


@extend_schema_view(
    list=extend_schema(summary="Organizations you belong to, with your role"),
    retrieve=extend_schema(summary="One of your organizations"),
    partial_update=extend_schema(summary="Rename an organization (owners and admins)"),
)
class OrganizationViewSet(
    OrgScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    lookup_field = "slug"
    lookup_url_kwarg = "org_slug"
    manage_actions = frozenset({"update", "partial_update"})
    http_method_names = ["get", "patch", "head", "options"]
    ordering = ["name", "pk"]
    ordering_fields = ["name", "created_at"]

    def get_permissions(self):
        if self.org_url_kwarg not in self.kwargs:  # the list route (any method)
            return [IsAuthenticated()]
        return [IsAuthenticated(), OrgRolePermission()]

    def get_queryset(self) -> QuerySet[Organization]:
        # The organizations themselves are the tenants: list the caller's, with their role.
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Organization.objects.none()
        return (
            Organization.objects.annotate(
                mine=FilteredRelation("memberships", condition=Q(memberships__user=user))
            )
            .filter(mine__isnull=False)
            .annotate(role=F("mine__role"))
        )

    def get_object(self) -> Organization:
        organization = self.membership.organization
        organization.role = self.membership.role  # type: ignore[attr-defined]
        return organization

    def perform_update(self, serializer: OrganizationSerializer) -> None:
        organization_rename(
            actor=self.request.user,
            organization=serializer.instance,
            name=serializer.validated_data.get("name", serializer.instance.name),
        )


@extend_schema_view(
    list=extend_schema(summary="Members of the organization"),
    retrieve=extend_schema(summary="One member"),
    partial_update=extend_schema(summary="Change a member's role (owners and admins)"),
    destroy=extend_schema(summary="Remove a member (owners and admins)"),
)
class MembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    queryset = Membership.objects.select_related("user", "organization")
    serializer_class = MembershipSerializer
    manage_actions = frozenset({"update", "partial_update", "destroy"})
    http_method_names = ["get", "patch", "delete", "head", "options"]
    filterset_fields = ["role"]
    ordering = ["pk"]
    ordering_fields = ["created_at", "role"]

    def perform_update(self, serializer: MembershipSerializer) -> None:
        role = serializer.validated_data.get("role")
        if role is not None:
            serializer.instance = services.membership_change_role(
                actor=self.request.user, membership=serializer.instance, role=role
            )

    def perform_destroy(self, instance: Membership) -> None:
        services.membership_remove(actor=self.request.user, membership=instance)


@extend_schema_view(
    list=extend_schema(summary="Pending invitations (owners and admins)"),
    retrieve=extend_schema(summary="One pending invitation (owners and admins)"),
    destroy=extend_schema(
        summary="Revoke a pending invitation (owners and admins; owner invitations: owners)"
    ),
)
class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """Invitations not yet accepted, revoked or expired. Their links are not listed."""

    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer
    manage_actions = frozenset({"list", "retrieve", "destroy"})
    http_method_names = ["get", "delete", "head", "options"]
    ordering = ["-created_at", "-pk"]
    ordering_fields = ["created_at", "email"]
    filterset_fields = ["role"]

    def get_queryset(self) -> QuerySet[Invitation]:
        organization = self._resolved_organization()
        if organization is None:
            return Invitation.objects.none()
        return selectors.invitations_pending(organization=organization)

    def perform_destroy(self, instance: Invitation) -> None:
        services.invitation_revoke(actor=self.request.user, invitation=instance)


@extend_schema_view(
    list=extend_schema(summary="Your API tokens (never the secrets)"),
    retrieve=extend_schema(summary="One of your API tokens"),
    create=extend_schema(
        summary="Create an API token; the secret is in this response only",
        request=ApiTokenCreateSerializer,
        responses={201: ApiTokenCreatedSerializer},
    ),
    destroy=extend_schema(summary="Revoke an API token"),
)
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own tokens; another user's token is a 404.

    Creation is deliberately not idempotent-replayable: the stored response would
    keep the secret in the cache.
    """

    queryset = ApiToken.objects.all()
    serializer_class = ApiTokenSerializer
    pagination_class = ApiCursorPagination
    ordering = ["-created_at", "-pk"]
    ordering_fields = ["created_at", "name"]

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return token_services.api_tokens_for_user(user=self.request.user)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = token_services.api_token_create(
            user=request.user, **serializer.validated_data
        )
        token.token = secret  # type: ignore[attr-defined]
        response = Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    def perform_destroy(self, instance: ApiToken) -> None:
        token_services.api_token_revoke(user=self.request.user, token=instance)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def api_not_found(request: Request, *args, **kwargs) -> Response:
    """Unknown URLs under /api/v1/ answer in the API's error format, not with an HTML page."""
    raise NotFound()
