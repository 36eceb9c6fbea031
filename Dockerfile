# Breakeven production image: gunicorn serving Django, static files by whitenoise.
# The same image runs the Celery worker and beat (see compose.yaml); only the command differs.
# Build: docker build -t breakeven .

FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH="/app/.venv/bin:$PATH"
WORKDIR /app
RUN pip install --no-cache-dir uv

# Dependencies first (their layer is reused until uv.lock changes); no dev tools.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY --from=assets /app/node_modules ./node_modules
COPY . .

# collectstatic needs settings that import; these values exist only during the build.
RUN DEBUG=0 HTTPS=1 SECRET_KEY=build-only-not-used-at-runtime-0123456789abcdefghijklmnop \
    python manage.py collectstatic --no-input -v0

RUN useradd --system --uid 10001 --home-dir /app breakeven \
    && mkdir -p /app/media \
    && chown -R breakeven /app/media
USER breakeven

EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]
