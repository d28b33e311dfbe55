"""Demo content and demo accounts, loaded only by `manage.py load_demo`.

Every article is published the way real ones are: saved as a draft by a
demo editor, submitted, and approved by a fictional demo reviewer through
treatments.workflow. Running the loader again creates nothing new.

French translations of some pages and of the glossary terms they use
(articles/fr/, glossary_fr.json) are loaded after the English content, each
as its own article translating the English one's live version, and approved
by the fictional French-speaking demo reviewer.
"""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from allsite.models import HelplineClosure, HelplineInfo, HelplinePhone
from references.models import Reference
from treatments import workflow
from treatments.models import Article, Kind, ReviewerProfile

DEMO_DIR = Path(__file__).resolve().parent
ENGLISH = settings.LANGUAGE_CODE
# Translations: articles/<language>/<slug>.md and glossary_<language>.json.
TRANSLATED_LANGUAGES = ["fr"]
# Who approves each language's demo translations.
TRANSLATION_REVIEWERS = {"fr": "relecteur"}
FIRST_PUBLISHED = {"fr": "Première publication."}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    first_name: str
    last_name: str
    group: str | None
    superuser: bool = False
    display_name: str = ""
    role: str = ""
    languages: tuple = ("en-gb",)


DEMO_ACCOUNTS = [
    DemoAccount("editor", "editor-demo-pass", "Erin", "Editor (demo)", workflow.EDITORS),
    DemoAccount("editor2", "editor2-demo-pass", "Ed", "Second-Editor (demo)", workflow.EDITORS),
    DemoAccount(
        "reviewer", "reviewer-demo-pass", "A.", "Example", workflow.MEDICAL_REVIEWERS,
        display_name="Dr A. Example",
        role="Consultant haematologist (fictional demo reviewer)",
    ),
    DemoAccount(
        "reviewer2", "reviewer2-demo-pass", "B.", "Sample", workflow.MEDICAL_REVIEWERS,
        display_name="Dr B. Sample",
        role="Consultant paediatric haematologist (fictional demo reviewer)",
    ),
    DemoAccount(
        "relecteur", "relecteur-demo-pass", "C.", "Exemple", workflow.MEDICAL_REVIEWERS,
        display_name="Dr C. Exemple",
        role="Hématologue (relectrice fictive de démonstration)",
        languages=("fr", "en-gb"),
    ),
    DemoAccount("manager", "manager-demo-pass", "Mo", "Manager (demo)", workflow.CONTENT_MANAGERS),
    DemoAccount("helpline", "helpline-demo-pass", "Hana", "Helpline (demo)", workflow.HELPLINE_STAFF),
    DemoAccount("admin", "admin-demo-pass", "Ada", "Admin (demo)", None, superuser=True),
]  # fmt: skip


@dataclass
class DemoArticle:
    slug: str
    title: str
    summary: str
    parent: str
    order: int
    audience: str
    tags: list
    author: str
    note: str
    body: str


def read_header_file(path):
    """(header dict, Markdown body) of a demo file: `key: value` lines, '---', body."""
    header, separator, body = path.read_text(encoding="utf-8").partition("\n---\n")
    if not separator:
        raise ValueError(f"{path.name}: no '---' line between the header and the body")
    meta = {}
    for number, line in enumerate(header.splitlines(), start=1):
        if line.strip():
            key, colon, value = line.partition(":")
            if not colon:
                raise ValueError(f"{path.name}, line {number}: expected 'key: value'")
            meta[key.strip()] = value.strip()
    return meta, body.strip() + "\n"


def parse_article(path):
    """Read one `allsite/demo/articles/<slug>.md` file (see FORMAT.md)."""
    meta, body = read_header_file(path)
    return DemoArticle(
        slug=path.stem,
        title=meta["title"],
        summary=meta["summary"],
        parent=meta.get("parent", ""),
        order=int(meta.get("order", 0)),
        audience=meta.get("audience", "both"),
        tags=[tag.strip() for tag in meta.get("tags", "").split(",") if tag.strip()],
        author=meta["author"],
        note=meta.get("note", ""),
        body=body,
    )


