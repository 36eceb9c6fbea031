"""Tenant scoping fails closed (accounts/tenancy.py, accounts/tenant_scope.py).

Every tenant model, discovered from the app registry: a query outside any scope raises;
under a request scope only the user's organizations are visible, even without
``for_org``; under the system scope everything is. Requests through the test client run
under the middleware's scope (tiny probe views below, mounted with ``pytest.mark.urls``),
Celery tasks and management commands under the system scope.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.urls import path, reverse

import manage
from accounts.models import Role
from accounts.tenancy import (
    RequestScope,
    SystemScope,
    TenantModel,
    TenantQuerySet,
    TenantScopeError,
    current_scope,
    no_scope,
    organization_scope,
    request_scope,
    system_scope,
)
from config.celery import SystemScopedTask, app
from planner.models import Plan, PlanOption
from pricing.models import PriceOverlay
from tests.factories import (
    TENANT_FACTORIES,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    plan_in,
)

TENANT_MODELS = sorted(
    (model for model in apps.get_models() if issubclass(model, TenantModel)),
    key=lambda model: model._meta.label,
)


def _label(model: type) -> str:
    return model._meta.label


def _allows_update(model: type) -> bool:
    """False for models whose queryset refuses every update (immutable comparisons)."""
    return type(model.objects.get_queryset()).update is TenantQuerySet.update


# --- probe views: what a view that forgot the access helpers would do --------------------


def _plan_by_pk(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        plan = Plan.objects.get(pk=pk)  # no for_org, no access helper: on purpose
    except Plan.DoesNotExist as exc:
        raise Http404 from exc
    return HttpResponse(plan.name)


def _plan_names_streamed(request: HttpRequest) -> StreamingHttpResponse:
    def chunks():
        yield "plans:"
        for plan in Plan.objects.order_by("name"):  # evaluated after the view returned
            yield f" {plan.name}"

    return StreamingHttpResponse(chunks())


urlpatterns = [
    path("probe/plans/<int:pk>/", _plan_by_pk, name="probe_plan"),
    path("probe/plans/", _plan_names_streamed, name="probe_plans"),
]


# --- fixtures -------------------------------------------------------------------------


class Tenants:
    def __init__(self) -> None:
        self.a = OrganizationFactory(name="Org A", slug="org-a")
        self.b = OrganizationFactory(name="Org B", slug="org-b")
        self.a_user = MembershipFactory(organization=self.a, role=Role.OWNER).user
        self.b_user = MembershipFactory(organization=self.b, role=Role.OWNER).user

    def request_of(self, user: Any) -> HttpRequest:
        request = RequestFactory().get("/")
        request.user = user
        return request


@pytest.fixture
def tenants(db) -> Tenants:
    return Tenants()


def _in_fresh_thread(fn):
    """Run ``fn`` in a new thread (no tenant scope there) and return or raise its outcome."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# --- discovery ------------------------------------------------------------------------


def test_every_tenant_model_is_discovered_and_has_a_factory():
    labels = {_label(model) for model in TENANT_MODELS}
    assert {"planner.Plan", "planner.PlanOption", "pricing.PriceOverlay", "tracking.Budget"} <= (
        labels
    )
    missing = [_label(model) for model in TENANT_MODELS if model not in TENANT_FACTORIES]
    assert missing == []


# --- outside any scope ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("model", TENANT_MODELS, ids=_label)
def test_query_outside_any_scope_raises(model):
    with pytest.raises(TenantScopeError, match=rf"on {model.__name__} outside any organization"):
        _in_fresh_thread(lambda: list(model.objects.all()))

    everything = model.objects.all()  # built outside, evaluated outside: raises
    with no_scope():
        for evaluate in (
            lambda: list(everything),
            lambda: list(model.objects.all()),
            lambda: model.objects.count(),
            lambda: model.objects.exists(),
            lambda: model.objects.first(),
            lambda: model.objects.get(pk=1),
            lambda: list(model.objects.values_list("pk", flat=True)),
            lambda: list(model.objects.iterator()),
            lambda: model.objects.aggregate(n=Count("pk")),
            lambda: model.objects.all().delete(),
            lambda: model.objects.in_bulk([1]),
            lambda: model.objects.explain(),
            lambda: list(Plan.objects.filter(pk__in=model.objects.values("pk"))),
        ):
            with pytest.raises(TenantScopeError):
                evaluate()
        if _allows_update(model):
            with pytest.raises(TenantScopeError):
                model.objects.update(organization_id=F("organization_id"))
        assert list(model.objects.none()) == []  # nothing to leak
    # Building querysets needs no scope (DRF and forms build them at import).
    with no_scope():
        model.objects.filter(pk=1).order_by("pk")


