"""Editors write glossary terms and medicines; reviewers can see them."""

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
        "treatments.view_glossaryterm",
        "treatments.add_glossaryterm",
        "treatments.change_glossaryterm",
        "treatments.view_medicine",
        "treatments.add_medicine",
        "treatments.change_medicine",
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
        "treatments.view_glossaryterm",
        "treatments.view_medicine",
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


def update_groups(apps, schema_editor):
    ensure_groups(apps, GROUP_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("treatments", "0005_content_kinds")]

    operations = [migrations.RunPython(update_groups, migrations.RunPython.noop)]
