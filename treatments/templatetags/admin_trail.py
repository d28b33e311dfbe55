"""Admin breadcrumbs that follow where a screen really is: a page's history,
versions and take-down screens sit under that page in its own list (Pages,
Glossary terms or Medicines), not under the review queue."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from ..models import Article, GlossaryTerm, Kind, Medicine

register = template.Library()

LISTS = {Kind.PAGE: Article, Kind.GLOSSARY: GlossaryTerm, Kind.MEDICINE: Medicine}


@register.simple_tag
def article_trail(article):
    """“› Treatment pages › Articles › <the page>”, each a link, named as on the admin home."""
    meta = LISTS[Kind(article.kind)]._meta
    prefix, label = f"{meta.app_label}_{meta.model_name}", capfirst(meta.verbose_name_plural)
    crumbs = [
        (
            reverse("admin:app_list", kwargs={"app_label": meta.app_label}),
            meta.app_config.verbose_name,
        ),
        (reverse(f"admin:{prefix}_changelist"), label),
        (reverse(f"admin:{prefix}_change", args=[article.pk]), str(article)),
    ]
    return format_html_join("", ' › <a href="{}">{}</a>', crumbs)


@register.simple_tag
def history_link(article):
    return format_html(
        ' › <a href="{}">History</a>',
        reverse("admin:treatments_article_history", args=[article.pk]),
    )