@pytest.mark.django_db
def test_the_error_says_what_to_do():
    with no_scope(), pytest.raises(TenantScopeError) as caught:
        Plan.objects.count()
    assert str(caught.value) == (
        "query on Plan outside any organization scope; use for_org(), or run under "
        "system_scope(reason)"
    )


def test_scopes_need_a_reason():
    with pytest.raises(ValueError, match="needs a reason"):
        system_scope(" ")


# --- request scope: only the user's organizations ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("model", TENANT_MODELS, ids=_label)
def test_request_scope_sees_only_the_users_organizations(model, tenants):
    a_row = TENANT_FACTORIES[model](tenants.a)
    b_row = TENANT_FACTORIES[model](tenants.b)
    a_pks = set(model.objects.filter(organization=tenants.a).values_list("pk", flat=True))
    b_pks = set(model.objects.filter(organization=tenants.b).values_list("pk", flat=True))
    assert a_row.pk in a_pks
    assert b_row.pk in b_pks

    with request_scope(tenants.request_of(tenants.a_user)):
        assert set(model.objects.values_list("pk", flat=True)) == a_pks
        assert {row.pk for row in model.objects.all()} == a_pks
        assert {row.pk for row in model.objects.iterator()} == a_pks
        assert model.objects.count() == len(a_pks)
        assert model.objects.aggregate(n=Count("pk"))["n"] == len(a_pks)
        assert model.objects.filter(pk=b_row.pk).exists() is False
        assert model.objects.filter(pk=a_row.pk).exists() is True
        assert list(model.objects.for_org(tenants.b)) == []  # can only narrow
        assert model.objects.in_bulk([a_row.pk, b_row.pk]).keys() == {a_row.pk}
        with pytest.raises(model.DoesNotExist):
            model.objects.get(pk=b_row.pk)
        # Writes never touch the other organization's rows.
        both = model.objects.filter(pk__in=[a_row.pk, b_row.pk])
        if _allows_update(model):
            assert both.update(organization_id=F("organization_id")) == 1
        deleted, _per_model = model.objects.filter(pk=b_row.pk).delete()
        assert deleted == 0

    # Under the system scope (this test's own) both organizations are visible.
    assert set(model.objects.values_list("pk", flat=True)) == a_pks | b_pks
    assert model.objects.filter(pk=b_row.pk).exists()

    with request_scope(tenants.request_of(tenants.a_user)):
        model.objects.filter(pk__in=[a_row.pk, b_row.pk]).delete()
    assert not model.objects.filter(pk=a_row.pk).exists()
    assert model.objects.filter(pk=b_row.pk).exists()


@pytest.mark.django_db
def test_a_queryset_built_under_one_scope_is_filtered_by_the_scope_it_is_evaluated_in(tenants):
    plan_a, plan_b = plan_in(tenants.a), plan_in(tenants.b)
    built_at_import = Plan.objects.all()  # like a DRF view's class-level queryset
    with request_scope(tenants.request_of(tenants.a_user)):
        assert [plan.pk for plan in built_at_import.all()] == [plan_a.pk]
        assert built_at_import.count() == 1
    with request_scope(tenants.request_of(tenants.b_user)):
        assert [plan.pk for plan in built_at_import.all()] == [plan_b.pk]
        assert built_at_import.count() == 1
    assert built_at_import.count() == 2  # the shared queryset kept no request's filter


@pytest.mark.django_db
def test_related_managers_and_prefetches_respect_the_scope(tenants):
    plan_a, plan_b = plan_in(tenants.a), plan_in(tenants.b)
    with request_scope(tenants.request_of(tenants.a_user)):
        assert plan_a.options.count() == 2
        assert list(plan_b.options.all()) == []
        assert plan_b.options.exists() is False
        (only,) = Plan.objects.prefetch_related("options")
        assert only.pk == plan_a.pk
        assert len(only.options.all()) == 2
        assert list(PlanOption.objects.filter(plan=plan_b)) == []
    assert plan_b.options.count() == 2


@pytest.mark.django_db
def test_an_anonymous_request_sees_no_tenant_rows(tenants):
    plan_in(tenants.a)
    with request_scope(tenants.request_of(AnonymousUser())):
        assert list(Plan.objects.all()) == []
        assert Plan.objects.count() == 0
        assert Plan.objects.update(name="x") == 0
    assert Plan.objects.filter(name="x").count() == 0


