"""Word lists mapping what clients type (ar/fr/en/Darija) to catalog codes.

Entries are written in their ordinary spelling; `normalize` folds accents, case and Arabic
letter variants when the patterns are compiled, and Arabic entries are matched with or
without the article ال and the clitics و/ف/ب/ل/ك.
"""

from __future__ import annotations

from typing import Final

from core.catalog.vocabulary import CATEGORIES, CITIES
from dialogs.nlu.normalize import words

CATEGORY_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "photographer": words(
        "photographe, photographer, photography, photographie, photo, photos,"
        "photographe de mariage, shooting photo, fotograf, fotografe, fotografi,"
        "mosawir, mosawer, msawer, msawir, mousawir, moussawir, mosawira, tswira, tsawer,"
        "taswir, مصور, مصورة, مصورين, مصور فوتوغرافي, تصوير فوتوغرافي, التصوير, صور,"
        "فوتوغراف, فوطوغراف"
    ),
    "videographer": words(
        "vidéaste, videaste, vidéographe, videographer, videography, vidéo, video, videos,"
        "cameraman, caméraman, film, filmer, filming, tournage, montage vidéo,"
        "mosawir video, msawer video, tsawer video, taswir video, فيديو, مصور فيديو,"
        "تصوير فيديو, تصوير الفيديو, مصور الفيديو, فيديوغراف, كاميرامان"
    ),
    "caterer": words(
        "traiteur, traiteurs, caterer, catering, restauration, buffet, cuisinier,"
        "cuisinière, chef cuisinier, trateur, tratour, triteur, ttraiteur, ممون,"
        "ممون حفلات, ممونة, تموين, ترتور, تريتور, طباخ, طباخة, الطبخ, بوفيه"
    ),
    "venue": words(
        "salle, salle des fêtes, salle de fête, salle de réception, salle de mariage,"
        "lieu de réception, espace événementiel, venue, hall, wedding hall, banquet hall,"
        "ballroom, event space, 9a3a, qa3a, qaa3a, قاعة, قاعات, قاعة أفراح, قاعة الحفلات,"
        "قاعة حفلات, قاعة الأفراح, صالة, صالة أفراح, فضاء, صالة الحفلات"
    ),
    "dj": words(
        "dj, deejay, disc jockey, disk jockey, didji, dijay, ديدجي, دي جي, دجي, ديجي, ديدجاي"
    ),
    "band": words(
        "orchestre, orchestra, band, groupe de musique, groupe musical, musiciens,"
        "musicians, live music, musique live, chanteur, chanteuse, singer, jouq, jawq, jo9,"
        "jou9, dakka, daqqa, issawa, 3issawa, gnawa, ahidous, جوق, جوقة, فرقة,"
        "فرقة موسيقية, أوركسترا, موسيقيين, مطرب, مغني, الدقة, عيساوة, كناوة, أحيدوس,"
        "أوركيسترا"
    ),
    "negafa": words(
        "negafa, neggafa, nekkafa, nagafa, negaffa, nkafa, ngafa, neguafa, negafat, نكافة,"
        "نكافات, نقافة, النكافة"
    ),
    "decorator": words(
        "décorateur, décoratrice, décoration, déco, décor, decorator, decoration, decor,"
        "decorations, ziana, zina, ziyana, zouaq, tziin, زينة, تزيين, ديكور, مزين, مزينة,"
        "الزواق, ديكورات, تزيين القاعة"
    ),
    "florist": words(
        "fleuriste, fleurs, fleur, bouquet, bouquets, florist, flowers, flower, floral, ward,"
        "nwar, lward, ورود, ورد, زهور, أزهار, بائع الورود, منسق الزهور"
    ),
    "pastry": words(
        "pâtisserie, pâtissier, pâtissière, gâteau, gâteaux, pièce montée, gateau, cake,"
        "cakes, pastry, pastries, sweets, dessert, desserts, cupcakes, 7alwa, 7lawiyat, halwa,"
        "gato, حلويات, حلوى, حلوة, كعكة, كيك, تورتة, الحلوة, الحلويات, حلواني"
    ),
}

