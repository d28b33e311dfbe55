import re

from django.core.management import call_command
from django.templatetags.static import static


def test_static_files_are_served_hashed_compressed_and_cached_for_a_long_time(
    tmp_path, settings, client
):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "allsite.static_storage.StaticFilesStorage"}
    }
    call_command("collectstatic", "--noinput", verbosity=0)

    url = static("css/site.css")
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", url)

    response = client.get(url, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", response.headers["Cache-Control"]).group(1)) >= 31536000
