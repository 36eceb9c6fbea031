# Issue 15: owned-server defaults the catalog holds (a machine's base draw; maintenance
# and facilities figures). Reversible: drops the column, restores the section choices.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0007_modelspec_architecture"),
    ]

    operations = [
        migrations.AddField(
            model_name="ownedhardware",
            name="server_base_w",
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=12, null=True),
        ),
        migrations.AlterField(
            model_name="enginefigure",
            name="section",
            field=models.CharField(
                choices=[
                    ("spot_discount", "Spot discount"),
                    ("hidden_cost_multiplier", "Hidden-cost multiplier"),
                    ("devops_hours_per_month", "DevOps hours per month"),
                    ("devops_hourly_rate", "DevOps hourly rate"),
                    ("owned_maintenance_per_year", "Owned maintenance (share of price a year)"),
                    ("owned_facilities_per_kw_monthly", "Owned facilities (per kW a month)"),
                    ("availability", "Availability"),
                    ("p99_latency_s", "p99 latency (s)"),
                ],
                max_length=40,
            ),
        ),
    ]
