"""The liquidation's facts the provisions read: who bought, a junior's senior debt, the
dates that start windows, a short sale's consent; and a sale's surplus above the debt.

Stored events know only `credit_bid`: a winning credit bid is the holder's, so those
events' buyer is the holder; every other buyer is unknown (never guessed a third party).
"""

import django.core.validators
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


def buyer_from_credit_bid(apps, schema_editor):
    LiquidationEvent = apps.get_model("deficiencies", "LiquidationEvent")
    LiquidationEvent.objects.filter(credit_bid=True).update(buyer="holder")


class Migration(migrations.Migration):
    dependencies = [
        ("deficiencies", "0006_load_provisions"),
        ("portfolios", "0010_loan_facts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="deficiency",
            name="surplus",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                max_digits=14,
                validators=[
                    django.core.validators.MinValueValidator(
                        Decimal("0.00"), "Enter an amount of zero or more."
                    )
                ],
                verbose_name="surplus above the debt",
            ),
        ),
        migrations.AddField(
            model_name="liquidationevent",
            name="buyer",
            field=models.CharField(
                choices=[
                    ("holder", "The holder, by credit bid or otherwise"),
                    ("third_party", "A third party"),
                    ("unknown", "Unknown"),
                ],
                default="unknown",
                max_length=12,
                verbose_name="who bought at the sale",
            ),
        ),
        migrations.AddField(
            model_name="liquidationevent",
            name="certificate_on",
            field=models.DateField(
                blank=True, null=True, verbose_name="certificate of title issued on"
            ),
        ),
        migrations.AddField(
            model_name="liquidationevent",
            name="confirmed_on",
            field=models.DateField(
                blank=True, null=True, verbose_name="sale confirmed by the court on"
            ),
        ),
        migrations.AddField(
            model_name="liquidationevent",
            name="deed_delivered_on",
            field=models.DateField(blank=True, null=True, verbose_name="deed delivered on"),
        ),
        migrations.AddField(
            model_name="liquidationevent",
            name="lender_consented",
            field=models.CharField(
                choices=[("yes", "Yes"), ("no", "No"), ("unknown", "Unknown")],
                default="unknown",
                max_length=10,
                verbose_name="the holder consented to the short sale in writing",
            ),
        ),
        migrations.AddField(
            model_name="liquidationevent",
            name="redemption_ends_on",
            field=models.DateField(blank=True, null=True, verbose_name="redemption period ends on"),
        ),
        migrations.AddField(
            model_name="liquidationevent",
            name="senior_debt",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=14,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        Decimal("0.00"), "Enter an amount of zero or more."
                    )
                ],
                verbose_name="senior debt paid from the sale",
            ),
        ),
        migrations.RunPython(buyer_from_credit_bid, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="liquidationevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("buyer", "third_party"), ("credit_bid", True), _negated=True),
                name="event_credit_bid_is_the_holders",
            ),
        ),
    ]
