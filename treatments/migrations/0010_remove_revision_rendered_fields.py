from django.db import migrations


class Migration(migrations.Migration):
    """Rendered HTML and derived data now live in LivePage, not on revisions."""

    dependencies = [("treatments", "0009_copy_stored_html")]

    operations = [
        migrations.RemoveField(
            model_name="revision",
            name="body_html",
        ),
        migrations.RemoveField(
            model_name="revision",
            name="citations",
        ),
        migrations.RemoveField(
            model_name="revision",
            name="mentions",
        ),
        migrations.RemoveField(
            model_name="revision",
            name="toc",
        ),
    ]