CITY_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "casablanca": words(
        "casablanca, casa, casa blanca, dar el beida, dar el baida, dar lbida, dar l beida,"
        "dar beida, الدار البيضاء, كازا, كازابلانكا, البيضاء"
    ),
    "rabat": words("rabat, rbat, errabat, الرباط, رباط"),
    "marrakech": words("marrakech, marrakesh, marakech, marrakch, mrakch, mraksh, kech, مراكش"),
    "fes": words("fes, fès, fez, fas, فاس"),
    "tanger": words("tanger, tangier, tangiers, tanja, tanjah, طنجة"),
    "agadir": words("agadir, أكادير, اكادير, أگادير"),
    "meknes": words("meknes, meknès, miknas, mekness, مكناس"),
    "oujda": words("oujda, ujda, wejda, wjda, وجدة"),
    "kenitra": words("kenitra, kénitra, qnitra, knitra, القنيطرة, قنيطرة"),
    "tetouan": words("tetouan, tétouan, tetuan, titwan, tetwan, تطوان"),
    "el_jadida": words("el jadida, eljadida, el-jadida, jadida, mazagan, الجديدة"),
}

# The languages a provider speaks with clients, as they name them in any of ours (the
# options show each in its own writing: "Français" to an Arabic speaker who types
# "الفرنسية").
SPOKEN_LANGUAGE_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "ar": words(
        "arabe, arabic, darija, الدارجة, دارجة, العربية, عربية, العربي, عربي, l3arbia, 3arbia"
    ),
    "fr": words(
        "français, francais, french, الفرنسية, فرنسية, الفرنساوية, فرنساوية, lfransawiya,"
        "fransawiya, fransiya"
    ),
    "en": words(
        "anglais, english, الإنجليزية, الانجليزية, إنجليزية, انجليزية, الإنجليزي, النجليزية,"
        "نجليزية, lngliziya, ngliziya, englizia"
    ),
}

# Our own codes must always resolve, so Rasa synonyms that emit the code work too.
for _code in CATEGORIES:
    CATEGORY_SYNONYMS[_code] = (*CATEGORY_SYNONYMS.get(_code, ()), _code)
for _code in CITIES:
    CITY_SYNONYMS[_code] = (*CITY_SYNONYMS.get(_code, ()), _code.replace("_", " "))

# Function words that give away the language of a Latin-script message.
LANGUAGE_MARKERS: Final[dict[str, frozenset[str]]] = {
    "fr": frozenset(
        words(
            "je, j, tu, il, nous, vous, le, la, les, un, une, des, du, de, pour, avec, est, suis,"
            "mes, ma, mon, bonjour, bonsoir, salut, merci, svp, stp, cherche, veux, voudrais,"
            "besoin, faut, quel, quelle, combien, comment, ou, et, au, aux, dans, sur, pas, plus,"
            "prochain, demain, aujourd, hui"
        )
    ),
    "en": frozenset(
        words(
            "i, you, we, the, an, my, me, for, with, is, am, are, need, want, looking, find,"
            "please, hello, hi, hey, thanks, thank, how, what, where, when, can, could, would,"
            "next, tomorrow, today, in, on, of, to, and, any, there, do, does, book"
        )
    ),
    "darija": frozenset(
        words(
            "bghit, bghina, kan9leb, kanqleb, wach, kayn, chi, dyal, dyali, dyalek, f, fi, l, mn,"
            "m3a, 3afak, 3la, ghedda, nhar, chhal, ch7al, bzaf, daba, salam, slm, khoya, khouya,"
            "wa7ed, 3andi, 3ndi, ana, nta, nti, fin, kifach, ash, ach, chno, shno, labas"
        )
    ),
}


def rasa_lookup_yaml() -> str:
    """Rasa lookup tables (data/lookups.yml) for the category and city entities."""
    lines = [
        "# Generated from dialogs/nlu/lexicon.py by rasa_lookup_yaml(); do not edit by hand.",
        'version: "3.1"',
        "",
        "nlu:",
    ]
    for entity, table in (("category", CATEGORY_SYNONYMS), ("city", CITY_SYNONYMS)):
        lines += [f"  - lookup: {entity}", "    examples: |"]
        names = sorted({name for synonyms in table.values() for name in synonyms})
        lines += [f"      - {name}" for name in names]
    return "\n".join(lines) + "\n"
