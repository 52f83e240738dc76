# syntax=docker/dockerfile:1
# Oproep grant-call portal: one image for web (gunicorn), worker and beat (celery).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Run-time libraries:
#   libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b -> WeasyPrint
#   libharfbuzz-subset0 (font subsetting), fonts-dejavu-core (a font) -> WeasyPrint
#   libmagic1 -> libmagic for python-magic / file(1) upload type sniffing
#   libpq5    -> psycopg when not installed as psycopg[binary]
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        libmagic1 \
        libpq5 \
    && rm -rf /var/lib/apt/lists/*

# A writable home for the run-time user: fontconfig (WeasyPrint) keeps its cache
# there and gunicorn (27+) puts its control socket in ~/.gunicorn.
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so code changes do not invalidate this layer.
COPY requirements.txt /app/requirements.txt
RUN pip install -r /app/requirements.txt

# The code stays owned by root, so the app user cannot modify it at run time.
COPY . /app

ENV DJANGO_SETTINGS_MODULE=portal.settings

# Build-time only placeholders (not kept in the image's environment): the
# settings may require them to load.
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=localhost python manage.py compile_catalogues \
    && DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

# Uploaded files live here: MEDIA_ROOT and PRIVATE_MEDIA_ROOT (attachments);
# docker-compose mounts the "media" and "private" volumes on them. Created with
# the right owner so a fresh named volume inherits app:app. Apart from /tmp
# they are the only places the app user can write (code and collected static
# stay root-owned).
RUN mkdir -p /app/var/media /app/var/private \
    && chown app:app /app/var/media /app/var/private

USER app

EXPOSE 8000

# Sends the first DJANGO_ALLOWED_HOSTS entry as Host (so host validation
# passes) and X-Forwarded-Proto: https (so an SSL redirect behind a proxy does
# not turn the probe into a redirect). Redirects are not followed: only a
# 2xx from this container counts as healthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request\nclass NoRedirect(urllib.request.HTTPRedirectHandler):\n    def redirect_request(self, *args, **kwargs):\n        return None\nhost = os.environ.get('DJANGO_ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.')\nhost = 'localhost' if host in ('', '*') else host\nreq = urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': host, 'X-Forwarded-Proto': 'https'})\nresp = urllib.request.build_opener(NoRedirect).open(req, timeout=4)\nsys.exit(0 if 200 <= resp.status < 300 else 1)\n"]

CMD ["sh", "-c", "exec gunicorn portal.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3}"]
