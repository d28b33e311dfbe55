"""Readability hints for editors (treatments/readability.py and its admin include).

Most behaviours are shown on Markdown (`assess`); the tests near the end show
that the rendered page (`assess_html`, what editors, the report and the demo
test use) reads the same way."""

import pytest
from django.template.loader import render_to_string

from treatments import readability
from treatments.readability import Readability, assess, assess_body, assess_html, split_sentences
from treatments.rendering import render

PLAIN = (
    "You will get medicine to help you get well. It goes into a vein in your arm. "
    "You may feel sick for a day or two. Tell your nurse if you do. "
    "Drink lots of water. Rest when you feel tired."
)
DENSE = (
    "Induction chemotherapy for acute lymphoblastic leukaemia comprises combination "
    "regimens incorporating corticosteroids, vincristine and asparaginase, administered "
    "intravenously to eradicate leukaemic blasts. Subsequent consolidation phases, "
    "stratified according to minimal residual disease, substantially diminish relapse "
    "probability."
)


def sentence_of(words):
    return " ".join(["Word"] + ["word"] * (words - 2) + ["end."])


def test_plain_language_grades_low_and_dense_text_grades_high():
    plain, dense = assess(PLAIN), assess(DENSE)
    assert plain.grade is not None
    assert plain.grade <= 6
    assert plain.verdict.startswith("Easy to read")
    assert dense.grade >= 12
    assert "aim for grade 8 or below" in dense.verdict
    assert plain.reading_ease > dense.reading_ease
    assert plain.grade == round(plain.grade, 1)


@pytest.mark.parametrize(
    ("grade", "verdict"),
    [
        (-2.3, "Easy to read (below school grade 1)"),
        (6.4, "Easy to read (school grade 6)"),
        (7.5, "Fairly easy to read (school grade 8)"),
        (9.6, "Fairly hard (school grade 10): aim for grade 8 or below"),
        (12.2, "Hard to read (school grade 12): aim for grade 8 or below"),
        (17.0, "Very hard to read (university level): aim for grade 8 or below"),
    ],
)
def test_verdict_is_in_plain_words(grade, verdict):
    assert Readability(grade=grade, reading_ease=50.0, words=100).verdict == verdict


def test_a_30_word_sentence_is_flagged_with_its_word_count():
    result = assess(f"Short one here. {sentence_of(30)} Another short one. {sentence_of(25)}")
    assert result.long_sentences == [(sentence_of(30), 30)]


def test_a_five_sentence_paragraph_is_flagged_but_a_four_sentence_one_is_not():
    five = "One is here. Two is here. Three is here. Four is here. Five is here."
    four = "One is here. Two is here. Three is here. Four is here."
    result = assess(f"{four}\n\n{five}")
    assert result.long_paragraphs == [
        ("One is here. Two is here. Three is here. Four is here.…", 5)
    ]


def test_a_paragraph_wrapped_over_several_lines_is_one_paragraph():
    wrapped = "One is here.\nTwo is here.\nThree is here.\nFour is here.\nFive is here."
    assert [count for _, count in assess(wrapped).long_paragraphs] == [5]


def test_list_items_are_their_own_units_not_a_long_paragraph():
    bullets = "\n".join(f"- Item number {n} is here." for n in range(1, 6))
    numbered = "\n".join(f"{n}. Item number {n} is here." for n in range(1, 6))
    for markdown_text in (bullets, f"You may have:\n\n{numbered}"):
        result = assess(markdown_text)
        assert result.long_paragraphs == []
        assert result.long_sentences == []


def test_list_items_without_full_stops_do_not_run_together():
    items = "\n".join(f"- feeling sick and tired number {n}" for n in range(8))
    assert assess(items).long_sentences == []


def test_a_long_list_item_sentence_is_still_flagged():
    assert assess(f"- {sentence_of(30)}").long_sentences == [(sentence_of(30), 30)]


def test_headings_count_as_words_but_are_not_sentences():
    heading = " ".join(["Heading"] * 30)
    result = assess(f"## {heading}\n\nThe text is short.")
    assert result.words == 34
    assert result.long_sentences == []
    assert result.grade == assess("The text is short.").grade


def test_setext_headings_are_headings():
    heading = " ".join(["Heading"] * 30)
    assert assess(f"{heading}\n-------\n\nThe text is short.").long_sentences == []


