"""Closure dates (bank holidays) that helpline staff edit with the helpline.

The "Helpline staff" group gets the four permissions on closure dates and
nothing else; the other groups are left as they are.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

CLOSURE_PERMISSIONS = [
    "view_helplineclosure",
    "add_helplineclosure",
    "change_helplineclosure",
    "delete_helplineclosure",
]


def _closure_permissions(apps):
    app_config = apps.get_app_config("allsite")
    # A historical registry has no models module: pretend, so that the
    # permissions of the model created above exist before they are granted.
    original = getattr(app_config, "models_module", None)
    app_config.models_module = original or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = original
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="allsite", codename__in=CLOSURE_PERMISSIONS
    )


def grant_to_helpline_staff(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name="Helpline staff")
    group.permissions.add(*_closure_permissions(apps))


def revoke_from_helpline_staff(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Helpline staff"):
        group.permissions.remove(*_closure_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("allsite", "0005_search_tiers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        # The last migration that resets every role from a written-out list
        # (one without these permissions): grant them after it.
        ("treatments", "0017_media_library"),
    ]

    operations = [
        migrations.CreateModel(
            name="HelplineClosure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "date",
                    models.DateField(help_text="The whole day, in the helpline's time zone."),
                ),
                (
                    "label",
                    models.CharField(
                        blank=True,
                        help_text='Optional, shown to readers: e.g. "Christmas Day" or '
                        '"Bank holiday".',
                        max_length=80,
                    ),
                ),
                (
                    "helpline",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="closures",
                        to="allsite.helplineinfo",
                    ),
                ),
            ],
            options={
                "verbose_name": "closure date",
                "ordering": ["date"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("helpline", "date"), name="one_closure_per_helpline_and_date"
                    )
                ],
            },
        ),
        migrations.RunPython(grant_to_helpline_staff, revoke_from_helpline_staff),
    ]
