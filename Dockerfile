# rjcase production image: gunicorn serves the app; the same image runs the Celery worker and beat.

FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend ./frontend
COPY static ./static
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RJCASE_VAR_DIR=/var/lib/rjcase
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app --uid 10001 rjcase \
 && mkdir -p /var/lib/rjcase && chown rjcase /var/lib/rjcase
WORKDIR /app
COPY requirements ./requirements
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
COPY --from=assets /build/static/dist ./static/dist
RUN SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    python manage.py collectstatic --noinput \
 && chown -R rjcase /var/lib/rjcase
USER rjcase
EXPOSE 8000
CMD ["gunicorn", "rjcase.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
