"""Demo negafa houses: bridal outfits, jewellery and the amaria."""

from __future__ import annotations

from core.demo.model import FIXED, ProviderSpec, ServiceSpec, Text, tiers

NEGAFA: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        slug="dar-lalla-negafa",
        owner="Lalla Khadija Senhaji",
        locale="ar",
        name=Text("دار لالة النكافة", "Dar Lalla Negafa", "Dar Lalla Negafa"),
        description=Text(
            "نكافة منذ ثلاثة أجيال: أزياء العروس من كل جهات المغرب، الحلي، العمارية والميدة،"
            " مع فريق يرافق العروس طوال الليلة.",
            "Négafa depuis trois générations : tenues de toutes les régions du Maroc, bijoux,"
            " amaria et mida, avec une équipe aux côtés de la mariée toute la nuit.",
            "Negafa for three generations: bridal outfits from every region of Morocco,"
            " jewellery, amaria and mida, with a team beside the bride all night.",
        ),
        cities=("casablanca", "rabat", "el_jadida"),
        languages=("ar", "fr"),
        hours="weekend",
        photos=3,
        policy=tiers((60, 10_000), (30, 5_000), (0, 0)),
        services=(
            ServiceSpec(
                "negafa",
                Text(
                    "باقة العروس - 7 أزياء",
                    "Forfait mariée – 7 tenues",
                    "Bridal package – 7 outfits",
                ),
                Text(
                    "سبعة أزياء (فاسية، رباطية، صحراوية، أمازيغية...)، الحلي والتجميل.",
                    "Sept tenues (fassia, rbatia, sahraouia, amazighe...), bijoux et maquillage.",
                    "Seven outfits (Fassi, Rbati, Sahrawi, Amazigh...), jewellery and make-up.",
                ),
                FIXED,
                15_000,
                deposit_bp=4000,
                capacity=2,
                notice_hours=168,
            ),
            ServiceSpec(
                "negafa",
                Text(
                    "العمارية ودخول العروسين",
                    "Amaria et entrée des mariés",
                    "Amaria and the couple's entrance",
                ),
                Text(
                    "العمارية والميدة مع أربعة حمالين بالزي التقليدي.",
                    "Amaria et mida avec quatre porteurs en tenue traditionnelle.",
                    "Amaria and mida with four bearers in traditional dress.",
                ),
                FIXED,
                5_000,
                deposit_bp=3000,
                capacity=3,
                notice_hours=120,
            ),
        ),
    ),
    ProviderSpec(
        slug="negafa-lalla-ghita-fes",
        owner="Ghita Chraibi",
        locale="fr",
        name=Text(
            "النكافة لالة غيثة الفاسية", "Négafa Lalla Ghita Al Fassia", "Lalla Ghita Fassi Negafa"
        ),
        description=Text(
            "متخصصة في اللبسة الفاسية والقفطان المخزني، بحلي ذهبية أصيلة.",
            "Spécialiste de la lebsa fassia et du caftan makhzni, avec de véritables bijoux"
            " anciens en or.",
            "Specialist in the lebsa fassia and the makhzni caftan, with genuine antique gold"
            " jewellery.",
        ),
        cities=("fes", "meknes"),
        languages=("ar", "fr"),
        hours="weekend",
        services=(
            ServiceSpec(
                "negafa",
                Text("اللبسة الفاسية", "Lebsa fassia", "Lebsa fassia"),
                Text(
                    "خمسة أزياء فاسية، التاج والحلي، مع مساعدتين.",
                    "Cinq tenues fassies, couronne et bijoux, avec deux assistantes.",
                    "Five Fassi outfits, crown and jewellery, with two assistants.",
                ),
                FIXED,
                12_000,
                deposit_bp=4000,
                capacity=2,
                notice_hours=168,
            ),
        ),
    ),
    ProviderSpec(
        slug="negafa-zineb-marrakech",
        owner="Zineb Lamrani",
        locale="fr",
        name=Text("النكافة زينب", "Négafa Zineb Marrakech", "Zineb Negafa Marrakech"),
        description=Text(
            "أزياء العروس والحناء في مراكش وأكادير، بأسلوب يجمع بين التقليد والعصرية.",
            "Tenues de mariée et henné à Marrakech et Agadir, entre tradition et modernité.",
            "Bridal outfits and henna in Marrakech and Agadir, between tradition and modern style.",
        ),
        cities=("marrakech", "agadir"),
        languages=("ar", "fr", "en"),
        hours="weekend",
        services=(
            ServiceSpec(
                "negafa",
                Text(
                    "باقة العروس - 5 أزياء",
                    "Forfait mariée – 5 tenues",
                    "Bridal package – 5 outfits",
                ),
                Text(
                    "خمسة أزياء، الحلي، والعمارية للدخول.",
                    "Cinq tenues, bijoux et amaria pour l'entrée.",
                    "Five outfits, jewellery and the amaria for the entrance.",
                ),
                FIXED,
                9_000,
                deposit_bp=3500,
                capacity=2,
                notice_hours=168,
            ),
            ServiceSpec(
                "negafa",
                Text("ليلة الحناء", "Soirée henné", "Henna night"),
                Text(
                    "نقاشة، زي الحناء وتزيين طبق الحناء.",
                    "Nekacha, tenue de henné et décoration du plateau.",
                    "A henna artist, the henna outfit and a decorated henna tray.",
                ),
                FIXED,
                5_000,
                events=("henna",),
                deposit_bp=3000,
                capacity=2,
                notice_hours=72,
            ),
        ),
    ),
    ProviderSpec(
        slug="negafa-chamalia-tanger",
        owner="Fatima Zohra Akhrif",
        locale="ar",
        name=Text("النكافة الشمالية", "Négafa Chamalia", "Chamalia Negafa"),
        description=Text(
            "أزياء الشمال الأصيلة: الشدة الطنجاوية، الجلطيطة والكسوة التطوانية.",
            "Les tenues authentiques du nord : chedda tangéroise, jeltita et kesoua tétouanaise.",
            "Authentic northern outfits: the Tangier chedda, the jeltita and the Tetouan kesoua.",
        ),
        cities=("tanger", "tetouan"),
        languages=("ar",),
        hours="weekend",
        services=(
            ServiceSpec(
                "negafa",
                Text("أزياء الشمال", "Tenues du nord", "Northern bridal outfits"),
                Text(
                    "ستة أزياء مع الحلي والتاج والعمارية.",
                    "Six tenues avec bijoux, couronne et amaria.",
                    "Six outfits with jewellery, crown and amaria.",
                ),
                FIXED,
                11_000,
                deposit_bp=3000,
                capacity=1,
                notice_hours=168,
            ),
        ),
    ),
    ProviderSpec(
        slug="lalla-kenza-negafa-rabat",
        owner="Kenza Benkirane",
        locale="fr",
        name=Text("لالة كنزة نكافة", "Lalla Kenza Négafa", "Lalla Kenza Negafa"),
        description=Text(
            "نكافة شابة في الرباط والقنيطرة، أسعار مناسبة وقفاطين عصرية.",
            "Jeune négafa à Rabat et Kénitra, prix doux et caftans modernes.",
            "A young negafa in Rabat and Kenitra with fair prices and modern caftans.",
        ),
        cities=("rabat", "kenitra"),
        languages=("ar", "fr"),
        hours="weekend",
        services=(
            ServiceSpec(
                "negafa",
                Text(
                    "باقة العروس - 4 أزياء",
                    "Forfait mariée – 4 tenues",
                    "Bridal package – 4 outfits",
                ),
                Text(
                    "أربعة أزياء والحلي والتجميل.",
                    "Quatre tenues, bijoux et maquillage.",
                    "Four outfits, jewellery and make-up.",
                ),
                FIXED,
                7_000,
                deposit_bp=3000,
                capacity=2,
                notice_hours=96,
            ),
            ServiceSpec(
                "negafa",
                Text("باقة الخطوبة", "Forfait fiançailles", "Engagement package"),
                Text(
                    "زيان للخطوبة مع التجميل وتسريحة الشعر.",
                    "Deux tenues de fiançailles, maquillage et coiffure.",
                    "Two engagement outfits, make-up and hair.",
                ),
                FIXED,
                5_000,
                events=("engagement",),
                deposit_bp=3000,
                capacity=2,
                notice_hours=72,
            ),
        ),
    ),
)
