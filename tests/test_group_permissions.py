"""The roles staff get on a migrated database are the roles treatments.roles
describes: a migration that snapshots the roles must not take away what an
earlier one gave (a reviewer who cannot take a wrong page down, say)."""

import pytest
from django.contrib.auth.models import Group

from treatments.roles import GROUP_PERMISSIONS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", sorted(GROUP_PERMISSIONS))
def test_migrated_group_has_exactly_the_permissions_its_role_describes(name):
    group = Group.objects.get(name=name)
    granted = {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }
    assert granted == set(GROUP_PERMISSIONS[name])
