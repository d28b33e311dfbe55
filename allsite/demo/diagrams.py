"""The demo's one diagram, drawn with Pillow from the demo's own words when
`manage.py load_demo` runs, then uploaded to the media library like any image.

A timeline of the three main phases of treatment as the demo page "Phases of
treatment" describes them (induction about a month, consolidation a few
months, maintenance about two years). Bars are not to scale, and the
caption says so. The font is the one Pillow carries, so no system font is needed.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

WIDTH, HEIGHT = 1200, 440
INK = (31, 41, 55)
MUTED = (75, 85, 99)
PHASES = [
    # (name, how long, bar colour, bar width in pixels: longer phases get longer bars)
    ("Induction", "about 1 month", (29, 78, 216), 250),
    ("Consolidation", "a few months", (4, 120, 87), 330),
    ("Maintenance", "about 2 years", (126, 34, 206), 500),
]
KEY = "phases-timeline"
ALT_TEXT = (
    "Timeline of the three main phases of ALL treatment, one after the other: induction "
    "for about a month, then consolidation for a few months, then maintenance for about "
    "two years."
)
CAPTION = "The three main phases of treatment, in order. Lengths vary and are not to scale."
CREDIT = "Diagram: allsite demo"


def phases_timeline_png():
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    title = ImageFont.load_default(size=40)
    label = ImageFont.load_default(size=32)
    small = ImageFont.load_default(size=26)
    draw.text((40, 32), "The phases of ALL treatment", font=title, fill=INK)
    x, top = 40, 150
    for name, length, colour, width in PHASES:
        draw.rounded_rectangle((x, top, x + width - 12, top + 90), radius=14, fill=colour)
        draw.text((x + 20, top + 28), name, font=label, fill="white")
        draw.text((x + 4, top + 110), length, font=small, fill=MUTED)
        x += width
    # The arrow of time under the bars.
    draw.line((40, 340, WIDTH - 60, 340), fill=MUTED, width=4)
    draw.polygon([(WIDTH - 60, 328), (WIDTH - 36, 340), (WIDTH - 60, 352)], fill=MUTED)
    draw.text((40, 362), "Time (not to scale)", font=small, fill=MUTED)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def phases_timeline_upload():
    return SimpleUploadedFile(f"{KEY}.png", phases_timeline_png(), "image/png")