def test_citation_markers_and_link_targets_do_not_count_as_words():
    marked = (
        "Induction lasts about a month [@acs-treating-all; @nhs-2024]. "
        'Read [the NHS guide](https://www.nhs.uk/conditions/acute-lymphoblastic-leukaemia/ "NHS") '
        "or [this page][nhs] for more.\n\n[nhs]: https://www.nhs.uk/\n"
    )
    plain = "Induction lasts about a month. Read the NHS guide or this page for more."
    assert assess(marked).words == assess(plain).words == 14
    assert assess(marked).grade == assess(plain).grade


def test_markup_code_and_html_are_not_read():
    marked = (
        "**Bold** and _emphasised_ words, `code_here()` and ~~struck~~ text.\n\n"
        "```\nprint('a very long line of code that is not prose at all')\n```\n\n"
        "<!-- a hidden comment -->\n<p>An <b>HTML</b> paragraph.</p>"
    )
    result = assess(marked)
    # "Bold and emphasised words, and struck text." and "An HTML paragraph."
    assert result.words == 10
    assert (
        result.grade
        == assess("Bold and emphasised words, and struck text. An HTML paragraph.").grade
    )


def test_e_g_dr_and_decimals_do_not_split_sentences():
    text = "Your doctor, e.g. Dr. Patel, will explain. The dose is 2.5 mg. It is safe."
    assert split_sentences(text) == [
        "Your doctor, e.g. Dr. Patel, will explain.",
        "The dose is 2.5 mg.",
        "It is safe.",
    ]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "This is called ALL. It is a blood cancer.",
            ["This is called ALL.", "It is a blood cancer."],
        ),
        ("Some medicines, i.e. steroids, help.", ["Some medicines, i.e. steroids, help."]),
        ("Eggs, milk, etc. are fine.", ["Eggs, milk, etc. are fine."]),
        ("Is it sore? Tell us! We can help.", ["Is it sore?", "Tell us!", "We can help."]),
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        ("See www.example.org for more", ["See www.example.org for more"]),
    ],
)
def test_sentence_splitting(text, sentences):
    assert split_sentences(text) == sentences


def test_a_sentence_flagged_in_a_paragraph_keeps_its_citation_out():
    long = " ".join(["Word"] + ["word"] * 28) + " [@smith2020] end."
    assert assess(long).long_sentences == [(sentence_of(30), 30)]


def test_empty_text_has_no_grade_and_no_flags():
    for empty in ("", "   \n\n  ", None):
        result = assess(empty)
        assert result.grade is None
        assert result.reading_ease is None
        assert result.words == 0
        assert result.long_sentences == result.long_paragraphs == []
        assert result.verdict == "No text to check yet"


def test_fragments_alone_are_counted_but_not_graded():
    result = assess("- Hair loss\n- Sickness")
    assert result.words == 3
    assert result.grade is None
    assert "Not enough full sentences" in result.verdict


HOSTILE = [
    "<script>alert('x')</script><style>p{}</style>",
    "<div><h2>Title</h2><ul><li>One</li><li>Two</li></ul></div><br><hr>",
    "# \n## \n- \n* \n1. \n> \n| | |\n|---|---|\n```",
    "[](  ) ![]() [a][b] [@] [@key [link](http://x.org/(a)(b) <http://x.org>",
    "🙂🎉🧪 émoji and ünïcode text. 日本語の文です。 \u200b\u202e reversed. \x00 \ud800",
    "&amp; &lt;&gt; &#0; &#x110000; &bogus; \\*escaped\\* \\\\ \\",
    "Sentence without a full stop " * 4000,
    "word. " * 20000,
    "x" * 100_000,
    "." * 100_000 + "x",
    "*_`~[](<>)#|!?-" * 7000,
    "<a" * 50_000,
    "[a](" * 25_000,
    "<!--" * 25_000,
    "a" + "_" * 100_000 + "b",
    "\t\r\n\r" * 25_000,
    "    indented\n" * 10_000,
    "- item\n  continued\n\n    nested para\n" * 3_000,
]


