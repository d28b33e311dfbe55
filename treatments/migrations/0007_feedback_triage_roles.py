"""Editors and medical reviewers triage readers' feedback; helpline staff do not."""

from django.db import migrations

from treatments.roles import ensure_groups

FEEDBACK_PERMISSIONS = ["allsite.view_feedback", "allsite.change_feedback"]

GROUP_PERMISSIONS = {
    "Editors": [
        "treatments.view_article",
        "treatments.add_article",
        "treatments.change_article",
        "treatments.view_revision",
        "treatments.add_revision",
        "treatments.view_transition",
        "treatments.view_reviewerprofile",
        "treatments.view_glossaryterm",
        "treatments.add_glossaryterm",
        "treatments.change_glossaryterm",
        "treatments.view_medicine",
        "treatments.add_medicine",
        "treatments.change_medicine",
        "references.view_reference",
        "references.add_reference",
        "references.change_reference",
        "allsite.view_feedback",
        "allsite.change_feedback",
    ],
    "Medical reviewers": [
        "treatments.view_article",
        "treatments.view_revision",
        "treatments.review_revision",
        "treatments.view_transition",
        "treatments.view_reviewerprofile",
        "treatments.view_glossaryterm",
        "treatments.view_medicine",
        "references.view_reference",
        "allsite.view_feedback",
        "allsite.change_feedback",
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


def update_groups(apps, schema_editor):
    ensure_groups(apps, GROUP_PERMISSIONS)


def remove_feedback_permissions(apps, schema_editor):
    ensure_groups(
        apps,
        {
            name: [perm for perm in perms if perm not in FEEDBACK_PERMISSIONS]
            for name, perms in GROUP_PERMISSIONS.items()
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0006_roles_for_glossary_and_medicines"),
        ("allsite", "0002_feedback"),
    ]

    operations = [migrations.RunPython(update_groups, remove_feedback_permissions)]
