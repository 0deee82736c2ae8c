# Incident Desk: one image for the web app (gunicorn), the Celery worker and beat.
# docker-compose.yml runs it; see the README's "Production" section.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/app/var/media

# WeasyPrint needs Pango; HarfBuzz's subsetter makes it four times faster; the PDFs ship their own
# fonts, DejaVu is the fallback.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, so a code change does not reinstall them: a stub package satisfies setuptools.
COPY pyproject.toml README.md ./
RUN mkdir -p config accounts billing tickets quotes diagnostics documents \
    && touch config/__init__.py accounts/__init__.py billing/__init__.py tickets/__init__.py \
             quotes/__init__.py diagnostics/__init__.py documents/__init__.py \
    && pip install -e . \
    && rm -rf config accounts billing tickets quotes diagnostics documents
COPY . .
# Editable: settings find templates/, static/ and locale/ beside the code (BASE_DIR), not in site-packages.
RUN pip install --no-deps -e . \
    && python manage.py compile_catalogues \
    && python manage.py collectstatic --noinput

# Never root: with DJANGO_STORAGE=filesystem, uploads (var/media) are the only files the app writes; the
# compose file keeps them in MinIO instead (DJANGO_STORAGE=s3) and the containers write nothing.
RUN useradd --system --uid 10001 --home-dir /app app \
    && mkdir -p /app/var/media /app/var/beat \
    && chown -R app:app /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--access-logfile", "-"]
