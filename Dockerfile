# The Crosscheck image: Airflow 3 + dbt + GX + the crosscheck package, from the
# same requirements.lock as `make setup`. Used by every service of
# docker-compose.yml (api-server, scheduler, dag-processor, triggerer, init).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AIRFLOW_HOME=/opt/airflow \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false

# Chromium renders the weekly report's PNG/PDF; WenQuanYi Zen Hei draws its Chinese text.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei \
 && rm -rf /var/lib/apt/lists/*

ARG AIRFLOW_UID=50000
RUN useradd --uid "${AIRFLOW_UID}" --gid 0 --home-dir /opt/airflow --create-home airflow \
 && mkdir -p /opt/crosscheck /data/landing /data/warehouse /opt/airflow/logs \
 && chown -R "${AIRFLOW_UID}:0" /opt/airflow /data

WORKDIR /opt/crosscheck

# Dependencies first (cached layer): exactly the pinned set of requirements.lock.
COPY requirements.lock ./requirements.lock
RUN pip install --no-cache-dir -r requirements.lock

# Then the project itself (see .dockerignore for what stays out), installed
# from its wheel (the package carries its declarations and the dbt project);
# /opt/crosscheck keeps the DAG files Airflow reads (docker-compose.yml).
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /tmp/wheels . \
 && pip install --no-cache-dir --no-deps /tmp/wheels/crosscheck-*.whl \
 && rm -rf /tmp/wheels build

USER airflow
CMD ["airflow", "version"]
