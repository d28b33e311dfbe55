"""Create the three staff roles with exactly the permissions each needs."""

from django.db import migrations

from treatments.roles import ensure_groups

GROUP_PERMISSIONS = {
    "Editors": [
        "treatments.view_article",
        "treatments.add_article",
        "treatments.change_article",
        "treatments.view_revision",
        "treatments.add_revision",
        "treatments.view_transition",
        "treatments.view_reviewerprofile",
        "references.view_reference",
        "references.add_reference",
        "references.change_reference",
    ],
    "Medical reviewers": [
        "treatments.view_article",
        "treatments.view_revision",
        "treatments.review_revision",
        "treatments.view_transition",
        "treatments.view_reviewerprofile",
        "references.view_reference",
    ],
    "Helpline staff": [
        "allsite.view_helplineinfo",
        "allsite.change_helplineinfo",
        "allsite.view_helplinephone",
        "allsite.add_helplinephone",
        "allsite.change_helplinephone",
        "allsite.delete_helplinephone",
    ],
}


def create_groups(apps, schema_editor):
    ensure_groups(apps, GROUP_PERMISSIONS)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0001_initial"),
        ("references", "0001_initial"),
        ("allsite", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
