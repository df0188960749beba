# Caseload API / worker image. The same image runs `caseload serve`, `caseload worker` and
# `caseload migrate`; docker-compose.yml shows how they fit together.
#   docker build -t caseload .
#   docker run -p 8000:8000 -e DATABASE_URL=... -e REDIS_URL=... -e CASELOAD_ENV=production \
#              -e CASELOAD_SECRET_KEY=... -e CASELOAD_MASTER_KEYS=... caseload
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CASELOAD_DATA_DIR=/var/lib/caseload

RUN useradd --system --create-home --uid 10001 caseload \
    && mkdir -p /var/lib/caseload \
    && chown caseload:caseload /var/lib/caseload

WORKDIR /srv/caseload

# Only what the package needs (no .venv, .caseload, tests or benchmarks in the image).
COPY pyproject.toml ./
COPY app ./app
COPY schema ./schema
COPY resolvers ./resolvers
COPY domain ./domain
COPY models ./models
COPY workers ./workers
COPY migrations ./migrations
RUN pip install .

USER caseload

EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

CMD ["caseload", "serve", "--host", "0.0.0.0", "--port", "8000"]
