"""Site search. (Being built: see issue 5.)"""


def index_article(article):
    """Update the search index for an article's live revision."""
