# One image for every MesoCare service. SERVICE (booking | records | formulary | notifications |
# gateway) selects which one runs: deploy/entrypoint.sh execs `python -m services.$SERVICE`.
# No secrets are baked in: all configuration comes from the environment at run time
# (documented in .env.example).

ARG PYTHON_IMAGE=python:3.11.14-slim-trixie

# --- build: a virtualenv with the pinned dependencies and the mesocare package ---------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:${PATH}
WORKDIR /src

# Dependencies before code, so a code change reuses this layer: only the runtime dependencies
# of pyproject.toml (not the local-stack or dev extras), at the versions requirements.lock pins.
COPY requirements.lock pyproject.toml ./
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > runtime.txt \
    && pip install -c requirements.lock -r runtime.txt

COPY shared ./shared
COPY services ./services
COPY devstack ./devstack
RUN pip install -c requirements.lock --no-deps .

# --- runtime: the virtualenv, three small scripts, a non-root user ----------------------------
FROM ${PYTHON_IMAGE} AS runtime
# A fixed numeric uid/gid, so Kubernetes can verify runAsNonRoot (deploy/k8s uses 10001 too).
RUN groupadd --system --gid 10001 mesocare \
    && useradd --system --uid 10001 --gid mesocare --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin mesocare
ENV PATH=/opt/venv/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY deploy/entrypoint.sh deploy/healthcheck.py deploy/create_topics.py /app/deploy/

USER 10001:10001
EXPOSE 8001 8002 8003 8004 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]
# Through sh, so the script needs no executable bit from the checkout.
ENTRYPOINT ["/bin/sh", "/app/deploy/entrypoint.sh"]
