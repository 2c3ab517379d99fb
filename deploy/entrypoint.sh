#!/bin/sh
# Entrypoint of the one MesoCare image.
#   no arguments: run the service SERVICE names, as `python -m services.$SERVICE`;
#   arguments:    run them instead (one-shot jobs, e.g. `python /app/deploy/create_topics.py`).
# `exec` makes the Python process PID 1's direct replacement, so SIGTERM reaches it and the
# service shuts down gracefully (DESIGN §8).
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

case "${SERVICE:-}" in
    booking | records | formulary | notifications | gateway)
        exec python -m "services.${SERVICE}"
        ;;
    *)
        echo "entrypoint: SERVICE must be one of booking, records, formulary, notifications," \
            "gateway (got '${SERVICE:-}')" >&2
        exit 64
        ;;
esac
