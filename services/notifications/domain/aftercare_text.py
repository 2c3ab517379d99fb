"""Patient-facing aftercare wording, per locale, keyed by stable codes.

English follows domain/mesotherapy-guide.txt closely (its spelling included); other locales are
translations of the same sentences and add nothing. A code missing from a locale falls back to
English.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

EN: Mapping[str, str] = MappingProxyType(
    {
        # section titles
        "section.skin": "Your skin",
        "section.hair": "Your scalp and hair",
        "section.everyone": "Also important",
        # skin: any treated skin (face and body)
        "skin.mild_products": (
            "Use mild, non-irritating skincare products. Avoid exfoliating agents and retinoids "
            "until your skin recovers."
        ),
        "skin.fragrance_free_moisturizer": (
            "Keep your skin well hydrated with gentle, fragrance-free moisturizers."
        ),
        "face.no_makeup_24h": (
            "Don't apply makeup for at least 24 hours, to allow your skin to breathe and heal."
        ),
        "skin.gentle_routine": (
            "Continue with a regular, gentle skincare routine to maintain the health of your skin."
        ),
        # hair: the scalp
        "hair.gentle_shampoo": "Use a gentle shampoo.",
        "hair.no_coloring_or_perming": (
            "Avoid chemical treatments like coloring or perming for a few days."
        ),
        "hair.minimize_heat_styling": (
            "Minimize heat styling, to reduce stress on the scalp and hair follicles."
        ),
        "hair.no_tight_hairstyles": (
            "Avoid tight hairstyles, to reduce stress on the scalp and hair follicles."
        ),
        "hair.gentle_routine": (
            "Continue with a regular, gentle hair care routine to maintain the health of your "
            "scalp and hair."
        ),
        # everyone, whatever the area
        "everyone.sun_protection": (
            "Keep the treated area protected from direct sunlight for a few days to prevent "
            "irritation."
        ),
        "everyone.no_heavy_workouts": (
            "Avoid heavy workouts for a couple of days, as sweating might irritate the treated "
            "area."
        ),
        "everyone.no_chlorine_or_sauna": (
            "Stay away from chlorinated water and saunas to prevent infection and irritation."
        ),
        "everyone.diet_and_hydration": (
            "Support your treatment with a healthy diet rich in vitamins and antioxidants, and "
            "stay well hydrated."
        ),
        "everyone.follow_up_sessions": (
            "Attend any recommended follow-up sessions to achieve the best results."
        ),
        # side effects and risks the guide names (pigmentation: darker skin types only)
        "side_effect.redness_swelling": (
            "Redness and mild swelling at the injection sites, similar to a mild sunburn. These "
            "usually go away within a few hours or days."
        ),
        "side_effect.bruising": (
            "Some bruising at the injection sites. This is natural after injections and heals on "
            "its own."
        ),
        "side_effect.itching_soreness": (
            "Itching or soreness in the treated area for a short period."
        ),
        "side_effect.pigmentation_changes": (
            "There is a slight risk of skin pigmentation changes, particularly for darker skin "
            "types."
        ),
        "side_effect.nodules": (
            "Small nodules or lumps may form under the skin. These will go away over time."
        ),
        # when to call the clinic
        "call.unusual_or_prolonged": "Side effects that are unusual or prolonged.",
        "call.allergic_reaction": (
            "Any sign of an allergic reaction to the substances used in the injections."
        ),
        "call.infection": "Any sign of infection in the treated area.",
        # area names
        "area.face": "face",
        "area.forehead": "forehead",
        "area.cheeks": "cheeks",
        "area.chin": "chin",
        "area.jawline": "jawline",
        "area.periorbital": "eye area",
        "area.perioral": "area around the mouth",
        "area.neck": "neck",
        "area.decollete": "décolleté",
        "area.scalp": "scalp",
        "area.hands": "hands",
        "area.arms": "arms",
        "area.abdomen": "abdomen",
        "area.flanks": "flanks",
        "area.waist": "waist",
        "area.hips": "hips",
        "area.back": "back",
        "area.thighs": "thighs",
        "area.knees": "knees",
        "area.legs": "legs",
        "area.buttocks": "buttocks",
    }
)

ES: Mapping[str, str] = MappingProxyType(
    {
        "section.skin": "Su piel",
        "section.hair": "Su cuero cabelludo y su cabello",
        "section.everyone": "También es importante",
        "skin.mild_products": (
            "Utilice productos de cuidado de la piel suaves y no irritantes. Evite los "
            "exfoliantes y los retinoides hasta que su piel se recupere."
        ),
        "skin.fragrance_free_moisturizer": (
            "Mantenga la piel bien hidratada con cremas hidratantes suaves y sin perfume."
        ),
        "face.no_makeup_24h": (
            "No se maquille durante al menos 24 horas, para que su piel respire y se recupere."
        ),
        "skin.gentle_routine": (
            "Mantenga una rutina de cuidado de la piel regular y suave para conservar la salud "
            "de su piel."
        ),
        "hair.gentle_shampoo": "Utilice un champú suave.",
        "hair.no_coloring_or_perming": (
            "Evite los tratamientos químicos, como tintes o permanentes, durante unos días."
        ),
        "hair.minimize_heat_styling": (
            "Reduzca al mínimo el uso de herramientas de peinado con calor, para no someter a "
            "estrés el cuero cabelludo ni los folículos pilosos."
        ),
        "hair.no_tight_hairstyles": (
            "Evite los peinados tirantes, para no someter a estrés el cuero cabelludo ni los "
            "folículos pilosos."
        ),
        "hair.gentle_routine": (
            "Mantenga una rutina de cuidado capilar regular y suave para conservar la salud de "
            "su cuero cabelludo y su cabello."
        ),
        "everyone.sun_protection": (
            "Proteja la zona tratada de la luz solar directa durante unos días para evitar "
            "irritaciones."
        ),
        "everyone.no_heavy_workouts": (
            "Evite el ejercicio intenso durante un par de días, ya que el sudor podría irritar "
            "la zona tratada."
        ),
        "everyone.no_chlorine_or_sauna": (
            "Evite el agua con cloro y las saunas para prevenir infecciones e irritaciones."
        ),
        "everyone.diet_and_hydration": (
            "Complemente el tratamiento con una alimentación sana, rica en vitaminas y "
            "antioxidantes, y mantenga una buena hidratación."
        ),
        "everyone.follow_up_sessions": (
            "Acuda a las sesiones de seguimiento recomendadas para obtener los mejores resultados."
        ),
        "side_effect.redness_swelling": (
            "Enrojecimiento e hinchazón leve en los puntos de inyección, parecidos a una "
            "quemadura solar leve. Suelen desaparecer en unas horas o días."
        ),
        "side_effect.bruising": (
            "Algunos hematomas en los puntos de inyección. Son normales tras las inyecciones y "
            "desaparecen por sí solos."
        ),
        "side_effect.itching_soreness": (
            "Picor o molestias en la zona tratada durante un breve periodo."
        ),
        "side_effect.pigmentation_changes": (
            "Existe un ligero riesgo de cambios en la pigmentación de la piel, sobre todo en los "
            "tipos de piel más oscuros."
        ),
        "side_effect.nodules": (
            "Pueden formarse pequeños nódulos o bultos bajo la piel. Desaparecerán con el tiempo."
        ),
        "call.unusual_or_prolonged": "Efectos secundarios inusuales o prolongados.",
        "call.allergic_reaction": (
            "Cualquier signo de reacción alérgica a las sustancias inyectadas."
        ),
        "call.infection": "Cualquier signo de infección en la zona tratada.",
        "area.face": "cara",
        "area.forehead": "frente",
        "area.cheeks": "mejillas",
        "area.chin": "mentón",
        "area.jawline": "línea mandibular",
        "area.periorbital": "contorno de ojos",
        "area.perioral": "zona peribucal",
        "area.neck": "cuello",
        "area.decollete": "escote",
        "area.scalp": "cuero cabelludo",
        "area.hands": "manos",
        "area.arms": "brazos",
        "area.abdomen": "abdomen",
        "area.flanks": "flancos",
        "area.waist": "cintura",
        "area.hips": "caderas",
        "area.back": "espalda",
        "area.thighs": "muslos",
        "area.knees": "rodillas",
        "area.legs": "piernas",
        "area.buttocks": "glúteos",
    }
)

CATALOGS: Mapping[str, Mapping[str, str]] = MappingProxyType({"en": EN, "es": ES})
