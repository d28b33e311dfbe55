from django.db import migrations


def copy_stored_html_to_live_pages(apps, schema_editor):
    """Keep what readers saw: each published article's stored HTML becomes its
    LivePage (rendered_at empty: `manage.py rerender_live_pages` records its
    sources); each article gets its display title."""
    Article = apps.get_model("treatments", "Article")
    LivePage = apps.get_model("treatments", "LivePage")
    Revision = apps.get_model("treatments", "Revision")
    for article in Article.objects.all():
        revision = article.live_revision or (
            Revision.objects.filter(article=article).order_by("-created_at", "-id").first()
        )
        if revision is not None:
            Article.objects.filter(pk=article.pk).update(display_title=revision.title)
        if article.live_revision is not None:
            live = article.live_revision
            LivePage.objects.create(
                article=article,
                revision=live,
                body_html=live.body_html,
                toc=live.toc,
                citations=live.citations,
            )


class Migration(migrations.Migration):
    dependencies = [("treatments", "0008_live_pages")]

    operations = [
        migrations.RunPython(copy_stored_html_to_live_pages, migrations.RunPython.noop),
    ]
