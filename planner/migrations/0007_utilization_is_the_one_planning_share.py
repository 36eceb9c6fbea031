"""One planning share of measured throughput: `utilization` absorbs `headroom`.

Until now the headline figures planned on `utilization` and the depth figures on
`headroom`. An option keeps the more cautious of the two, so no option is now planned on
more throughput than either of its figures allowed.
"""

from django.db import migrations
from django.db.models import F, Q


def fold_headroom(apps, schema_editor):
    PlanOption = apps.get_model("planner", "PlanOption")
    PlanOption.objects.filter(Q(headroom__lt=F("utilization")), kind="selfhost").update(
        utilization=F("headroom")
    )


class Migration(migrations.Migration):
    dependencies = [("planner", "0006_share_link_private_prices_and_expiry")]

    operations = [
        migrations.RunPython(fold_headroom, migrations.RunPython.noop),
        migrations.RemoveField(model_name="planoption", name="headroom"),
    ]
