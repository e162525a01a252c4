# The hub's image for docker-compose.yml: the `hub` and `celery` entry points.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY workers ./workers
RUN pip install --no-cache-dir ".[scale]"
COPY feeds.yaml /etc/hub/feeds.yaml
ENV HUB_CONFIG=/etc/hub/feeds.yaml
RUN useradd --system --uid 10001 hub && mkdir -p /srv/public /var/lib/hub \
    && chown hub /srv/public /var/lib/hub
USER hub
EXPOSE 8000
CMD ["hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
