"""All demo data in one place: providers, people, and the words demo bookings use."""

from __future__ import annotations

from typing import Final

from core.demo.data_caterers import CATERERS
from core.demo.data_decor import DECOR
from core.demo.data_music import MUSIC
from core.demo.data_negafa import NEGAFA
from core.demo.data_pastry import PASTRY
from core.demo.data_photo import PHOTO
from core.demo.data_venues import VENUES
from core.demo.data_video import VIDEO
from core.demo.model import HOURS, PersonSpec, ProviderSpec
from core.domain.catalog import CATEGORIES, CITIES, EVENT_TYPES, LANGUAGES

PROVIDERS: Final[tuple[ProviderSpec, ...]] = (
    *PHOTO,
    *VIDEO,
    *CATERERS,
    *PASTRY,
    *VENUES,
    *MUSIC,
    *NEGAFA,
    *DECOR,
)

DEMO_DOMAIN: Final = "demo.mounasabet.test"  # a reserved TLD: no mail ever leaves

ADMIN: Final = PersonSpec("admin", "Admin", "fr", f"admin@{DEMO_DOMAIN}")

CLIENTS: Final[tuple[PersonSpec, ...]] = (
    PersonSpec("salma", "Salma Benali", "fr", f"salma.benali@{DEMO_DOMAIN}"),
    PersonSpec("youssef", "يوسف الإدريسي", "ar", f"youssef.idrissi@{DEMO_DOMAIN}"),
    PersonSpec("imane", "Imane Tazi", "fr", f"imane.tazi@{DEMO_DOMAIN}"),
    PersonSpec("karim", "Karim Alaoui", "en", f"karim.alaoui@{DEMO_DOMAIN}"),
    PersonSpec("nadia", "نادية الشرايبي", "ar", f"nadia.chraibi@{DEMO_DOMAIN}"),
    PersonSpec("omar", "Omar Berrada", "fr", f"omar.berrada@{DEMO_DOMAIN}"),
)

# Event types a booking of each category plausibly is, when the service names none.
CATEGORY_EVENTS: Final[dict[str, tuple[str, ...]]] = {
    "photographer": ("wedding", "wedding", "engagement", "aqiqa"),
    "videographer": ("wedding", "wedding", "engagement"),
    "caterer": ("wedding", "wedding", "engagement", "aqiqa"),
    "venue": ("wedding", "wedding", "engagement", "corporate"),
    "dj": ("wedding", "wedding", "birthday", "graduation"),
    "band": ("wedding", "engagement"),
    "negafa": ("wedding", "wedding", "engagement"),
    "decorator": ("wedding", "engagement", "birthday"),
    "florist": ("wedding", "engagement"),
    "pastry": ("wedding", "birthday", "aqiqa", "graduation"),
}

# Where the event takes place, for services that come to the client.
PLACES: Final[dict[str, tuple[str, ...]]] = {
    "casablanca": ("Salle Al Amal, Hay Riad", "Villa familiale, Californie", "Ain Diab"),
    "rabat": ("Hay Riad, Avenue Annakhil", "Souissi", "Agdal, rue Oued Fès"),
    "marrakech": ("Palmeraie", "Riad en médina, Bab Doukkala", "Route de l'Ourika"),
    "fes": ("Dar familiale, Fès el Bali", "Route d'Imouzzer", "Salle Zitouna, Narjiss"),
    "tanger": ("Malabata", "Villa, Marshan", "Salle Boughaz, Route de Tétouan"),
    "agadir": ("Villa, Founty", "Salle Argana, Hay Dakhla", "Taghazout"),
    "meknes": ("Salle Al Bahia, Hamria", "Dar familiale, médina"),
    "kenitra": ("Salle Al Waha, Bir Rami",),
    "el_jadida": ("Villa, Sidi Bouzid",),
    "tetouan": ("Salle Al Andalous, Mhannech",),
}

# A few words from the client, in their language.
NOTES: Final[dict[str, tuple[str, ...]]] = {
    "fr": (
        "Mariage en deux temps : dîner puis soirée dansante.",
        "Merci de prévoir un menu sans gluten pour deux invités.",
        "La famille vient de France, certains invités ne parlent que français.",
        "",
    ),
    "ar": (
        "نريد التركيز على دخول العروس بالعمارية.",
        "الحفل في بيت العائلة، المكان ضيق قليلا.",
        "المرجو الاتصال بي بعد الساعة السادسة مساء.",
        "",
    ),
    "en": (
        "Guests fly in from London; timing matters for the airport runs.",
        "Could you share a sample of previous work before we confirm?",
        "",
    ),
}

DECLINE_REASONS: Final = (
    "Nous sommes déjà réservés ce jour-là, désolés.",
    "المعذرة، الفريق غير متوفر في هذا التاريخ.",
    "The venue is too far from our base for this date.",
)
CLIENT_CANCEL_REASONS: Final = (
    "La date du mariage a changé.",
    "غيرنا مكان الحفل.",
    "We found another option closer to the venue.",
)
PROVIDER_CANCEL_REASON: Final = (
    "Un membre de l'équipe est malade ; acompte intégralement remboursé."
)


def check_data() -> None:
    """Fail fast (at seed time and in tests) if the demo data breaks its own rules."""
    slugs = [p.slug for p in PROVIDERS]
    if len(slugs) != len(set(slugs)):
        raise ValueError("duplicate demo provider slug")
    for p in PROVIDERS:
        bad = (
            set(p.cities) - set(CITIES)
            or set(p.categories) - set(CATEGORIES)
            or set(p.languages) - set(LANGUAGES)
            or {e for s in p.services for e in s.events} - set(EVENT_TYPES)
        )
        if bad or p.hours not in HOURS or not 1 <= len(p.services) <= 3:
            raise ValueError(f"bad demo provider {p.slug}: {bad or p.hours}")
        if any(c not in PLACES for c in p.cities):
            raise ValueError(f"no demo places for a city of {p.slug}")
    if set(CATEGORY_EVENTS) != set(CATEGORIES):
        raise ValueError("CATEGORY_EVENTS must cover every category")
