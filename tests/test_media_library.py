"""The media library: editors upload images with alt text; pages show them
only through reviewed text; images never change and are never deleted while
a page version shows them."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image as PILImage

from tests.conftest import make_user
from tests.test_article_admin import article_form
from treatments import media, workflow
from treatments.models import Article, Image, ImmutableRevisionError

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/treatments/image/add/"
ALT = "Timeline of treatment: induction, consolidation, then maintenance"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores its uploads in its own directory, never in the repository."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image_bytes(size=(1500, 600), image_format="PNG", mode="RGB", **save):
    out = io.BytesIO()
    PILImage.new(mode, size, "white").save(out, format=image_format, **save)
    return out.getvalue()


def upload(data=None, name="phases.png", content_type="image/png"):
    return SimpleUploadedFile(name, image_bytes() if data is None else data, content_type)


def upload_form(**fields):
    return {
        "upload": upload(),
        "key": "phases-diagram",
        "alt_text": ALT,
        "caption": "The three phases of treatment",
        "credit": "Diagram: allsite",
    } | fields


def library_image(editor, key="phases-diagram", size=(1500, 600), **fields):
    image = Image(
        key=key,
        alt_text=fields.pop("alt_text", ALT),
        caption=fields.pop("caption", "The three phases of treatment"),
        credit=fields.pop("credit", "Diagram: allsite"),
    )
    checked = media.check_upload(upload(image_bytes(size)))
    return media.add_image(image, checked, by=editor)


def messages_of(response):
    return response.content.decode()


# Uploading ------------------------------------------------------------------


def test_editor_uploads_an_image_and_gets_renditions_and_the_line_to_paste(
    client, editor, media_root
):
    client.force_login(editor)
    response = client.post(ADD_URL, upload_form(), follow=True)
    assert response.status_code == 200
    image = Image.objects.get(key="phases-diagram")
    assert (image.width, image.height, image.format) == (1500, 600, "PNG")
    # Narrower copies, and the full size (at most 1,920 wide) last.
    assert [width for width, _, _ in image.renditions] == [320, 640, 960, 1280, 1500]
    assert image.renditions[0][1] == 128  # the aspect ratio is kept
    for _, _, name in image.renditions:
        assert (Path(media_root) / name).is_file()
    assert (Path(media_root) / image.file.name).is_file()
    html = messages_of(response)
    assert f"![{ALT}](image:phases-diagram)" in html
    assert "Paste this into a page" in html


def test_a_file_that_is_not_an_image_is_refused_and_the_typed_fields_are_kept(client, editor):
    client.force_login(editor)
    fake = upload(b"GIF89a but really just text" * 10, name="phases.png")
    response = client.post(ADD_URL, upload_form(upload=fake))
    html = messages_of(response)
    assert "This file is not an image we can read" in html
    assert ALT in html
    assert "Diagram: allsite" in html
    assert not Image.objects.exists()


def test_a_gif_is_refused_naming_the_formats_that_work(client, editor):
    client.force_login(editor)
    gif = upload(image_bytes(image_format="GIF", mode="P"), name="phases.gif")
    html = messages_of(client.post(ADD_URL, upload_form(upload=gif)))
    assert "This is a GIF image: upload PNG (for diagrams), JPEG (for photos) or WebP" in html
    assert not Image.objects.exists()


def test_svg_is_refused_with_a_message_to_export_it_as_png(client, editor):
    client.force_login(editor)
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'
    for name in ("diagram.svg", "diagram.png"):
        response = client.post(ADD_URL, upload_form(upload=upload(svg, name=name)))
        assert "SVG files cannot be uploaded" in messages_of(response)
        assert "export the drawing as png" in messages_of(response).lower()
    assert not Image.objects.exists()


def test_too_many_pixels_are_refused_before_the_image_is_decoded(client, editor):
    client.force_login(editor)
    # 50 megapixels in a few kilobytes: a one-bit PNG.
    big = image_bytes(size=(10_000, 5_000), mode="1")
    assert len(big) < 100_000
    response = client.post(ADD_URL, upload_form(upload=upload(big)))
    html = messages_of(response)
    assert "The image is 10,000 × 5,000 pixels (50 megapixels)" in html
    assert "at most 40 megapixels" in html
    assert not Image.objects.exists()


def test_a_decompression_bomb_is_refused_with_a_message(client, editor):
    client.force_login(editor)
    bomb = image_bytes(size=(20_000, 10_000), mode="1")  # 200 megapixels: Pillow's bomb guard
    response = client.post(ADD_URL, upload_form(upload=upload(bomb)))
    html = messages_of(response)
    assert "at most 40 megapixels" in html
    assert not Image.objects.exists()


def test_a_file_over_the_size_limit_is_refused_saying_the_limit(client, editor):
    client.force_login(editor)
    huge = image_bytes() + b"\0" * (10 * 1024 * 1024)
    response = client.post(ADD_URL, upload_form(upload=upload(huge)))
    html = messages_of(response)
    assert "images can be at most 10.0 MB" in html
    assert ALT in html
    assert not Image.objects.exists()


def test_a_damaged_file_is_refused(client, editor):
    client.force_login(editor)
    damaged = image_bytes()[:200]
    response = client.post(ADD_URL, upload_form(upload=upload(damaged)))
    assert "damaged or incomplete" in messages_of(response)
    assert not Image.objects.exists()


def test_an_animated_image_is_refused(client, editor):
    client.force_login(editor)
    frames = [PILImage.new("RGB", (50, 50), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:])
    response = client.post(ADD_URL, upload_form(upload=upload(out.getvalue())))
    assert "This image is animated" in messages_of(response)
    assert not Image.objects.exists()


def test_missing_alt_text_is_refused_keeping_what_was_typed(client, editor):
    client.force_login(editor)
    response = client.post(ADD_URL, upload_form(alt_text=""))
    html = messages_of(response)
    assert "Describe what the image shows" in html
    assert "Choose the file again" in html
    assert 'value="phases-diagram"' in html
    assert "Diagram: allsite" in html
    assert not Image.objects.exists()


def test_a_key_already_in_the_library_is_refused(client, editor):
    library_image(editor)
    client.force_login(editor)
    response = client.post(ADD_URL, upload_form())
    assert "An image with this key is already in the library" in messages_of(response)
    assert Image.objects.count() == 1


def test_stored_copies_are_re_encoded_without_the_uploads_metadata(editor, media_root):
    exif = PILImage.Exif()
    exif[0x010E] = "Patient J. Smith, ward 4"  # ImageDescription
    data = image_bytes(size=(800, 400), image_format="JPEG", exif=exif.tobytes())
    assert b"Patient J. Smith" in data
    image = Image(key="photo", alt_text="A ward")
    image = media.add_image(
        image, media.check_upload(upload(data, "p.jpg", "image/jpeg")), by=editor
    )
    for _, _, name in image.renditions:
        assert b"Patient J. Smith" not in (Path(media_root) / name).read_bytes()


def test_images_never_change_once_uploaded(editor):
    image = library_image(editor)
    image.alt_text = "Something else"
    with pytest.raises(ImmutableRevisionError):
        image.save()


def test_reviewers_may_look_at_the_library_but_not_upload(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/admin/treatments/image/").status_code == 200
    assert client.get(ADD_URL).status_code == 403


# Showing images on pages -------------------------------------------------------


def page_body(line):
    return f"## What happens\n\nInduction lasts about a month [@acs-treating-all].\n\n{line}\n"


def test_a_page_shows_a_library_image_as_a_responsive_lazy_figure(client, editor, publish):
    library_image(editor)
    publish(body=page_body(f"![{ALT}](image:phases-diagram)"))
    html = client.get("/treatment/induction/").content.decode()
    figure = re.search(r"<figure.*?</figure>", html, re.S)[0]
    assert f'alt="{ALT}"' in figure
    assert 'loading="lazy"' in figure
    assert 'decoding="async"' in figure
    assert 'width="960" height="384"' in figure
    assert re.search(r'srcset="/media/images/phases-diagram/\w+-320w\.png 320w, ', figure)
    assert "1280w" in figure
    assert 'sizes="' in figure
    assert "<figcaption>The three phases of treatment" in figure
    assert "Diagram: allsite" in figure


def test_a_caption_written_in_the_page_replaces_the_librarys(client, editor, publish):
    library_image(editor)
    publish(body=page_body(f'![{ALT}](image:phases-diagram "How the phases follow each other")'))
    html = client.get("/treatment/induction/").content.decode()
    assert "<figcaption>How the phases follow each other" in html
    assert "The three phases of treatment" not in html


@pytest.fixture
def development_urls(settings):
    """The URLs as `make run` has them (DEBUG on: Django serves MEDIA_URL)."""
    import importlib

    from django.urls import clear_url_caches

    import allsite.urls

    settings.DEBUG = True
    importlib.reload(allsite.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(allsite.urls)
    clear_url_caches()


def test_the_image_files_are_served_in_development_and_allowed_by_the_csp(
    client, editor, publish, development_urls
):
    image = library_image(editor)
    publish(body=page_body(f"![{ALT}](image:phases-diagram)"))
    page = client.get("/treatment/induction/")
    assert "img-src 'self'" in page["Content-Security-Policy"]
    src = re.search(r'<img src="([^"]+)"', page.content.decode())[1]
    assert src.startswith("/media/")
    response = client.get(src)
    assert response.status_code == 200
    with PILImage.open(io.BytesIO(b"".join(response.streaming_content))) as served:
        assert served.size == (960, 384)
    assert image.width == 1500


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "![](image:phases-diagram)",
            "The image image:phases-diagram has no description (alt text)",
        ),
        (
            "![A diagram](image:no-such-image)",
            "These images are not in the media library: image:no-such-image",
        ),
        (
            "![A diagram](https://example.org/diagram.png)",
            "is not an image from the media library",
        ),
        (
            '<img src="/media/x.png" alt="A diagram">',
            "Show an image from the media library with",
        ),
        (
            "See this: ![A diagram](image:phases-diagram) here.",
            "Put each image on a line of its own",
        ),
    ],
    ids=["no-alt-text", "unknown-key", "external-url", "raw-html", "inside-text"],
)
def test_a_body_image_that_cannot_be_shown_is_refused_and_the_text_kept(
    client, editor, reference, line, message
):
    library_image(editor)
    client.force_login(editor)
    body = page_body(line)
    response = client.post("/admin/treatments/article/add/", article_form(body=body))
    assert response.status_code == 200
    html = response.content.decode()
    assert message.replace("<", "&lt;") in html.replace("&quot;", '"')
    assert "Line 5 (“" in html  # the image's line, so a long page need not be searched
    assert "Induction lasts about a month" in html
    assert not Article.objects.exists()


def test_an_image_added_to_a_live_page_is_invisible_to_readers_until_approved(
    client, editor, reviewer, publish
):
    article = publish()
    library_image(editor)
    client.force_login(editor)
    form = article_form(
        article,
        body=page_body(f"![{ALT}](image:phases-diagram)"),
        submit_for_review="on",
        note_for_readers="Added a diagram of the phases.",
    )
    assert client.post(f"/admin/treatments/article/{article.pk}/change/", form).status_code == 302
    revision = article.latest_revision
    assert list(revision.images.values_list("key", flat=True)) == ["phases-diagram"]
    client.logout()
    assert "<figure" not in client.get("/treatment/induction/").content.decode()

    client.force_login(reviewer)
    review = client.get(f"/admin/treatments/article/review/{revision.pk}/").content.decode()
    assert "<ins>phases-diagram</ins>" in review  # listed under Images
    # The changes, as readers will see them: the figure itself, marked as added.
    assert re.search(
        r'<ins class="diff-block"><figure class="figure"><img [^>]*alt="Timeline', review
    )
    source = client.get(f"/admin/treatments/article/review/{revision.pk}/?view=source")
    assert "image:phases-diagram" in source.content.decode()  # and in the source diff
    preview = client.get(f"/admin/treatments/article/versions/{revision.pk}/preview/")
    assert f'alt="{ALT}"' in preview.content.decode()
    client.post(f"/admin/treatments/article/review/{revision.pk}/", {"action": "approve"})
    client.logout()
    assert f'alt="{ALT}"' in client.get("/treatment/induction/").content.decode()


def test_changing_an_images_description_shows_in_the_review_diff(editor, publish):
    from treatments.diff import compare

    library_image(editor)
    article = publish(body=page_body("![A diagram](image:phases-diagram)"))
    live = article.live_revision
    draft = workflow.save_draft(
        article,
        by=editor,
        base_revision=live,
        **{k: getattr(live, k) for k in ("title", "summary", "audience")},
        body=page_body(f"![{ALT}](image:phases-diagram)"),
    )
    body = next(field for field in compare(live, draft).fields if field.label == "Body")
    assert body.changed
    assert "<del>A</del>" in body.html
    assert "<ins>Timeline</ins>" in body.html


# Deleting ---------------------------------------------------------------------


def test_an_image_any_page_version_shows_cannot_be_deleted(client, editor, publish, media_root):
    image = library_image(editor)
    publish(body=page_body(f"![{ALT}](image:phases-diagram)"))
    client.force_login(editor)
    response = client.post(
        f"/admin/treatments/image/{image.pk}/delete/", {"post": "yes"}, follow=True
    )
    html = response.content.decode()
    assert "“phases-diagram” cannot be deleted" in html
    assert "Induction" in html
    assert Image.objects.filter(pk=image.pk).exists()
    assert (Path(media_root) / image.file.name).is_file()


def test_an_unused_image_can_be_deleted_with_its_files(
    client, editor, media_root, django_capture_on_commit_callbacks
):
    image = library_image(editor)
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/treatments/image/{image.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.exists()
    assert not any(Path(media_root).rglob("*.png"))


# Admin screens ------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_the_library_screens_run_a_constant_number_of_queries(client, editor, publish):
    first = library_image(editor, key="image-1")
    publish(body=page_body(f"![{ALT}](image:image-1)"))
    client.force_login(editor)
    screens = ["/admin/treatments/image/", f"/admin/treatments/image/{first.pk}/change/"]
    small = {url: count_queries(client, url) for url in screens}
    uploader = make_user(workflow.EDITORS)
    for number in range(2, 8):
        library_image(uploader, key=f"image-{number}", size=(400, 300))
    publish("consolidation", title="Consolidation", body=page_body(f"![{ALT}](image:image-1)"))
    large = {url: count_queries(client, url) for url in screens}
    assert large == small
    assert max(large.values()) <= 12, large


def test_the_image_page_shows_the_image_the_line_to_paste_and_where_it_is_shown(
    client, editor, publish
):
    image = library_image(editor)
    publish(body=page_body(f"![{ALT}](image:phases-diagram)"))
    client.force_login(editor)
    html = client.get(f"/admin/treatments/image/{image.pk}/change/").content.decode()
    assert f"<code>![{ALT}](image:phases-diagram)</code>" in html
    assert f'alt="{ALT}"' in html
    assert "1,500 × 600 pixels, PNG" in html
    assert "Induction</a> (live)" in html


# The static copy ------------------------------------------------------------------


def srcset_paths(html):
    return [
        candidate.split()[0]
        for srcset in re.findall(r'srcset="([^"]+)"', html)
        for candidate in srcset.split(", ")
    ]


def test_the_static_copy_holds_the_image_files_its_pages_show(
    settings, tmp_path, editor, reviewer, publish, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["all.example.org", "testserver"]
    settings.STATIC_ROOT = tmp_path / "collected"
    library_image(editor)
    library_image(editor, key="care-team-photo", size=(700, 400))
    article = publish(body=page_body(f"![{ALT}](image:phases-diagram)"))
    export = tmp_path / "export"
    call_command("export_static", str(export), "--base-url", "https://all.example.org")
    page = (export / "treatment" / "induction" / "index.html").read_text()
    paths = srcset_paths(page)
    assert len(paths) == 5
    for path in paths:
        assert (export / path.lstrip("/")).is_file(), path
    assert not list(export.rglob("*care-team-photo*"))  # no page shows it

    # Kept current: an approved edit that adds an image brings its files along.
    settings.STATIC_EXPORT_DIR = str(export)
    live = article.live_revision
    with django_capture_on_commit_callbacks(execute=True):
        draft = workflow.save_draft(
            article,
            by=editor,
            base_revision=live,
            **{k: getattr(live, k) for k in ("title", "summary", "audience")},
            body=page_body("![Our care team](image:care-team-photo)"),
        )
        workflow.submit(draft, by=editor)
        workflow.approve(draft, by=reviewer)
    page = (export / "treatment" / "induction" / "index.html").read_text()
    assert "Our care team" in page
    for path in srcset_paths(page):
        assert (export / path.lstrip("/")).is_file(), path


def test_text_approved_before_images_existed_loses_only_the_image_when_re_rendered():
    from treatments.rendering import render_body

    html = render_body("Before ![a chart](https://example.org/chart.png) after.", references={})
    assert html == "<p>Before  after.</p>"


def test_a_page_with_a_figure_and_the_library_screens_validate_as_html5(
    client, editor, publish, tmp_path
):
    from tests.html_checks import validate

    image = library_image(editor)
    article = publish(body=page_body(f'![{ALT}](image:phases-diagram "A caption")'))
    pages = {"article": client.get(article.get_absolute_url()).content.decode()}
    client.force_login(editor)
    for name, url in {
        "library": "/admin/treatments/image/",
        "image": f"/admin/treatments/image/{image.pk}/change/",
        "upload": ADD_URL,
    }.items():
        pages[name] = client.get(url).content.decode()
    pages["upload-refused"] = client.post(ADD_URL, upload_form(alt_text="")).content.decode()
    assert "<figure" in pages["article"]
    assert validate(pages, tmp_path) == []


# Storage -------------------------------------------------------------------------


def test_images_go_through_whichever_storage_the_settings_name(settings, client, editor, publish):
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "django.core.files.storage.InMemoryStorage",
            "OPTIONS": {"base_url": "https://media.example.org/"},
        }
    }
    from django.core.files.storage import default_storage

    image = library_image(editor)
    assert default_storage.exists(image.renditions[0][2])
    publish(body=page_body(f"![{ALT}](image:phases-diagram)"))
    html = client.get("/treatment/induction/").content.decode()
    assert '<img src="https://media.example.org/images/phases-diagram/' in html


def test_the_media_storage_and_its_address_come_from_the_environment():
    from django.core.exceptions import ImproperlyConfigured

    from allsite.environment import media_storage, origin_of

    assert media_storage("") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    s3 = '{"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "b"}}'
    assert media_storage(s3)["OPTIONS"] == {"bucket_name": "b"}
    with pytest.raises(ImproperlyConfigured, match="not valid JSON"):
        media_storage("storages.backends.s3.S3Storage")
    assert origin_of("https://media.example.org/allsite/") == ["https://media.example.org"]
    assert origin_of("/media/") == []
