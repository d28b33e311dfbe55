"""The French interface: the committed catalogue is complete and compiled, and
French pages show no English interface words (while English pages stay English).

The catalogue checks read locale/fr/LC_MESSAGES/django.po and .mo as committed
(`make messages` writes both). The walk requests the public pages at their /fr/ addresses.
"""

import datetime
import gettext
import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from allsite.models import HelplineInfo, HelplinePhone
from tests.conftest import BODY, make_user
from treatments import workflow
from treatments.models import Article, Kind, ReviewerProfile

LOCALE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"


# ---------------------------------------------------------------- the catalogue


def _unquote(text):
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


def po_entries(path):
    """[{msgid, msgid_plural?, msgstr: [..], msgctxt?, fuzzy, line}] of a .po file."""
    entries, entry, field = [], None, None
    for number, raw in enumerate([*path.read_text(encoding="utf-8").splitlines(), ""], 1):
        line = raw.strip()
        if not line:
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry or {"fuzzy": False, "msgstr": {}, "line": number}
        if line.startswith("#,") and "fuzzy" in line:
            entry["fuzzy"] = True
        elif line.startswith("#"):
            continue
        elif match := re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) "(.*)"$', line):
            keyword, index, text = match.groups()
            if keyword.startswith("msgstr"):
                field = ("msgstr", int(index or 0))
                entry["msgstr"][field[1]] = _unquote(text)
            else:
                field = (keyword, None)
                entry[keyword] = _unquote(text)
        elif line.startswith('"') and field:
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += _unquote(line[1:-1])
            else:
                entry[field[0]] += _unquote(line[1:-1])
    return entries


def placeholders(text):
    return sorted(re.findall(r"%\(\w+\)[sd]|%\(\w+\)\d*d|\{\w+\}", text))


def test_every_interface_string_has_a_french_translation_and_none_is_fuzzy():
    entries = [e for e in po_entries(PO) if e["msgid"]]  # the header has an empty msgid
    assert len(entries) > 300, "the catalogue looks truncated: run `make messages`"
    problems = []
    for entry in entries:
        where = f"django.po line {entry['line']}: {entry['msgid']!r}"
        forms = entry["msgstr"]
        if entry["fuzzy"]:
            problems.append(f"{where} is fuzzy (check the French and remove the fuzzy flag)")
        if not forms or not all(forms.values()):
            problems.append(f"{where} has no French translation")
            continue
        originals = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for index, translated in forms.items():
            wanted = placeholders(originals[min(index, 1)])
            # French "1 résultat" may name the count in words; every other placeholder stays.
            got = placeholders(translated)
            if sorted(set(wanted)) != sorted(set(got)):
                problems.append(f"{where}: placeholders {wanted} became {got}")
    assert not problems, "\n".join(problems)