@pytest.mark.django_db
def test_joining_an_organization_inside_the_request_shows_its_rows_at_once(tenants):
    plan_b = plan_in(tenants.b)
    with request_scope(tenants.request_of(tenants.a_user)):
        assert not Plan.objects.filter(pk=plan_b.pk).exists()
        MembershipFactory(organization=tenants.b, user=tenants.a_user, role=Role.VIEWER)
        assert Plan.objects.filter(pk=plan_b.pk).exists()


@pytest.mark.django_db
def test_organization_scope_sees_one_organization(tenants):
    plan_a, _plan_b = plan_in(tenants.a), plan_in(tenants.b)
    with organization_scope(tenants.a.pk):
        assert [plan.pk for plan in Plan.objects.all()] == [plan_a.pk]


@pytest.mark.django_db
def test_system_scope_sees_every_organization_and_nesting_restores(tenants):
    plan_in(tenants.a), plan_in(tenants.b)
    with request_scope(tenants.request_of(tenants.a_user)):
        assert Plan.objects.count() == 1
        with system_scope("token lookup"):
            assert Plan.objects.count() == 2
        assert Plan.objects.count() == 1
        assert isinstance(current_scope(), RequestScope)


# --- requests through the middleware ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_view_that_forgets_the_access_helpers_still_gets_404_for_another_org(tenants):
    plan_a, plan_b = plan_in(tenants.a), plan_in(tenants.b)
    client = Client()
    client.force_login(tenants.a_user)

    response = client.get(reverse("probe_plan", args=[plan_b.pk]))
    assert response.status_code == 404
    response = client.get(reverse("probe_plan", args=[plan_a.pk]))
    assert response.status_code == 200
    assert response.content.decode() == plan_a.name
    assert Client().get(reverse("probe_plan", args=[plan_a.pk])).status_code == 404  # anonymous

    # The middleware put the test's own scope back after each request.
    assert current_scope() == SystemScope("test setup")


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_streamed_response_is_produced_in_the_requests_scope(tenants):
    plan_a, plan_b = plan_in(tenants.a), plan_in(tenants.b)
    plan_a.name, plan_b.name = "Alpha", "Bravo"
    Plan.objects.bulk_update([plan_a, plan_b], ["name"])
    client = Client()
    client.force_login(tenants.a_user)
    response = client.get(reverse("probe_plans"))
    # The test client drains the stream here, after the middleware returned.
    assert b"".join(response.streaming_content).decode() == "plans: Alpha"
    assert current_scope() == SystemScope("test setup")


@pytest.mark.django_db
def test_staff_see_every_organization_in_the_django_admin(tenants):
    for org in (tenants.a, tenants.b):
        TENANT_FACTORIES[PriceOverlay](org)
    staff = UserFactory(is_staff=True, is_superuser=True)
    MembershipFactory(organization=tenants.a, user=staff)
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("admin:pricing_priceoverlay_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    html = response.content.decode()
    assert "Org A prices" in html
    assert "Org B prices" in html


def test_a_new_thread_such_as_the_live_servers_starts_without_a_scope():
    assert current_scope() == SystemScope("test setup")
    assert _in_fresh_thread(current_scope) is None


# --- tasks and management commands --------------------------------------------------


@pytest.mark.django_db
def test_celery_tasks_run_under_the_system_scope(tenants):
    plan_in(tenants.a), plan_in(tenants.b)

    @app.task(name="tests.fail_closed.count_plans")
    def count_plans() -> tuple[str, int]:
        return repr(current_scope()), Plan.objects.count()

    with no_scope():  # (same thread: a new one would not see this test's transaction)
        scope, count = count_plans.apply().get()
    assert scope == repr(SystemScope("task tests.fail_closed.count_plans"))
    assert count == 2
    project_tasks = [name for name in app.tasks if not name.startswith("celery.")]
    assert project_tasks
    assert all(isinstance(app.tasks[name], SystemScopedTask) for name in project_tasks)


def test_management_commands_run_under_the_system_scope(monkeypatch):
    seen = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line",
        lambda argv: seen.append(current_scope()),
    )
    monkeypatch.setattr("sys.argv", ["manage.py", "seed_demo"])
    with no_scope():
        manage.main()
        assert current_scope() is None
    assert seen == [SystemScope("management command seed_demo")]
