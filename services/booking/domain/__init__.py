"""The booking service's pure rules: no I/O, no FastAPI, no asyncpg.

- lifecycle   the appointment state machine and which statuses occupy the calendar
- treatments  kinds, indications, areas, durations, cleaning buffers
- consultations  the consultation a treatment is booked after, and completed before it starts
- hours       clinic wall-clock time ↔ UTC instants, weekly working hours, DST
- slots       free slots and the check of one requested booking
- pricing     money and price lookup with experience tiers
- plans       treatment plans: next session due, progress, cost estimate
- errors      every error raised here, with its problem `type` slug
"""

from .consultations import (
    Consultation,
    check_startable,
    consultation_for_booking,
    requires_consultation,
)
from .errors import (
    ConsultationNotCompleted,
    ConsultationRequired,
    DuplicatePrice,
    DurationMismatch,
    EndNotAfterStart,
    IllegalTransition,
    InTimeOff,
    LicenceExpired,
    OffGrid,
    OutsideWorkingHours,
    PractitionerNotQualified,
    PractitionerTaken,
    PriceNotSet,
    RoomTaken,
    StartInPast,
)
from .hours import (
    WorkingHours,
    as_utc,
    check_working_hours,
    clock_reaches,
    instants_at,
    local_window,
    wall_clock,
)
from .lifecycle import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    TRANSITIONS,
    Action,
    Status,
    allowed_actions,
    next_status,
)
from .plans import (
    CostEstimate,
    PlanProgress,
    TreatmentPlan,
    estimate_cost,
    next_session_due,
    plan_progress,
)
from .pricing import ExperienceTier, Money, Price, PriceList, session_price
from .slots import (
    MAX_WINDOW_DAYS,
    Busy,
    PractitionerAvailability,
    Slot,
    TimeOff,
    check_bookable,
    free_slots,
)
from .treatments import (
    AREA_SIZE,
    DEFAULT_BUFFER,
    DURATION_BOUNDS,
    MAX_BUFFER,
    Area,
    AreaSize,
    Indication,
    TreatmentKind,
    TreatmentType,
    check_buffer,
    check_duration,
    define_treatment_type,
    suggested_duration,
)

__all__ = [
    "ACTIVE_STATUSES",
    "AREA_SIZE",
    "DEFAULT_BUFFER",
    "DURATION_BOUNDS",
    "FINAL_STATUSES",
    "MAX_BUFFER",
    "MAX_WINDOW_DAYS",
    "TRANSITIONS",
    "Action",
    "Area",
    "AreaSize",
    "Busy",
    "Consultation",
    "ConsultationNotCompleted",
    "ConsultationRequired",
    "CostEstimate",
    "DuplicatePrice",
    "DurationMismatch",
    "EndNotAfterStart",
    "ExperienceTier",
    "IllegalTransition",
    "InTimeOff",
    "Indication",
    "LicenceExpired",
    "Money",
    "OffGrid",
    "OutsideWorkingHours",
    "PlanProgress",
    "PractitionerAvailability",
    "PractitionerNotQualified",
    "PractitionerTaken",
    "Price",
    "PriceList",
    "PriceNotSet",
    "RoomTaken",
    "Slot",
    "StartInPast",
    "Status",
    "TimeOff",
    "TreatmentKind",
    "TreatmentPlan",
    "TreatmentType",
    "WorkingHours",
    "allowed_actions",
    "as_utc",
    "check_bookable",
    "check_buffer",
    "check_duration",
    "check_startable",
    "check_working_hours",
    "clock_reaches",
    "consultation_for_booking",
    "define_treatment_type",
    "estimate_cost",
    "free_slots",
    "instants_at",
    "local_window",
    "next_session_due",
    "next_status",
    "plan_progress",
    "requires_consultation",
    "session_price",
    "suggested_duration",
    "wall_clock",
]