def demo_articles(language=ENGLISH):
    """All demo articles in `language`, parents before their children.

    Translations (articles/<language>/<slug>.md) take their parent and order
    from the English page with the same slug, so they come in its order."""
    if language != ENGLISH:
        english = [demo.slug for demo in demo_articles()]
        paths = (DEMO_DIR / "articles" / language).glob("*.md")
        translated = [parse_article(path) for path in paths]
        unknown = sorted(demo.slug for demo in translated if demo.slug not in english)
        if unknown:
            raise ValueError(f"Translations of pages that do not exist: {', '.join(unknown)}")
        return sorted(translated, key=lambda demo: english.index(demo.slug))
    pending = [parse_article(path) for path in sorted((DEMO_DIR / "articles").glob("*.md"))]
    ordered, placed = [], set()
    while pending:
        ready = [a for a in pending if not a.parent or a.parent in placed]
        if not ready:
            missing = ", ".join(sorted({a.parent for a in pending}))
            raise ValueError(f"Demo articles name parents that do not exist: {missing}")
        for article in ready:
            ordered.append(article)
            placed.add(article.slug)
            pending.remove(article)
    return ordered


def load_accounts():
    User = get_user_model()
    users, created = {}, []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = User.objects.create_user(
                account.username,
                email=f"{account.username}@example.org",
                password=account.password,
                first_name=account.first_name,
                last_name=account.last_name,
                is_staff=True,
                is_superuser=account.superuser,
            )
            if account.group:
                user.groups.add(Group.objects.get(name=account.group))
            created.append(account.username)
        if account.display_name:
            ReviewerProfile.objects.get_or_create(
                user=user,
                defaults={
                    "display_name": account.display_name,
                    "role": account.role,
                    "languages": list(account.languages),
                    "is_fictional": True,
                },
            )
        users[account.username] = user
    return users, created


def load_references(users):
    """Each source is added by a demo editor and approved by a fictional reviewer,
    through the workflow, like any reference."""
    reviewers = [users["reviewer"], users["reviewer2"]]
    created = []
    items = json.loads((DEMO_DIR / "references.json").read_text(encoding="utf-8"))
    for index, item in enumerate(items):
        if not Reference.objects.filter(key=item["id"]).exists():
            reference = Reference.from_csl(item)
            reference.full_clean()
            reference.save()
            version = workflow.submit_reference(reference, by=users["editor"])
            workflow.approve_reference(
                version,
                by=reviewers[index % 2],
                comment="Demo approval by a fictional reviewer: not a real clinical review.",
            )
            created.append(reference.key)
    return created


def load_helpline():
    if HelplineInfo.objects.exists():
        return False
    nine, five = datetime.time(9), datetime.time(17)
    weekdays = {f"{day}_{edge}": t for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
                for edge, t in (("opens", nine), ("closes", five))}  # fmt: skip
    info = HelplineInfo.objects.create(
        name="Demo helpline",
        email="helpline@example.org",
        time_zone="Europe/London",
        saturday_opens=datetime.time(10),
        saturday_closes=datetime.time(14),
        hours_note="Closed on bank holidays. This is a fictional demo number.",
        translations={
            "fr": {
                "name": "Ligne d’aide de démonstration",
                "hours_note": "Fermée les jours fériés. Ce numéro de démonstration est fictif.",
            }
        },
        **weekdays,
    )
    # Each number is labelled in the language of the pages that show it ("Shown
    # on pages in"); French pages list the French-speaking line first.
    for label, number, language, order in [
        ("Freephone (demo)", "0808 157 0192", "en-gb", 1),
        ("From outside the UK (demo)", "+44 808 157 0192", "en-gb", 2),
        ("Ligne en français (démo)", "0808 157 0194", "fr", 3),
        ("Numéro vert (démo)", "0808 157 0192", "fr", 4),
        ("Depuis l’étranger (démo)", "+44 808 157 0192", "fr", 5),
    ]:
        HelplinePhone.objects.create(
            helpline=info, label=label, number=number, language=language, order=order
        )
    # England and Wales bank holidays (those already past are simply not shown),
    # named for English and for French pages.
    for day, label, label_fr in [
        ("2026-12-25", "Christmas Day", "Noël"),
        ("2026-12-28", "Boxing Day, substitute day", "Lendemain de Noël, jour de remplacement"),
        ("2027-01-01", "New Year's Day", "Jour de l’an"),
        ("2027-03-26", "Good Friday", "Vendredi saint"),
        ("2027-03-29", "Easter Monday", "Lundi de Pâques"),
        ("2027-05-03", "Early May bank holiday", "Jour férié de début mai"),
        ("2027-05-31", "Spring bank holiday", "Jour férié de printemps"),
        ("2027-08-30", "Summer bank holiday", "Jour férié d’été"),
        ("2027-12-27", "Christmas Day, substitute day", "Noël, jour de remplacement"),
        ("2027-12-28", "Boxing Day, substitute day", "Lendemain de Noël, jour de remplacement"),
    ]:
        HelplineClosure.objects.create(
            helpline=info,
            date=datetime.date.fromisoformat(day),
            label=label,
            translations={"fr": label_fr},
        )
    return True


