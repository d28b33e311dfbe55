# allsite as a container image (see compose.yaml and README "Docker").
# The Makefile stays the primary way to run and test allsite; CI does not use this.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pg_dump/pg_restore for `manage.py backup` and `restore` (PostgreSQL 15, as in compose.yaml).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The runtime lock only: no test or lint tools in production.
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt

COPY . .
# The code stays root's (read-only to the app). The app user owns only what it
# writes: its home (gunicorn's control socket, ~/.gunicorn), the static export,
# uploaded images (/media), backups, and staticfiles/, which `export_static` (compose.yaml's migrate
# service) collects into again.
RUN useradd --system --uid 10001 --create-home --home-dir /home/allsite allsite \
    && mkdir -p /export /media /app/backups /app/staticfiles \
    && chown allsite /export /media /app/backups /app/staticfiles
USER allsite

# Hashed, compressed static files, made once at build time. The settings refuse
# to start without a secret key and hosts when DEBUG is off: dummies, this step only.
RUN DJANGO_SECRET_KEY=build-time-only DJANGO_ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput -v0

ENV DJANGO_DEBUG=0
EXPOSE 8000
# Workers: WEB_CONCURRENCY (gunicorn reads it; gunicorn.conf.py refuses several
# workers without a shared cache, CACHE_URL).
CMD ["gunicorn", "allsite.wsgi", "--bind", "0.0.0.0:8000"]
