"""Two publications at once update the shared search vocabulary without
deadlocking each other (PostgreSQL: the production database, with row locks)."""

import threading

import pytest
from django.db import connection, connections, transaction

from allsite import search
from allsite.models import SearchWord

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row locks"),
]

WORDS = [f"word{letter}" for letter in "abcdefghijklmnopqrst"]
ROUNDS = 40


def publish_repeatedly(adds, removes, failures):
    """Like one page's publications: each round adds some words and takes others away."""
    try:
        for _ in range(ROUNDS):
            with transaction.atomic():
                search._count_words(dict.fromkeys(adds, 1) | dict.fromkeys(removes, -1), "en")
                search._count_words(dict.fromkeys(adds, -1) | dict.fromkeys(removes, 1), "en")
    except Exception as error:  # noqa: BLE001 - reported by the test
        failures.append(error)
    finally:
        connections.close_all()


def test_publications_changing_the_same_words_at_once_both_succeed():
    SearchWord.objects.bulk_create(SearchWord(language="en", word=w, entries=5) for w in WORDS)
    evens, odds = WORDS[::2], WORDS[1::2]
    failures = []
    threads = [
        threading.Thread(target=publish_repeatedly, args=(evens, odds, failures)),
        threading.Thread(target=publish_repeatedly, args=(odds, evens, failures)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    counts = dict(SearchWord.objects.filter(language="en").values_list("word", "entries"))
    assert counts == dict.fromkeys(WORDS, 5)