def test_the_committed_compiled_catalogue_matches_the_po_file(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("msgfmt is missing: scripts/install-system-deps installs gettext")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check", "-o", str(fresh), str(PO)], check=True)
    with MO.open("rb") as committed, fresh.open("rb") as compiled:
        committed_catalogue = gettext.GNUTranslations(committed)._catalog
        compiled_catalogue = gettext.GNUTranslations(compiled)._catalog
    stale = sorted(
        str(key)
        for key in committed_catalogue.keys() | compiled_catalogue.keys()
        if committed_catalogue.get(key) != compiled_catalogue.get(key)
    )
    assert not stale, (
        "locale/fr/LC_MESSAGES/django.mo is out of date with django.po "
        f"(run `make messages` and commit both): {stale[:10]}"
    )


# ---------------------------------------------------------------- the walk

# English words that are never French words. Not "page", "contact", "site",
# "date", "information", "content" (French: pleased), "or" (French: now, gold),
# "report" (French: postponement), "due", "are" (rare, but a French unit).
ENGLISH_ONLY = [
    "the", "and", "your", "with", "this", "that", "you", "of", "for", "is", "was", "what", "how",
    "when", "where", "who", "which", "reviewed", "review", "next", "previous", "search", "skip",
    "helpline", "call", "open", "closed", "now", "updated", "help", "about", "from", "by", "not",
    "yes", "back", "every", "glossary", "medicines", "topics", "home", "feedback", "error",
    "send", "hours", "email", "phone", "last", "medically", "treatment", "found", "results",
    "please", "our", "we", "it", "at", "if", "can", "will", "there", "here", "more", "any",
]  # fmt: skip
ENGLISH_RE = re.compile(r"\b(" + "|".join(ENGLISH_ONLY) + r")\b", re.IGNORECASE)
# Regions that are reviewed content, not interface: the page body (with its
# reference list), and anything marked as English.
CONTENT_CLASSES = {"article__body", "reference-list"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")


class InterfaceText(HTMLParser):
    """The text a reader sees or hears outside reviewed content: element text,
    labels read aloud (aria-label, title, alt), the page title and description."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, skipped) of open elements
        self.chunks = []

    def skipping(self):
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        lang = (attrs.get("lang") or "").lower()
        skipped = (
            tag in ("script", "style", "template")
            or bool(classes & CONTENT_CLASSES)
            # English quoted inside a page (not the page's own language, on <html>)
            or (lang.startswith("en") and tag != "html")
        )
        if not (self.skipping() or skipped):
            self.chunks += [attrs[name] for name in READ_ATTRIBUTES if attrs.get(name)]
            if tag == "meta" and attrs.get("name") == "description":
                self.chunks.append(attrs.get("content") or "")
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if not self.skipping():
            self.chunks.append(data)


def interface_text(page):
    parser = InterfaceText()
    parser.feed(page)
    text = " ".join(" ".join(parser.chunks).split())
    # Addresses are not words: the French pages keep the English slugs.
    return re.sub(r"\S+@\S+|https?://\S+|/\S*/", " ", text)


def english_words_in(page):
    """["'word' in: sentence", ...] for every English-only word in the interface text."""
    text = interface_text(page)
    found = []
    for sentence in re.split(r"(?<=[.!?:])\s+|\s{2,}", text):
        for match in ENGLISH_RE.finditer(sentence):
            found.append(f"{match.group(0)!r} in: {sentence.strip()[:200]}")
    return found


def get_in_french(client, path):
    """The page at `path` (its English address) as a French reader gets it."""
    return client.get("/fr" + path)


@pytest.fixture
def french_site(db, editor, reference):
    """A small French site: a section with a page, a glossary term and a medicine,
    reviewed by a French-speaking (fictional, so the demo notice shows) reviewer;
    a helpline with hours, a closure and a French name."""
    reviewer = make_user(workflow.MEDICAL_REVIEWERS, username="dr_claire")
    ReviewerProfile.objects.create(
        user=reviewer,
        display_name="Dre Claire Dubois",
        role="Hématologue",
        languages=["en-gb", "fr"],
        is_fictional=True,
    )
    helpline = HelplineInfo.objects.create(
        name="Info-LAL",
        email="ecoute@example.org",
        time_zone="Europe/Paris",
        monday_opens=datetime.time(9),
        monday_closes=datetime.time(17),
    )
    HelplinePhone.objects.create(helpline=helpline, label="Numéro vert", number="0800 123 456")
    helpline.closures.create(date=datetime.date.today() + datetime.timedelta(days=40))

    def publish(slug, kind=Kind.PAGE, parent=None, **content):
        article = Article.objects.create(slug=slug, kind=kind, parent=parent, language="fr")
        revision = workflow.save_draft(article, by=editor, base_revision=None, **content)
        workflow.submit(revision, by=editor, note_for_readers="Première publication.")
        workflow.approve(revision, by=reviewer)
        article.refresh_from_db()
        return article

    section = publish(
        "treatment-overview",
        title="Le traitement",
        summary="Les grandes étapes du traitement de la LAL.",
        body="## Les phases\n\nLe traitement se fait en plusieurs phases.\n",
        tags=["chimiothérapie"],
    )
    page = publish(
        "induction",
        parent=section,
        title="L’induction",
        summary="La première phase du traitement.",
        body=BODY.replace("What happens", "Ce qui se passe").replace(
            "Induction lasts about a month", "L’induction dure environ un mois"
        ),
        tags=["chimiothérapie"],
    )
    publish(
        "remission",
        kind=Kind.GLOSSARY,
        title="Rémission",
        summary="Quand la moelle osseuse fabrique de nouveau des cellules normales.",
        body="",
        details={"aliases": ["rémission complète"]},
    )
    publish(
        "imatinib",
        kind=Kind.MEDICINE,
        title="Imatinib",
        summary="Un médicament ciblé, pris en comprimés.",
        body="L’imatinib est utilisé pendant l’induction.\n",
        details={
            "brand_names": ["Glivec"],
            "drug_class": "Inhibiteur de tyrosine kinase",
            "route": "Comprimés",
        },
    )
    return {"section": section, "page": page}


def public_paths(site):
    return {
        "home": reverse("home"),
        "treatment page": site["page"].get_absolute_url().removeprefix("/fr"),
        "section list": reverse("treatments:section_pages", args=[site["section"].slug]),
        "glossary": reverse("treatments:glossary"),
        "medicines list": reverse("treatments:medicine_list"),
        "medicine page": reverse("treatments:medicine_detail", args=["imatinib"]),
        "topics": reverse("treatments:tag_index"),
        "search without results": reverse("search") + "?q=zzzqqq",
        "search with results": reverse("search") + "?q=induction",
        "search form": reverse("search"),
        "not found": "/no-such-page/",
    }


def test_french_pages_show_no_english_interface_words(client, french_site):
    problems = []
    for name, path in public_paths(french_site).items():
        response = get_in_french(client, path)
        expected = 404 if name == "not found" else 200
        assert response.status_code == expected, (name, path, response.status_code)
        found = english_words_in(response.content.decode())
        problems += [f"{name} ({path}): {item}" for item in found]
    assert not problems, "English words on French pages:\n" + "\n".join(problems)


def test_a_french_page_says_who_reviewed_it_and_when_in_french(client, french_site):
    page = get_in_french(client, french_site["page"].get_absolute_url().removeprefix("/fr"))
    text = interface_text(page.content.decode())
    assert "Relecture médicale par Dre Claire Dubois, Hématologue" in text
    assert "Prochaine relecture prévue le" in text
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    assert re.search(rf"Dernière relecture le \d{{1,2}} ({'|'.join(months.split())}) \d{{4}}", text)
    assert "Site de démonstration." in text


def test_the_helpline_status_script_gets_its_words_in_french(client, french_site):
    page = html.unescape(get_in_french(client, reverse("home")).content.decode())
    assert '"openUntil": "Ouvert maintenant, jusqu’à {time}"' in page
    assert '"lundi"' in page
    assert '"janvier"' in page
    assert "Heures d’ouverture" in page


def test_glossary_popups_get_their_words_in_french(client, french_site):
    page = get_in_french(client, reverse("treatments:medicine_detail", args=["imatinib"]))
    assert 'data-glossary-more="Définition complète dans le glossaire"' in page.content.decode()


def test_feedback_errors_are_in_french(client, french_site):
    response = client.post("/fr/feedback/induction/", {"kind": "helpful"})
    assert response.status_code == 400
    text = interface_text(response.content.decode())
    assert "Choisissez oui ou non." in text
    assert not english_words_in(response.content.decode())


def test_english_pages_stay_english(client, publish, helpline):
    """The French catalogue never leaks into English pages."""
    article = publish("induction")
    for path in (reverse("home"), article.get_absolute_url(), reverse("treatments:glossary")):
        page = client.get(path).content.decode()
        text = interface_text(page)
        assert "Skip to main content" in text, path
        assert "Medical disclaimer" in text, path
        for french in ("Aller au contenu", "Avertissement médical", "Rechercher", "Glossaire"):
            assert french not in text, (path, french)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Medically reviewed by Dr Rhea Viewer, Consultant haematologist" in page
    assert "Next review due" in page
