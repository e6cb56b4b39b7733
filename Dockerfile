# Mounasabet: one image for `mounasabet serve`, `mounasabet worker` and the admin tool.
# Every dependency comes from requirements.lock, hash-checked; the app runs as a user of
# its own. Build: `docker build -t mounasabet .`; run it with compose.yaml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin mounasabet

WORKDIR /app
# The lock alone first: this layer is rebuilt only when the dependencies change.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .
# The project itself, without touching the locked dependencies; then the compiled
# translation catalogs (*.mo are built, not committed).
RUN pip install --no-deps --no-build-isolation -e . \
    && python -m dialogs.i18n.build \
    && mkdir -p /data/media /data/photos \
    && chown -R mounasabet /data

USER mounasabet
# SQLite in a volume when no PostgreSQL URL is given (compose.yaml gives one); the files
# WhatsApp fetches from us (invoices) and the providers' photos there too: /app belongs to
# root, and a photo one web process stored must be served by every other.
ENV MOUNASABET_DATABASE_URL=sqlite+aiosqlite:////data/mounasabet.db \
    MOUNASABET_TWILIO_MEDIA_DIR=/data/media \
    MOUNASABET_PHOTO_DIR=/data/photos
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"
CMD ["mounasabet", "serve", "--host", "0.0.0.0", "--port", "8080"]