def _publish(
    article, author, reviewer, *, note="First published.", tags=(), translates=None, **fields
):
    """Save, submit and approve through the real workflow, as staff would."""
    revision = workflow.save_draft(
        article, by=author, base_revision=None, translates=translates, tags=tags, **fields
    )
    workflow.submit(revision, by=author, note_for_readers=note)
    workflow.approve(
        revision,
        by=reviewer,
        comment="Demo approval by a fictional reviewer: not a real clinical review.",
    )


def load_glossary(users):
    reviewers = [users["reviewer"], users["reviewer2"]]
    created = []
    for index, item in enumerate(demo_glossary()):
        if Article.objects.filter(slug=item["slug"], language=ENGLISH).exists():
            continue
        article = Article.objects.create(slug=item["slug"], kind=Kind.GLOSSARY)
        _publish(
            article,
            users[item.get("author", "editor")],
            reviewers[index % 2],
            title=item["term"],
            summary=item["definition"],
            body="",
            details={"aliases": item.get("aliases", [])},
        )
        created.append(item["slug"])
    return created


LIST_FIELDS = {"brand_names", "phases", "side_effects"}


def parse_medicine(path):
    """Read `allsite/demo/medicines/<slug>.md`: the article format plus medicine facts."""
    meta, body = read_header_file(path)
    details = {}
    for name in ("brand_names", "drug_class", "target", "route", "phases", "side_effects"):
        value = meta.get(name, "")
        if name in LIST_FIELDS:
            value = [item.strip() for item in value.split(";") if item.strip()]
        if value:
            details[name] = value
    return meta, details, body


def load_medicines(users):
    reviewers = [users["reviewer"], users["reviewer2"]]
    created = []
    for index, path in enumerate(sorted((DEMO_DIR / "medicines").glob("*.md"))):
        if Article.objects.filter(slug=path.stem, language=ENGLISH).exists():
            continue
        meta, details, body = parse_medicine(path)
        article = Article.objects.create(slug=path.stem, kind=Kind.MEDICINE)
        _publish(
            article,
            users[meta.get("author", "editor")],
            reviewers[index % 2],
            tags=[t.strip() for t in meta.get("tags", "").split(",") if t.strip()],
            title=meta["title"],
            summary=meta["summary"],
            body=body,
            details=details,
        )
        created.append(path.stem)
    return created


def load_images(users):
    """The demo diagram, uploaded by a demo editor through the media library's
    own checks (allsite.demo.diagrams); the pages that show it are reviewed."""
    from treatments import media
    from treatments.models import Image

    from . import diagrams

    if Image.objects.filter(key=diagrams.KEY).exists():
        return []
    image = Image(
        key=diagrams.KEY,
        alt_text=diagrams.ALT_TEXT,
        caption=diagrams.CAPTION,
        credit=diagrams.CREDIT,
    )
    media.add_image(
        image, media.check_upload(diagrams.phases_timeline_upload()), by=users["editor"]
    )
    return [image.key]


