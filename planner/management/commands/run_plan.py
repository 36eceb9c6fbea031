"""`manage.py run_plan <plan-id>`: compute one plan and print its summary."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from formatting import format_money
from planner import services
from planner.models import Plan
from planner.selectors import comparison_currency


class Command(BaseCommand):
    help = "Computes a plan (a new numbered comparison) and prints the recommendation."

    def add_arguments(self, parser) -> None:
        parser.add_argument("plan_id", type=int)

    def handle(self, *args: object, plan_id: int, **options: object) -> None:
        plan = (
            Plan.objects.select_related("organization", "catalog_version")
            .filter(pk=plan_id)
            .first()
        )
        if plan is None:
            raise CommandError(f"No plan {plan_id}.")
        try:
            comparison = services.plan_compute(plan=plan, actor=None)
        except ValidationError as exc:
            raise CommandError(f"Plan {plan_id} could not be computed: {exc.messages}") from exc
        self.stdout.write(
            f"{plan.organization.name} / {plan.name}: comparison #{comparison.number}"
        )
        currency = comparison_currency(comparison=comparison, plan=plan)
        for option in comparison.results["options"]:
            monthly = format_money(option["monthly"]["expected"], currency)
            self.stdout.write(f"  {option['name']}: {monthly}/month")
        cheapest = format_money(comparison.cheapest_monthly, currency)
        self.stdout.write(
            self.style.SUCCESS(
                f"Recommended: {comparison.recommended_option or 'none'}; cheapest: "
                f"{comparison.cheapest_option} at {cheapest}/month"
            )
        )
