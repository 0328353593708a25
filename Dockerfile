# redactproxy as a team gateway: one replica per container, stores on PostgreSQL.
# Build: docker build -t redactproxy .      Run several behind a load balancer: see
# deploy/compose.yaml and README "Team gateway".
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REDACTPROXY_HOME=/var/lib/redactproxy

WORKDIR /src
COPY pyproject.toml README.md ./
COPY redactproxy ./redactproxy
COPY rules ./rules
COPY addons ./addons
# The `team` extra brings psycopg (binary) for the PostgreSQL stores.
RUN pip install ".[team]" && rm -rf /src

RUN useradd --system --uid 10001 --home-dir /var/lib/redactproxy --create-home redactproxy
USER redactproxy
WORKDIR /var/lib/redactproxy

EXPOSE 8443
# /healthz answers 200 when the store and the detector are ready, 503 otherwise.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8443/healthz', timeout=2)" || exit 1

ENTRYPOINT ["redactproxy"]
# The upstream (provider or relay) is given per deployment, e.g. in compose.yaml:
#   start --no-ui --no-forward --listen-host 0.0.0.0 --listen-port 8443
#         --upstream https://api.openai.com --tls-cert ... --tls-key ...
CMD ["start", "--help"]
