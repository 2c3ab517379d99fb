"""`python -m devstack.chaos` (`make chaos`): the full-length chaos run; 1 if a check fails."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devstack.chaos import ChaosOptions, run

ROOT = Path(__file__).resolve().parent.parent.parent


def main(argv: list[str] | None = None) -> int:
    defaults = ChaosOptions(root=ROOT / ".devstack" / "chaos")
    parser = argparse.ArgumentParser(
        prog="python -m devstack.chaos",
        description="Faults while a clinic workload runs, then every effect checked once.",
    )
    add = parser.add_argument
    add("--broker-down", type=float, default=defaults.broker_down, help="seconds (60)")
    add("--broker-pause", type=float, default=defaults.broker_pause, help="seconds (30)")
    add("--postgres-down", type=float, default=defaults.postgres_down, help="seconds (3)")
    add("--warmup", type=float, default=defaults.warmup, help="workload before the 1st fault")
    add("--calm", type=float, default=defaults.calm, help="workload between faults")
    add("--lanes", type=int, default=defaults.lanes, help="concurrent front desks (3)")
    add("--pace", type=float, default=defaults.pace, help="seconds between visits (0.2)")
    add("--lot-every", type=int, default=defaults.lot_every, help="completions per lot (5)")
    add("--consumer", default=defaults.consumer, help="the consumer to kill (notifications)")
    add("--relay", default=defaults.relay, help="the relay to kill (booking)")
    add("--recover-within", type=float, default=defaults.recover_within, help="seconds")
    add("--root", type=Path, default=defaults.root, help="stack folder (.devstack/chaos)")
    add("--no-fsync", action="store_true", help="PostgreSQL without fsync (faster)")
    args = parser.parse_args(argv)
    options = ChaosOptions(
        root=args.root.resolve(),
        broker_down=args.broker_down,
        broker_pause=args.broker_pause,
        postgres_down=args.postgres_down,
        warmup=args.warmup,
        calm=args.calm,
        lanes=args.lanes,
        lot_every=args.lot_every,
        pace=args.pace,
        consumer=args.consumer,
        relay=args.relay,
        recover_within=args.recover_within,
        patience=args.recover_within,
        durable=not args.no_fsync,
    )
    report = run(options, say=lambda line: print(line, flush=True))
    print(report.text(), flush=True)
    if not report.ok:
        print(f"logs: {options.root / 'logs'}", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