def load_articles(users):
    reviewers = [users["reviewer"], users["reviewer2"]]
    created = []
    for index, demo in enumerate(demo_articles()):
        if Article.objects.filter(slug=demo.slug, language=ENGLISH).exists():
            continue
        parent = Article.objects.get(slug=demo.parent, language=ENGLISH) if demo.parent else None
        article = Article.objects.create(slug=demo.slug, parent=parent, order=demo.order)
        _publish(
            article,
            users[demo.author],
            reviewers[index % 2],
            note=demo.note,
            tags=demo.tags,
            title=demo.title,
            summary=demo.summary,
            body=demo.body,
            audience=demo.audience,
        )
        created.append(demo.slug)
    return created


def demo_glossary(language=ENGLISH):
    """The demo glossary terms in `language` (glossary.json, glossary_<language>.json)."""
    name = "glossary.json" if language == ENGLISH else f"glossary_{language}.json"
    path = DEMO_DIR / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def _translate(original, language, author, reviewer, *, note, tags, **fields):
    """A translation of `original` published through the workflow: its own
    article (same kind and slug, parent the translation of the original's
    parent when there is one, same order), translating the original's live
    version, approved by a reviewer of that language."""
    parent = None
    if original.parent_id:
        parent = Article.objects.filter(
            translation_of_id=original.parent_id, language=language
        ).first()
    article = Article.objects.create(
        slug=original.slug,
        kind=original.kind,
        language=language,
        translation_of=original,
        parent=parent,
        order=original.order,
    )
    _publish(
        article,
        author,
        reviewer,
        note=note,
        tags=tags,
        translates=original.live_revision,
        **fields,
    )
    return article


def _untranslated(slug, kind, language):
    """The published English original with this slug, unless it already has
    a translation in `language` (None then: nothing to do)."""
    original = Article.objects.select_related("live_revision").get(
        slug=slug, kind=kind, language=ENGLISH, live_revision__isnull=False
    )
    if original.translations.filter(language=language).exists():
        return None
    return original


def load_translated_glossary(users, language):
    created = []
    reviewer = users[TRANSLATION_REVIEWERS[language]]
    for item in demo_glossary(language):
        original = _untranslated(item["slug"], Kind.GLOSSARY, language)
        if original is None:
            continue
        _translate(
            original,
            language,
            users[item.get("author", "editor")],
            reviewer,
            note=item.get("note", FIRST_PUBLISHED[language]),
            tags=(),
            title=item["term"],
            summary=item["definition"],
            body="",
            details={"aliases": item.get("aliases", [])},
        )
        created.append(item["slug"])
    return created


def load_translated_articles(users, language):
    created = []
    reviewer = users[TRANSLATION_REVIEWERS[language]]
    for demo in demo_articles(language):
        original = _untranslated(demo.slug, Kind.PAGE, language)
        if original is None:
            continue
        _translate(
            original,
            language,
            users[demo.author],
            reviewer,
            note=demo.note,
            tags=demo.tags,
            title=demo.title,
            summary=demo.summary,
            body=demo.body,
            audience=demo.audience,
        )
        created.append(demo.slug)
    return created


def load_translations(users):
    """{language: {"glossary": [slugs], "articles": [slugs]}} created."""
    return {
        language: {
            "glossary": load_translated_glossary(users, language),
            "articles": load_translated_articles(users, language),
        }
        for language in TRANSLATED_LANGUAGES
    }


@transaction.atomic
def load_demo():
    users, accounts = load_accounts()
    return {
        "accounts": accounts,
        "references": load_references(users),
        "helpline": load_helpline(),
        "glossary": load_glossary(users),
        "medicines": load_medicines(users),
        "images": load_images(users),
        "articles": load_articles(users),
        # After the English content: each translates an English live version.
        "translations": load_translations(users),
    }
