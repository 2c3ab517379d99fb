"""The chaos run's checks and figures, read once the system is quiet.

What must hold, each effect counted per business key in the service that owns it (superuser SQL
on each service database, scoped to the run's network) and compared with what booking says
happened — which must itself be what the workload was told:

- every outbox row of every service published, and found on the broker;
- one treatment-history row in records per completed session; in notifications one aftercare and
  one side-effect check-in per completed treatment, one consultation summary per consultation,
  one confirmation per booking; one lot-ledger row in formulary per (session, lot); one recall
  notice per exposed patient session of a recalled lot;
- nothing in any `<topic>.dlq`; every consumer group's committed offsets at the end of its topics.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from devstack.chaos.observe import TOPIC_NAMES, Observer
from devstack.chaos.report import Check, Report
from devstack.chaos.workload import Workload
from devstack.stack import SERVICES


def exactly_once(name: str, expected: Iterable[Hashable], counts: Mapping[Any, int]) -> Check:
    wanted = set(expected)
    missing = sorted(str(k) for k in wanted if counts.get(k, 0) == 0)
    doubled = sorted(f"{k} x{n}" for k, n in counts.items() if n > 1)
    unexpected = sorted(str(k) for k in counts if k not in wanted)
    once = sum(1 for k in wanted if counts.get(k, 0) == 1)
    detail = f"{once} of {len(wanted)} exactly once"
    for label, items in (("missing", missing), ("doubled", doubled), ("unexpected", unexpected)):
        if items:
            detail += f"; {label} {len(items)}: {', '.join(items[:3])}"
    return Check(name, not (missing or doubled or unexpected), detail)


async def verify(report: Report, observer: Observer, workload: Workload) -> None:
    checks = report.checks
    ledger = workload.ledger
    for service in SERVICES:
        await observer.scrape(service)  # the counters as they are now, not a second ago
    network = workload.network

    # -- the faults happened as designed, and the workload got its answers ----------------
    unexercised = [f.name for f in report.faults if not f.exercised]
    unrecovered = [f.name for f in report.faults if f.recovered_in is None]
    checks.append(
        Check(
            "every fault exercised and recovered from",
            not unexercised and not unrecovered,
            f"{len(report.faults)} faults"
            + (f"; not exercised: {', '.join(unexercised)}" if unexercised else "")
            + (f"; not recovered: {', '.join(unrecovered)}" if unrecovered else ""),
        )
    )
    checks.append(
        Check(
            "every write answered",
            not workload.failures and report.quiet_in is not None,
            "; ".join(workload.failures[:3])
            if workload.failures
            else (
                f"{ledger.requests} requests, {ledger.lost_answers} answers lost to the faults "
                f"({ledger.found_done} of those writes had happened), then quiet in "
                + (f"{report.quiet_in:.1f} s" if report.quiet_in is not None else "— (never)")
            ),
        )
    )

    # -- booking: what happened ------------------------------------------------------------
    appointments = await observer.query(
        "booking", "SELECT id, kind, status FROM appointments WHERE network_id = $1", network
    )
    kinds = {r["id"]: r["kind"] for r in appointments}
    completed = {r["id"]: r["kind"] for r in appointments if r["status"] == "completed"}
    lost_bookings = set(ledger.booked) - set(kinds)
    checks.append(
        Check(
            "booking holds exactly what it acknowledged",
            not lost_bookings and set(completed) == set(ledger.completed),
            f"{len(kinds)} appointments ({len(ledger.booked)} acknowledged), {len(completed)} "
            f"completed ({len(ledger.completed)} acknowledged)"
            + (f"; lost bookings: {len(lost_bookings)}" if lost_bookings else ""),
        )
    )
    treatments = {a: lot for a, lot in ledger.treatments.items() if completed.get(a)}
    consultations = [a for a, kind in completed.items() if kind == "consultation"]

    # -- the outboxes and the broker -------------------------------------------------------
    outbox: dict[str, list[Any]] = {}
    for service in SERVICES:
        outbox[service] = await observer.query(
            service,
            "SELECT topic, event_id::text AS id, sent_at IS NOT NULL AS sent FROM outbox",
        )
    census = await observer.census(TOPIC_NAMES)
    unsent = {s: sum(1 for r in rows if not r["sent"]) for s, rows in outbox.items()}
    absent = [
        f"{s}:{r['id']}"
        for s, rows in outbox.items()
        for r in rows
        if not census[r["topic"]][r["id"]]
    ]
    events = sum(len(rows) for rows in outbox.values())
    checks.append(
        Check(
            "every outbox row published",
            not any(unsent.values()) and not absent,
            f"{events} rows, {sum(unsent.values())} unsent, {len(absent)} not on the broker"
            + (f" (e.g. {', '.join(absent[:3])})" if absent else ""),
        )
    )

    # -- records ---------------------------------------------------------------------------
    history = await observer.query(
        "records",
        "SELECT appointment_id, count(*) AS n FROM treatments WHERE network_id = $1 GROUP BY 1",
        network,
    )
    checks.append(
        exactly_once(
            "records: one treatment-history row per completed session",
            completed,
            {r["appointment_id"]: r["n"] for r in history},
        )
    )

    # -- notifications ---------------------------------------------------------------------
    messages = await observer.query(
        "notifications",
        """SELECT appointment_id, kind, count(*) AS n FROM messages
           WHERE network_id = $1 AND recipient_type = 'patient' GROUP BY 1, 2""",
        network,
    )
    per_kind: dict[str, dict[Any, int]] = {}
    for r in messages:
        per_kind.setdefault(r["kind"], {})[r["appointment_id"]] = r["n"]
    for kind, expected, label in (
        ("aftercare", treatments, "one aftercare per completed treatment"),
        ("side_effect_checkin", treatments, "one side-effect check-in per completed treatment"),
        ("consultation_summary", consultations, "one consultation summary per consultation"),
        ("appointment_confirmation", kinds, "one confirmation per booking"),
    ):
        checks.append(exactly_once(f"notifications: {label}", expected, per_kind.get(kind, {})))

    # -- formulary: the lot ledger and the recalls -----------------------------------------
    exposures = await observer.query(
        "formulary",
        """SELECT appointment_id, lot_number, count(*) AS n FROM lot_exposures
           WHERE network_id = $1 GROUP BY 1, 2""",
        network,
    )
    checks.append(
        exactly_once(
            "formulary: one lot-ledger row per (session, lot)",
            set(treatments.items()),
            {(r["appointment_id"], r["lot_number"]): r["n"] for r in exposures},
        )
    )
    lots = await observer.query(
        "formulary", "SELECT lot_number, status FROM lots WHERE network_id = $1", network
    )
    recalled = {r["lot_number"] for r in lots if r["status"] == "recalled"}
    exposed = {a for a, lot in treatments.items() if lot in recalled}
    notices = per_kind.get("recall_notice_patient", {})
    check = exactly_once(
        "notifications: one recall notice per exposed patient session", exposed, notices
    )
    if recalled != set(ledger.recalled):
        check.ok = False
        check.detail += f"; recalled {sorted(recalled)}, acknowledged {sorted(ledger.recalled)}"
    checks.append(check)

    # -- dead letters and lag --------------------------------------------------------------
    dead = await observer.dead_letters()
    checks.append(
        Check(
            "nothing in any DLQ",
            not dead,
            "all .dlq topics empty" if not dead else f"{len(dead)}: " + " | ".join(dead[:5]),
        )
    )
    ends = await observer.end_offsets(TOPIC_NAMES)
    lag = await observer.lag(ends)
    reported = observer.reported_lag()
    checks.append(
        Check(
            "consumer lag back to zero",
            not any(lag.values()),
            "committed offsets vs ends: "
            + ", ".join(f"{g} {n}" for g, n in sorted(lag.items()))
            + "; /metrics consumer_lag: "
            + ", ".join(f"{g} {n}" for g, n in sorted(reported.items())),
        )
    )

    # -- figures ---------------------------------------------------------------------------
    messages_on_broker = sum(sum(c.values()) for c in census.values())
    distinct = sum(len(c) for c in census.values())
    duplicated = {t: sum(n - 1 for n in c.values() if n > 1) for t, c in census.items()}
    consumers = observer.consumer_figures()
    absorbed = sum(c["duplicate"] for c in consumers.values())
    last = report.faults[-1].recovered_in if report.faults else None
    f = report.figures
    f.append(
        f"  workload   {len(ledger.patients)} patients ({ledger.profiles_changed} profiles "
        f"changed), {len(kinds)} appointments, {len(consultations)} consultations and "
        f"{len(treatments)} treatments completed; {len(ledger.lots)} lots received, "
        f"{len(recalled)} recalled, {len(exposed)} exposed sessions"
    )
    f.append(
        f"  requests   {ledger.requests}; answers lost to faults {ledger.lost_answers} "
        f"(found done on reading {ledger.found_done}); throttled {ledger.throttled}"
    )
    f.append(
        "  events     "
        + f"{events} published ("
        + ", ".join(f"{s} {len(rows)}" for s, rows in outbox.items() if rows)
        + f"); {messages_on_broker} messages on the broker for {distinct} events"
    )
    f.append(
        f"  duplicates published {messages_on_broker - distinct} ("
        + (", ".join(f"{t} {n}" for t, n in duplicated.items() if n) or "none")
        + f"); delivered and absorbed by the inboxes {absorbed}"
    )
    for group, outcomes in sorted(consumers.items()):
        f.append(
            f"  consumer   {group:<13} handled {outcomes['handled']}, duplicates absorbed "
            f"{outcomes['duplicate']}, ignored {outcomes['ignored']}, dead-lettered "
            f"{outcomes['dead_lettered']} ({observer.processes_started(group)} processes)"
        )
    f.append(
        "  recovery   after the last fault "
        + (f"{last:.1f} s" if last is not None else "—")
        + "; quiet after the workload stopped "
        + (f"{report.quiet_in:.1f} s" if report.quiet_in is not None else "—")
    )
    report.numbers.update(
        events=events,
        messages=messages_on_broker,
        duplicates_published=messages_on_broker - distinct,
        duplicates_absorbed=absorbed,
        treatments=len(treatments),
        consultations=len(consultations),
        recall_notices=sum(notices.values()),
        exposed=len(exposed),
        recovered_after_last=last if last is not None else -1.0,
    )
