"""Demo venues: halls, riads, palaces and gardens."""

from __future__ import annotations

from core.demo.model import FIXED, ProviderSpec, ServiceSpec, Text, tiers

VENUE_POLICY = tiers((90, 10_000), (30, 5_000), (0, 0))

VENUES: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        slug="salle-al-amal-casablanca",
        owner="Driss Benjelloun",
        locale="fr",
        name=Text("قاعة الأفراح الأمل", "Salle des fêtes Al Amal", "Al Amal Reception Hall"),
        description=Text(
            "قاعة مكيفة في حي الرياض بالدار البيضاء، تتسع لـ 600 ضيف، مع موقف سيارات"
            " وجناح خاص بالعروس.",
            "Salle climatisée au quartier Riad à Casablanca, jusqu'à 600 invités, parking et"
            " suite de la mariée.",
            "An air-conditioned hall in Casablanca's Riad district for up to 600 guests, with"
            " parking and a bridal suite.",
        ),
        cities=("casablanca",),
        languages=("ar", "fr"),
        hours="venue",
        photos=3,
        policy=VENUE_POLICY,
        services=(
            ServiceSpec(
                "venue",
                Text(
                    "كراء القاعة - سهرة كاملة",
                    "Location de salle – soirée complète",
                    "Hall hire – full evening",
                ),
                Text(
                    "القاعة من العاشرة صباحا إلى الثانية ليلا، الطاولات والكراسي والإنارة.",
                    "La salle de 10 h à 2 h du matin, tables, chaises et éclairage compris.",
                    "The hall from 10 am to 2 am, tables, chairs and lighting included.",
                ),
                FIXED,
                35_000,
                deposit_bp=5000,
                notice_hours=168,
                min_guests=150,
                max_guests=600,
            ),
        ),
    ),
    ProviderSpec(
        slug="riad-yasmine-marrakech",
        owner="Leila Mansouri",
        locale="en",
        name=Text("رياض ياسمين", "Riad Yasmine", "Riad Yasmine"),
        description=Text(
            "رياض من القرن التاسع عشر في قلب المدينة القديمة بمراكش، بفنائه المزين بأشجار"
            " البرتقال ومسبحه وسطحه المطل على الأطلس.",
            "Riad du XIXe siècle au cœur de la médina de Marrakech : patio aux orangers,"
            " bassin et terrasse face à l'Atlas.",
            "A 19th-century riad in the heart of Marrakech's medina: an orange-tree courtyard,"
            " a pool and a rooftop facing the Atlas.",
        ),
        cities=("marrakech",),
        languages=("ar", "fr", "en"),
        hours="venue",
        photos=3,
        policy=VENUE_POLICY,
        services=(
            ServiceSpec(
                "venue",
                Text(
                    "باقة العرس - يومان",
                    "Forfait mariage – deux jours",
                    "Wedding package – two days",
                ),
                Text(
                    "الرياض لكم وحدكم ليومين: ليلة الحناء ثم العرس، مع 8 غرف للعائلة.",
                    "Le riad rien que pour vous pendant deux jours : henné puis mariage,"
                    " avec 8 chambres pour la famille.",
                    "The riad all to yourselves for two days: henna night then the wedding,"
                    " with 8 rooms for the family.",
                ),
                FIXED,
                38_000,
                days=2,
                deposit_bp=5000,
                notice_hours=168,
                min_guests=40,
                max_guests=150,
            ),
        ),
    ),
    ProviderSpec(
        slug="palais-zahrat-fes",
        owner="Omar Alami",
        locale="ar",
        name=Text("قصر زهرة فاس", "Palais Zahrat Fès", "Zahrat Fez Palace"),
        description=Text(
            "قصر بزليج وجبس منقوش يدويا، بقاعة كبرى تتسع لـ 800 ضيف وحديقة أندلسية.",
            "Un palais de zellige et de plâtre sculpté à la main, grande salle de 800 invités"
            " et jardin andalou.",
            "A palace of zellige and hand-carved plaster, a great hall for 800 guests and an"
            " Andalusian garden.",
        ),
        cities=("fes",),
        languages=("ar", "fr"),
        hours="venue",
        photos=3,
        policy=VENUE_POLICY,
        services=(
            ServiceSpec(
                "venue",
                Text("القصر - يوم كامل", "Le palais – journée complète", "The palace – full day"),
                Text(
                    "القاعة الكبرى والحديقة، جناح العروس وخدمة الاستقبال.",
                    "Grande salle et jardin, suite de la mariée et service d'accueil.",
                    "Great hall and garden, bridal suite and reception staff.",
                ),
                FIXED,
                60_000,
                deposit_bp=4000,
                notice_hours=168,
                min_guests=200,
                max_guests=800,
            ),
        ),
    ),
    ProviderSpec(
        slug="villa-oceane-agadir",
        owner="Nadia Amzil",
        locale="fr",
        name=Text("فيلا أوسيان", "Villa Océane", "Villa Oceane"),
        description=Text(
            "فيلا بحديقة مطلة على المحيط في أكادير، مثالية لأعراس الهواء الطلق وحفلات الخطوبة.",
            "Villa avec jardin face à l'océan à Agadir, idéale pour les mariages en plein air"
            " et les fiançailles.",
            "A villa with an ocean-view garden in Agadir, made for open-air weddings and"
            " engagement parties.",
        ),
        cities=("agadir",),
        languages=("ar", "fr", "en"),
        hours="venue",
        services=(
            ServiceSpec(
                "venue",
                Text("عرس في الحديقة", "Mariage au jardin", "Garden wedding"),
                Text(
                    "الحديقة والمسبح من الظهر إلى الثانية ليلا، مع خيمة في حالة المطر.",
                    "Jardin et piscine de midi à 2 h, avec tente en cas de pluie.",
                    "Garden and pool from noon to 2 am, with a marquee in case of rain.",
                ),
                FIXED,
                28_000,
                deposit_bp=4000,
                notice_hours=168,
                min_guests=80,
                max_guests=350,
            ),
        ),
    ),
    ProviderSpec(
        slug="domaine-al-andalous-rabat",
        owner="Khalid Bouazzaoui",
        locale="fr",
        name=Text("ضيعة الأندلس", "Domaine Al Andalous", "Al Andalous Estate"),
        description=Text(
            "ضيعة على طريق زعير بالرباط، بقاعة كبرى وحديقة مستقلة، للأعراس والحفلات الرسمية.",
            "Domaine sur la route des Zaërs à Rabat, avec une grande salle et un jardin"
            " indépendant, pour mariages et réceptions officielles.",
            "An estate on the Zaer road in Rabat with a great hall and a separate garden, for"
            " weddings and official receptions.",
        ),
        cities=("rabat",),
        languages=("ar", "fr", "en"),
        hours="venue",
        photos=3,
        policy=VENUE_POLICY,
        services=(
            ServiceSpec(
                "venue",
                Text("القاعة الكبرى", "Grande salle", "Great hall"),
                Text(
                    "حتى 1000 ضيف، منصة العروسين، غرفة للممون وموقف لـ 300 سيارة.",
                    "Jusqu'à 1000 invités, estrade des mariés, office traiteur et parking de"
                    " 300 places.",
                    "Up to 1,000 guests, a stage for the couple, a caterer's kitchen and parking"
                    " for 300 cars.",
                ),
                FIXED,
                75_000,
                deposit_bp=5000,
                notice_hours=168,
                min_guests=200,
                max_guests=1000,
            ),
            ServiceSpec(
                "venue",
                Text("الحديقة", "Le jardin", "The garden"),
                Text(
                    "حديقة مستقلة لحفلات الخطوبة والاستقبالات حتى 250 ضيفا.",
                    "Jardin indépendant pour fiançailles et cocktails jusqu'à 250 invités.",
                    "A separate garden for engagements and receptions of up to 250 guests.",
                ),
                FIXED,
                22_000,
                events=("engagement", "corporate"),
                deposit_bp=3000,
                notice_hours=120,
                min_guests=30,
                max_guests=250,
            ),
        ),
    ),
    ProviderSpec(
        slug="dar-tanja-events",
        owner="Yassir El Khamlichi",
        locale="ar",
        name=Text("دار طنجة للحفلات", "Dar Tanja Events", "Dar Tanja Events"),
        description=Text(
            "دار تقليدية في القصبة بطنجة، بسطح يطل على المضيق، للحفلات حتى 200 ضيف.",
            "Maison traditionnelle dans la kasbah de Tanger, terrasse sur le détroit, pour"
            " des fêtes jusqu'à 200 invités.",
            "A traditional house in Tangier's kasbah with a terrace over the strait, for"
            " parties of up to 200 guests.",
        ),
        cities=("tanger",),
        languages=("ar", "fr", "en"),
        hours="venue",
        services=(
            ServiceSpec(
                "venue",
                Text(
                    "كراء الدار - يوم كامل",
                    "Location de la maison – journée",
                    "House hire – full day",
                ),
                Text(
                    "الصالونات والسطح من العاشرة صباحا، مع الأواني والإنارة.",
                    "Salons et terrasse dès 10 h, vaisselle et éclairage compris.",
                    "The salons and the terrace from 10 am, tableware and lighting included.",
                ),
                FIXED,
                30_000,
                deposit_bp=3000,
                notice_hours=168,
                min_guests=50,
                max_guests=200,
            ),
        ),
    ),
)
