"""Demo decorators and florists."""

from __future__ import annotations

from core.demo.model import FIXED, PER_GUEST, ProviderSpec, ServiceSpec, Text

BRIDAL_BOUQUET = Text("باقة العروس", "Bouquet de mariée", "Bridal bouquet")


DECOR: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        slug="zouak-deco",
        owner="Samir Tahiri",
        locale="fr",
        name=Text("زواق ديكو", "Zouak Déco", "Zouak Deco"),
        description=Text(
            "تزيين القاعات والكوشة والطاولات بروح مغربية: فوانيس نحاسية، زرابي وأقمشة مطرزة.",
            "Décoration de salles, kosha et tables à l'esprit marocain : lanternes en cuivre,"
            " tapis et tissus brodés.",
            "Hall, kosha and table decoration with a Moroccan spirit: copper lanterns, rugs"
            " and embroidered fabrics.",
        ),
        cities=("casablanca", "rabat"),
        languages=("ar", "fr"),
        hours="daily",
        photos=3,
        services=(
            ServiceSpec(
                "decorator",
                Text(
                    "تزيين القاعة بالكامل", "Décoration complète de salle", "Full hall decoration"
                ),
                Text(
                    "الكوشة، الطاولات، المدخل والإنارة، التركيب والتفكيك.",
                    "Kosha, tables, entrée et éclairage, montage et démontage compris.",
                    "Kosha, tables, entrance and lighting, set-up and take-down included.",
                ),
                FIXED,
                25_000,
                deposit_bp=4000,
                capacity=2,
                notice_hours=168,
            ),
            ServiceSpec(
                "decorator",
                Text(
                    "الكوشة (منصة العروسين)",
                    "Kosha (estrade des mariés)",
                    "Kosha (the couple's stage)",
                ),
                Text(
                    "منصة العروسين بالأرائك والورود والستائر.",
                    "Estrade des mariés avec fauteuils, fleurs et drapés.",
                    "The couple's stage with thrones, flowers and drapes.",
                ),
                FIXED,
                8_000,
                deposit_bp=3000,
                capacity=3,
                notice_hours=96,
            ),
        ),
    ),
    ProviderSpec(
        slug="amaria-deco-marrakech",
        owner="Hind Belghiti",
        locale="en",
        name=Text("عمارية ديكو", "Amaria Déco & Événements", "Amaria Deco & Events"),
        description=Text(
            "سينوغرافيا الأعراس في الرياضات والقصور بمراكش، من الشموع إلى الخيام البدوية.",
            "Scénographie de mariages en riad et en palais à Marrakech, des bougies aux tentes"
            " caïdales.",
            "Wedding styling in Marrakech riads and palaces, from candles to caidal tents.",
        ),
        cities=("marrakech",),
        languages=("ar", "fr", "en"),
        hours="daily",
        services=(
            ServiceSpec(
                "decorator",
                Text("سينوغرافيا العرس", "Scénographie mariage", "Wedding styling"),
                Text(
                    "تصميم كامل، خيمة قائدية، شموع وفوانيس لـ 300 ضيف.",
                    "Conception complète, tente caïdale, bougies et lanternes pour 300 invités.",
                    "Full design, a caidal tent, candles and lanterns for 300 guests.",
                ),
                FIXED,
                30_000,
                deposit_bp=5000,
                capacity=1,
                notice_hours=168,
            ),
            ServiceSpec(
                "decorator",
                Text("ديكور الخطوبة", "Décor fiançailles", "Engagement decor"),
                Text(
                    "ركن للصور، طاولة الحلويات وزينة الصالون.",
                    "Coin photo, table sucrée et décoration du salon.",
                    "A photo corner, the dessert table and lounge decoration.",
                ),
                FIXED,
                9_000,
                events=("engagement",),
                deposit_bp=3000,
                capacity=2,
                notice_hours=96,
            ),
        ),
    ),
    ProviderSpec(
        slug="tradition-deco-fes",
        owner="Adil Benslimane",
        locale="ar",
        name=Text("تراديسيون ديكو فاس", "Tradition Déco Fès", "Tradition Deco Fez"),
        description=Text(
            "ديكور تقليدي للأعراس في فاس ومكناس: النحاس، الزليج والأقمشة الفاسية.",
            "Décor traditionnel de mariage à Fès et Meknès : cuivre, zellige et tissus fassis.",
            "Traditional wedding decor in Fez and Meknes: copper, zellige and Fassi fabrics.",
        ),
        cities=("fes", "meknes"),
        languages=("ar", "fr"),
        hours="daily",
        services=(
            ServiceSpec(
                "decorator",
                Text(
                    "ديكور العرس التقليدي",
                    "Décor de mariage traditionnel",
                    "Traditional wedding decor",
                ),
                Text(
                    "الكوشة، الطاولات والمدخل لقاعة حتى 500 ضيف.",
                    "Kosha, tables et entrée pour une salle jusqu'à 500 invités.",
                    "Kosha, tables and entrance for a hall of up to 500 guests.",
                ),
                FIXED,
                15_000,
                deposit_bp=3000,
                capacity=2,
                notice_hours=120,
            ),
        ),
    ),
    ProviderSpec(
        slug="flora-deco-agadir",
        owner="Meryem Oudghiri",
        locale="fr",
        name=Text("فلورا ديكو أكادير", "Flora Déco Agadir", "Flora Deco Agadir"),
        description=Text(
            "ديكور وورود لأعراس الحدائق والشواطئ في أكادير.",
            "Décoration et fleurs pour mariages en jardin et sur la plage à Agadir.",
            "Decoration and flowers for garden and beach weddings in Agadir.",
        ),
        cities=("agadir",),
        languages=("ar", "fr", "en"),
        hours="daily",
        services=(
            ServiceSpec(
                "decorator",
                Text("ديكور الحديقة", "Décoration de jardin", "Garden decoration"),
                Text(
                    "ممر العروسين، الإنارة المعلقة والطاولات الطويلة.",
                    "Allée des mariés, guirlandes lumineuses et grandes tablées.",
                    "An aisle for the couple, string lights and long tables.",
                ),
                FIXED,
                18_000,
                deposit_bp=4000,
                capacity=1,
                notice_hours=168,
            ),
            ServiceSpec(
                "florist",
                Text("قوس الورود", "Arche florale", "Flower arch"),
                Text(
                    "قوس من الورود الطبيعية لحفل العقد أو الصور.",
                    "Arche de fleurs fraîches pour la cérémonie ou les photos.",
                    "A fresh-flower arch for the ceremony or the photos.",
                ),
                FIXED,
                4_500,
                deposit_bp=3000,
                capacity=2,
                notice_hours=72,
            ),
        ),
    ),
    ProviderSpec(
        slug="fleurs-de-lotus-rabat",
        owner="Asmaa El Fassi",
        locale="fr",
        name=Text("أزهار اللوتس", "Fleurs de Lotus", "Lotus Flowers"),
        description=Text(
            "محل ورود في أكدال بالرباط: باقات العروس، تزيين الطاولات والسيارات.",
            "Fleuriste à Agdal, Rabat : bouquets de mariée, centres de table et décoration"
            " de voiture.",
            "A florist in Agdal, Rabat: bridal bouquets, centrepieces and car decoration.",
        ),
        cities=("rabat", "casablanca"),
        languages=("ar", "fr"),
        hours="shop",
        services=(
            ServiceSpec(
                "florist",
                BRIDAL_BOUQUET,
                Text(
                    "ورود بيضاء وأوركيد، مع وردة العريس.",
                    "Roses blanches et orchidées, avec la boutonnière du marié.",
                    "White roses and orchids, with the groom's buttonhole.",
                ),
                FIXED,
                1_200,
                deposit_bp=5000,
                capacity=4,
                notice_hours=72,
            ),
            ServiceSpec(
                "florist",
                Text("تزيين الطاولات", "Centres de table", "Table centrepieces"),
                Text(
                    "تنسيق ورود لكل طاولة، السعر حسب عدد الضيوف.",
                    "Une composition par table, prix selon le nombre d'invités.",
                    "An arrangement for every table, priced by guest count.",
                ),
                PER_GUEST,
                40,
                deposit_bp=4000,
                capacity=2,
                notice_hours=120,
                min_guests=50,
                max_guests=500,
            ),
        ),
    ),
    ProviderSpec(
        slug="roses-de-mgouna",
        owner="Naima Ouhammou",
        locale="fr",
        name=Text("ورود مكونة", "Roses de M'Gouna", "M'Gouna Roses"),
        description=Text(
            "ورود قلعة مكونة وزهور موسمية لأعراس مراكش، من الباقة إلى القاعة كاملة.",
            "Roses de Kelaat M'Gouna et fleurs de saison pour les mariages de Marrakech, du"
            " bouquet à la salle entière.",
            "Kelaat M'Gouna roses and seasonal flowers for Marrakech weddings, from the"
            " bouquet to the whole venue.",
        ),
        cities=("marrakech",),
        languages=("ar", "fr", "en"),
        hours="shop",
        services=(
            ServiceSpec(
                "florist",
                Text("ديكور الورود الكامل", "Décor floral complet", "Full floral decor"),
                Text(
                    "الكوشة، الطاولات، المدخل وباقة العروس.",
                    "Kosha, tables, entrée et bouquet de la mariée.",
                    "The kosha, tables, entrance and the bridal bouquet.",
                ),
                FIXED,
                14_000,
                deposit_bp=4000,
                capacity=2,
                notice_hours=168,
            ),
            ServiceSpec(
                "florist",
                BRIDAL_BOUQUET,
                Text(
                    "ورود مكونة الوردية بلمسة من الياسمين.",
                    "Roses de M'Gouna et une touche de jasmin.",
                    "Pink M'Gouna roses with a touch of jasmine.",
                ),
                FIXED,
                1_500,
                deposit_bp=5000,
                capacity=4,
                notice_hours=72,
            ),
        ),
    ),
    ProviderSpec(
        slug="tanja-flor",
        owner="Soukaina Arbaoui",
        locale="ar",
        name=Text("طنجة فلور", "Tanja Flor", "Tanja Flor"),
        description=Text(
            "تنسيق الزهور للأعراس والحفلات في طنجة، مع التوصيل إلى القاعة.",
            "Art floral pour mariages et réceptions à Tanger, livraison en salle comprise.",
            "Floral design for weddings and receptions in Tangier, delivered to the venue.",
        ),
        cities=("tanger",),
        languages=("ar", "fr"),
        hours="shop",
        services=(
            ServiceSpec(
                "florist",
                Text("ديكور الورود للحفل", "Décor floral de cérémonie", "Ceremony floral decor"),
                Text(
                    "الكوشة والمدخل وعشرون طاولة.",
                    "Kosha, entrée et vingt centres de table.",
                    "The kosha, the entrance and twenty centrepieces.",
                ),
                FIXED,
                9_000,
                deposit_bp=3000,
                capacity=2,
                notice_hours=120,
            ),
        ),
    ),
)
