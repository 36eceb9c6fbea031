"""Test-only routes: an org-scoped create endpoint with a foreign key and Idempotency-Key,
to test the reusable pieces of accounts.api before real resources use them."""

from __future__ import annotations

from django.urls import include, path
from rest_framework import mixins, serializers
from rest_framework.routers import SimpleRouter

from accounts.api.idempotency import IdempotentCreateMixin
from accounts.api.scoping import OrgScopedPrimaryKeyRelatedField, OrgScopedViewSet
from accounts.audit import record
from accounts.models import Membership
from config.urls import urlpatterns as project_urlpatterns


class EchoSerializer(serializers.Serializer):
    member = OrgScopedPrimaryKeyRelatedField(queryset=Membership.objects.all())
    note = serializers.CharField(max_length=50)


class EchoViewSet(IdempotentCreateMixin, mixins.CreateModelMixin, OrgScopedViewSet):
    queryset = Membership.objects.all()
    serializer_class = EchoSerializer

    def perform_create(self, serializer: EchoSerializer) -> None:
        event = record(
            actor=self.request.user,
            action="test.echo",
            obj=serializer.validated_data["member"],
            organization=self.organization,
            changes={"note": serializer.validated_data["note"]},
        )
        serializer.validated_data["event_id"] = event.pk


router = SimpleRouter()
router.register(r"orgs/(?P<org_slug>[-\w]+)/echo", EchoViewSet, basename="echo")

urlpatterns = [path("test-api/", include(router.urls)), *project_urlpatterns]
