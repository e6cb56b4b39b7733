"""Demo pastry shops."""

from __future__ import annotations

from core.demo.model import FIXED, PER_GUEST, ProviderSpec, ServiceSpec, Text

PASTRY: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        slug="patisserie-lalla-mina",
        owner="Mina Skalli",
        locale="fr",
        name=Text("حلويات لالة مينة", "Pâtisserie Lalla Mina", "Lalla Mina Pastries"),
        description=Text(
            "كعب الغزال، الغريبة والبريوات تحضر يوم الحفل، وحلويات العرس المزينة حسب ذوقكم.",
            "Cornes de gazelle, ghriba et briouates préparées le jour même, et pièces montées"
            " décorées selon vos goûts.",
            "Gazelle horns, ghriba and briouats made on the day, and wedding cakes decorated"
            " to your taste.",
        ),
        cities=("rabat", "casablanca"),
        languages=("ar", "fr"),
        hours="shop",
        services=(
            ServiceSpec(
                "pastry",
                Text(
                    "صواني الحلويات المغربية",
                    "Plateaux de gâteaux marocains",
                    "Moroccan pastry platters",
                ),
                Text(
                    "تشكيلة من عشرة أنواع، حوالي ثماني قطع لكل ضيف.",
                    "Un assortiment de dix variétés, environ huit pièces par invité.",
                    "An assortment of ten kinds, about eight pieces per guest.",
                ),
                PER_GUEST,
                35,
                deposit_bp=5000,
                capacity=4,
                notice_hours=96,
                min_guests=50,
                max_guests=800,
            ),
            ServiceSpec(
                "pastry",
                Text("كعكة العرس", "Pièce montée mariage", "Wedding cake"),
                Text(
                    "كعكة من ثلاثة أو أربعة طوابق لـ 150 ضيفا، مع التوصيل والتركيب.",
                    "Pièce montée de trois ou quatre étages pour 150 invités, livraison et"
                    " montage inclus.",
                    "A three- or four-tier cake for 150 guests, delivered and set up.",
                ),
                FIXED,
                2_800,
                deposit_bp=5000,
                capacity=3,
                notice_hours=120,
            ),
        ),
    ),
    ProviderSpec(
        slug="halawiyat-dar-fassia",
        owner="Rkia Bennis",
        locale="ar",
        name=Text("حلويات دار فاسية", "Halawiyat Dar Fassia", "Dar Fassia Sweets"),
        description=Text(
            "حلويات فاسية تقليدية بالعسل واللوز، تحضر يدويا في المدينة القديمة.",
            "Gâteaux fassis traditionnels au miel et aux amandes, faits main dans la médina.",
            "Traditional Fassi sweets with honey and almonds, handmade in the medina.",
        ),
        cities=("fes",),
        languages=("ar",),
        hours="shop",
        services=(
            ServiceSpec(
                "pastry",
                Text("حلويات الأعراس", "Gâteaux de mariage fassis", "Fassi wedding sweets"),
                Text(
                    "كعب الغزال، الشباكية، الفقاص والمحنشة، مقدمة في صواني نحاسية.",
                    "Cornes de gazelle, chebakia, fekkas et m'hencha, présentés sur plateaux"
                    " en cuivre.",
                    "Gazelle horns, chebakia, fekkas and m'hencha, served on copper trays.",
                ),
                PER_GUEST,
                28,
                deposit_bp=5000,
                capacity=5,
                notice_hours=72,
                min_guests=40,
                max_guests=1000,
            ),
        ),
    ),
    ProviderSpec(
        slug="sucre-d-or-marrakech",
        owner="Salma Kettani",
        locale="en",
        name=Text("السكر الذهبي", "Sucre d'Or", "Sucre d'Or Cake Studio"),
        description=Text(
            "كعكات عصرية وموائد حلويات بلمسة مغربية في مراكش وأكادير.",
            "Wedding cakes modernes et tables sucrées à la touche marocaine, à Marrakech et"
            " Agadir.",
            "Modern wedding cakes and dessert tables with a Moroccan twist, in Marrakech and"
            " Agadir.",
        ),
        cities=("marrakech", "agadir"),
        languages=("ar", "fr", "en"),
        hours="shop",
        services=(
            ServiceSpec(
                "pastry",
                Text(
                    "كعكة ومائدة حلويات",
                    "Wedding cake et table sucrée",
                    "Wedding cake and dessert table",
                ),
                Text(
                    "كعكة طبقات، ماكرون، تارتات صغيرة وحلويات مغربية مصغرة.",
                    "Wedding cake, macarons, mini-tartelettes et douceurs marocaines en bouchées.",
                    "A tiered cake, macarons, mini tarts and bite-size Moroccan sweets.",
                ),
                PER_GUEST,
                55,
                deposit_bp=4000,
                capacity=3,
                notice_hours=120,
                min_guests=50,
                max_guests=500,
            ),
            ServiceSpec(
                "pastry",
                Text("كعكة عيد الميلاد", "Gâteau d'anniversaire", "Birthday cake"),
                Text(
                    "كعكة مزينة لـ 20 شخصا، نكهات حسب الاختيار.",
                    "Gâteau décoré pour 20 personnes, parfum au choix.",
                    "A decorated cake for 20, flavour of your choice.",
                ),
                FIXED,
                450,
                events=("birthday",),
                deposit_bp=2000,
                capacity=5,
                notice_hours=48,
            ),
        ),
    ),
    ProviderSpec(
        slug="douceurs-du-souss",
        owner="Fadma Ait Baha",
        locale="fr",
        name=Text("حلويات سوس", "Douceurs du Souss", "Souss Sweets"),
        description=Text(
            "أملو، سلو وحلويات أمازيغية بزيت الأركان والعسل الحر من سوس.",
            "Amlou, sellou et gâteaux amazighs à l'huile d'argan et au miel du Souss.",
            "Amlou, sellou and Amazigh pastries made with argan oil and Souss honey.",
        ),
        cities=("agadir",),
        languages=("ar", "fr"),
        hours="shop",
        services=(
            ServiceSpec(
                "pastry",
                Text("صواني الحلويات السوسية", "Plateaux douceurs du Souss", "Souss sweet trays"),
                Text(
                    "ست أنواع من الحلويات مع أملو وسلو للضيافة.",
                    "Six variétés de gâteaux avec amlou et sellou pour accueillir vos invités.",
                    "Six kinds of pastries with amlou and sellou to welcome your guests.",
                ),
                PER_GUEST,
                30,
                deposit_bp=3000,
                capacity=4,
                notice_hours=72,
                min_guests=30,
                max_guests=600,
            ),
        ),
    ),
)