@pytest.mark.parametrize("markdown_text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_never_raises(markdown_text):
    result = assess(markdown_text)
    assert not result.failed
    assert isinstance(result.verdict, str)
    for sentence, count in result.long_sentences:
        assert count > 25
        assert len(sentence.split()) <= readability.MAX_SHOWN_WORDS


def test_anything_unexpected_gives_a_failed_result_instead_of_an_error(monkeypatch):
    def broken(text):
        raise RuntimeError("boom")

    import textstat

    monkeypatch.setattr(textstat, "flesch_kincaid_grade", broken)
    result = assess(PLAIN)
    assert result.failed
    assert result.verdict == "Could not check how easy this is to read"


def test_template_shows_the_verdict_lists_and_note_with_escaped_text():
    result = Readability(
        grade=11.2,
        reading_ease=40.5,
        words=321,
        long_sentences=[("Never run <script>alert('x')</script> & friends here.", 31)],
        long_paragraphs=[("A paragraph about <b>bold</b> claims…", 6)],
    )
    html = render_to_string("admin/treatments/includes/readability.html", {"readability": result})
    assert result.verdict in html
    assert "Flesch–Kincaid grade 11.2" in html
    assert "321 words" in html
    assert "Long sentences (over 25 words)" in html
    assert "Long paragraphs (over 4 sentences)" in html
    assert "Advice only: it never stops you saving or submitting." in html
    assert "<script>" not in html
    assert "<b>" not in html
    assert "Never run &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; friends here." in html
    assert "(31 words)" in html
    assert "(6 sentences)" in html


def test_template_says_the_grade_is_rough_for_a_short_text():
    def render(text):
        return render_to_string(
            "admin/treatments/includes/readability.html", {"readability": assess(text)}
        )

    assert "rough for a short text" in render(PLAIN)
    assert "rough for a short text" not in render(" ".join([PLAIN] * 4))


def test_template_escapes_text_that_came_through_assess():
    long = "Do not type &lt;script&gt; into the box " + " ".join(["please"] * 24) + "."
    html = render_to_string(
        "admin/treatments/includes/readability.html", {"readability": assess(long)}
    )
    assert "&lt;script&gt; into the box" in html
    assert "<script>" not in html


def test_template_for_empty_text_shows_only_the_verdict_and_note():
    html = render_to_string(
        "admin/treatments/includes/readability.html", {"readability": assess("")}
    )
    assert "No text to check yet" in html
    assert "Long sentences" not in html
    assert "Advice only" in html


# --- The rendered page (assess_html) -------------------------------------------------


def rendered(markdown_text, **kwargs):
    return render(markdown_text, references=kwargs.pop("references", {}), **kwargs).html


def test_a_rendered_page_grades_like_its_text(db):
    for text in (PLAIN, DENSE, f"{PLAIN}\n\n{DENSE}"):
        assert assess_html(rendered(text)) == assess(text)


def test_rendered_list_items_are_read_one_by_one_not_run_together(db):
    items = "\n".join(f"- feeling sick and tired number {n}" for n in range(8))
    result = assess_html(rendered(f"You may have:\n\n{items}"))
    assert result.long_sentences == []
    assert result.long_paragraphs == []
    assert result.words == 3 + 8 * 6


def test_rendered_long_sentences_and_paragraphs_are_still_flagged(db):
    five = "One is here. Two is here. Three is here. Four is here. Five is here."
    result = assess_html(
        rendered(f"## A heading\n\n{sentence_of(30)}\n\n{five}\n\n- {sentence_of(27)}")
    )
    assert result.long_sentences == [(sentence_of(30), 30), (sentence_of(27), 27)]
    assert [count for _, count in result.long_paragraphs] == [5]


def test_citation_numbers_and_the_reference_list_are_not_graded(db, reference):
    body = f"{PLAIN} [@{reference.key}]\n\n## More\n\nRest when you feel tired [@{reference.key}]."
    html = rendered(body, references={reference.key: reference})
    assert 'class="reference-list"' in html
    assert 'class="citation"' in html
    plain = rendered(f"{PLAIN}\n\n## More\n\nRest when you feel tired.")
    assert assess_html(html) == assess_html(plain)


def test_glossary_hints_for_screen_readers_are_not_graded(db):
    terms = [("remission", "remission", "/glossary/remission/")]
    html = rendered("You may reach remission after a month.", glossary_terms=terms)
    assert "(glossary)" in html
    assert assess_html(html) == assess("You may reach remission after a month.")


def test_code_in_a_rendered_page_is_not_read(db):
    html = rendered("Drink lots of water.\n\n```\nprint('a very long line of code')\n```")
    assert assess_html(html).words == 4


def test_assess_body_grades_the_body_as_rendered(db, reference):
    body = f"{PLAIN} [@{reference.key}]\n\n- item one here\n- item two here"
    assert assess_body(body) == assess_html(rendered(body, references={reference.key: reference}))


@pytest.mark.parametrize("html", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_html_never_raises(html):
    result = assess_html(html)
    assert not result.failed
    assert isinstance(result.verdict, str)
