"""Owned options default from the catalog, never silently to zero (issue 15).

Maintenance, a server's base draw and per-server facilities become "empty: the catalog's
figure". Their old default, 0, was never a choice the form told apart from a stated 0, so
every 0 becomes empty and takes the catalog's figure at the next compute (the reverse
writes 0 back). A new ``installation_policy`` (capitalised by default) and ``gpu_load``
(empty: the hours the tokens take) are added.
"""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models

DEFAULTED = ("maintenance_per_year", "server_base_watts", "facilities_per_server_monthly")


def zeros_to_catalog(apps, schema_editor):
    PlanOption = apps.get_model("planner", "PlanOption")
    for field in DEFAULTED:
        PlanOption.objects.filter(**{field: 0}).update(**{field: None})


def catalog_to_zeros(apps, schema_editor):
    PlanOption = apps.get_model("planner", "PlanOption")
    for field in DEFAULTED:
        PlanOption.objects.filter(**{f"{field}__isnull": True}).update(**{field: Decimal(0)})


class Migration(migrations.Migration):
    dependencies = [
        ("planner", "0010_option_memory_fit"),
    ]

    operations = [
        migrations.AddField(
            model_name="planoption",
            name="gpu_load",
            field=models.DecimalField(
                blank=True,
                decimal_places=5,
                help_text="Average share of the GPUs' full power drawn; empty: the hours the workload's tokens take at the measured throughput.",
                max_digits=6,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(1),
                ],
            ),
        ),
        migrations.AddField(
            model_name="planoption",
            name="installation_policy",
            field=models.CharField(
                choices=[
                    ("capitalised", "Capitalised with the hardware"),
                    ("expensed", "Expensed at purchase"),
                ],
                default="capitalised",
                help_text="Capitalised: in the servers' book value, depreciated over the useful life and inside the cost of capital. Expensed: charged in full at every purchase.",
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="planoption",
            name="facilities_per_server_monthly",
            field=models.DecimalField(
                blank=True,
                decimal_places=4,
                help_text="Space, cooling and power delivery a server a month; empty: the catalog's figure per kW times the server's power.",
                max_digits=14,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AlterField(
            model_name="planoption",
            name="facilities_shared_monthly",
            field=models.DecimalField(
                decimal_places=4,
                default=Decimal("0"),
                help_text="Site costs shared by every server a month (none unless given).",
                max_digits=14,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AlterField(
            model_name="planoption",
            name="gpu_tdp_watts",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Watts a GPU draws at full load; empty: the catalog hardware's power.",
                max_digits=10,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.AlterField(
            model_name="planoption",
            name="maintenance_per_year",
            field=models.DecimalField(
                blank=True,
                decimal_places=4,
                help_text="Share of the acquisition a year (0.05 for 5%); empty: the catalog's figure.",
                max_digits=6,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(1),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="planoption",
            name="server_base_watts",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Watts a server draws whatever its load; empty: the catalog hardware's figure.",
                max_digits=10,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
            ),
        ),
        migrations.RunPython(zeros_to_catalog, catalog_to_zeros),
    ]
