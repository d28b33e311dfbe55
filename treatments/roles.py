"""Staff roles: Django groups with exactly the permissions each needs.

Created by a data migration (treatments 0002) and re-created by the browser
tests, whose live-server database is emptied between tests.
"""

from django.contrib.auth.management import create_permissions

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
        "treatments.view_image",
        "treatments.add_image",
        "treatments.delete_image",
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
        "treatments.withdraw_article",
        "treatments.view_transition",
        "treatments.view_reviewerprofile",
        "treatments.view_glossaryterm",
        "treatments.view_medicine",
        "treatments.view_image",
        "references.view_reference",
        "allsite.view_feedback",
        "allsite.change_feedback",
    ],
    # Take a wrong page down at once and put it back; no writing, no approving.
    "Content managers": [
        "treatments.view_article",
        "treatments.view_revision",
        "treatments.withdraw_article",
        "treatments.view_transition",
        "treatments.view_reviewerprofile",
        "treatments.view_glossaryterm",
        "treatments.view_medicine",
        "treatments.view_image",
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
        "allsite.view_helplineclosure",
        "allsite.add_helplineclosure",
        "allsite.change_helplineclosure",
        "allsite.delete_helplineclosure",
    ],
}


def ensure_groups(apps, group_permissions=None):
    """Create or reset the groups; `apps` is a (historical or real) app registry.

    Migrations pass the mapping as it was when they were written, so that old
    migrations never ask for permissions that did not exist yet.
    """
    group_permissions = GROUP_PERMISSIONS if group_permissions is None else group_permissions
    for app_label in ("treatments", "references", "allsite"):
        app_config = apps.get_app_config(app_label)
        original = getattr(app_config, "models_module", None)
        # Historical registries have no models module; permissions are then
        # created only if we pretend there is one.
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in group_permissions.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
