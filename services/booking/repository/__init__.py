"""SQL of the booking service, one module per table family; every query is scoped by network id.

Rows come back as dicts; the api layer turns them into domain values and response models.
"""

from services.booking.repository.appointments import (
    get_appointment,
    insert_appointment,
    list_appointments,
    update_appointment,
)
from services.booking.repository.calendar import (
    availability_context,
    availability_practitioners,
    booking_context,
)
from services.booking.repository.catalog import (
    get_treatment_type,
    insert_price,
    insert_treatment_type,
    list_prices,
    list_treatment_types,
)
from services.booking.repository.clinics import (
    get_clinic,
    insert_clinic,
    insert_room,
    list_clinics,
    list_rooms,
    update_clinic,
)
from services.booking.repository.patients import (
    completed_consultation_indications,
    patient_known,
    remember_patient,
)
from services.booking.repository.plans import (
    get_plan,
    insert_plan,
    latest_plan_for,
    list_plans,
    plan_session_dates,
    plan_with_treatment,
)
from services.booking.repository.practitioners import (
    delete_time_off,
    get_practitioner,
    insert_practitioner,
    insert_time_off,
    list_practitioners,
    list_time_off,
    replace_working_hours,
    set_practitioner_clinics,
    update_practitioner,
    working_hours,
    works_at,
)

__all__ = [
    "availability_context",
    "availability_practitioners",
    "booking_context",
    "completed_consultation_indications",
    "delete_time_off",
    "get_appointment",
    "get_clinic",
    "get_plan",
    "get_practitioner",
    "get_treatment_type",
    "insert_appointment",
    "insert_clinic",
    "insert_plan",
    "insert_practitioner",
    "insert_price",
    "insert_room",
    "insert_time_off",
    "insert_treatment_type",
    "latest_plan_for",
    "list_appointments",
    "list_clinics",
    "list_plans",
    "list_practitioners",
    "list_prices",
    "list_rooms",
    "list_time_off",
    "list_treatment_types",
    "patient_known",
    "plan_session_dates",
    "plan_with_treatment",
    "remember_patient",
    "replace_working_hours",
    "set_practitioner_clinics",
    "update_appointment",
    "update_clinic",
    "update_practitioner",
    "working_hours",
    "works_at",
]
