"""Demo caterers."""

from __future__ import annotations

from core.demo.model import PER_GUEST, ProviderSpec, ServiceSpec, Text, tiers

CATERER_POLICY = tiers((14, 10_000), (3, 5_000), (0, 0))

CATERERS: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        slug="traiteur-al-baraka",
        owner="Abderrahim Naciri",
        locale="fr",
        name=Text("ممون البركة", "Traiteur Al Baraka", "Al Baraka Catering"),
        description=Text(
            "ممون حفلات منذ ثلاثين سنة: بسطيلة، مشوي وطواجن كما في الدار، مع طاقم خدمة"
            " بالزي التقليدي.",
            "Traiteur depuis trente ans : pastilla, méchoui et tajines comme à la maison,"
            " servis par une équipe en tenue traditionnelle.",
            "Caterers for thirty years: pastilla, mechoui and tagines just like home, served by"
            " staff in traditional dress.",
        ),
        cities=("casablanca", "rabat", "el_jadida"),
        languages=("ar", "fr"),
        hours="daily",
        photos=3,
        policy=CATERER_POLICY,
        services=(
            ServiceSpec(
                "caterer",
                Text(
                    "قائمة العرس التقليدية", "Menu mariage traditionnel", "Traditional wedding menu"
                ),
                Text(
                    "بسطيلة الدجاج، مشوي، طاجين اللحم بالبرقوق، فواكه وحلويات مع الشاي.",
                    "Pastilla au poulet, méchoui, tajine de viande aux pruneaux, fruits,"
                    " gâteaux et thé.",
                    "Chicken pastilla, mechoui, beef tagine with prunes, fruit, pastries and tea.",
                ),
                PER_GUEST,
                350,
                deposit_bp=4000,
                capacity=3,
                notice_hours=168,
                min_guests=80,
                max_guests=1000,
            ),
            ServiceSpec(
                "caterer",
                Text("قائمة بريستيج", "Menu prestige", "Prestige menu"),
                Text(
                    "بسطيلة السمك، مشوي كامل، دجاج محمر، بوفيه حلويات وعصائر طازجة.",
                    "Pastilla aux fruits de mer, méchoui entier, poulet m'hammer, buffet de"
                    " desserts et jus frais.",
                    "Seafood pastilla, whole mechoui, m'hammer chicken, dessert buffet and fresh"
                    " juices.",
                ),
                PER_GUEST,
                550,
                deposit_bp=4000,
                capacity=2,
                notice_hours=168,
                min_guests=100,
                max_guests=800,
            ),
        ),
    ),
    ProviderSpec(
        slug="dar-diafa-fes",
        owner="Lalla Fatima Berrada",
        locale="ar",
        name=Text("دار الضيافة للتموين", "Dar Diafa Traiteur", "Dar Diafa Catering"),
        description=Text(
            "المطبخ الفاسي الأصيل: الكسكس بالتفاية، البسطيلة والمروزية، بوصفات عائلية متوارثة.",
            "La cuisine fassie authentique : couscous tfaya, pastilla et mrouzia, selon des"
            " recettes de famille.",
            "Authentic Fassi cooking: couscous tfaya, pastilla and mrouzia, from family recipes.",
        ),
        cities=("fes", "meknes"),
        languages=("ar", "fr"),
        hours="daily",
        services=(
            ServiceSpec(
                "caterer",
                Text("القائمة الفاسية", "Menu fassi", "Fassi menu"),
                Text(
                    "بسطيلة، مروزية، كسكس بالتفاية، فواكه موسمية وحلويات فاسية.",
                    "Pastilla, mrouzia, couscous tfaya, fruits de saison et gâteaux fassis.",
                    "Pastilla, mrouzia, couscous tfaya, seasonal fruit and Fassi pastries.",
                ),
                PER_GUEST,
                420,
                deposit_bp=3000,
                capacity=2,
                notice_hours=168,
                min_guests=60,
                max_guests=700,
            ),
            ServiceSpec(
                "caterer",
                Text("بوفيه العقيقة", "Buffet aqiqa", "Aqiqa buffet"),
                Text(
                    "غداء العقيقة: لحم بالبرقوق، سلطات مغربية، شاي وحلويات.",
                    "Déjeuner d'aqiqa : viande aux pruneaux, salades marocaines, thé et gâteaux.",
                    "Aqiqa lunch: beef with prunes, Moroccan salads, tea and pastries.",
                ),
                PER_GUEST,
                260,
                events=("aqiqa",),
                deposit_bp=3000,
                capacity=3,
                notice_hours=96,
                min_guests=30,
                max_guests=300,
            ),
        ),
    ),
    ProviderSpec(
        slug="traiteur-el-hamra",
        owner="Mustapha Chakir",
        locale="fr",
        name=Text("ممون الحمراء", "Traiteur El Hamra", "El Hamra Catering"),
        description=Text(
            "نكهات مراكش في حفلكم: الطنجية المراكشية، المشوي في الفرن التقليدي وخدمة الشاي"
            " على الطريقة الأصيلة.",
            "Les saveurs de Marrakech à votre fête : tanjia marrakchia, méchoui au four"
            " traditionnel et cérémonie du thé.",
            "The flavours of Marrakech at your party: tanjia marrakchia, mechoui from the"
            " traditional oven and a proper tea ceremony.",
        ),
        cities=("marrakech",),
        languages=("ar", "fr", "en"),
        hours="daily",
        policy=CATERER_POLICY,
        services=(
            ServiceSpec(
                "caterer",
                Text("القائمة المراكشية", "Menu marrakchi", "Marrakchi menu"),
                Text(
                    "طنجية، مشوي، سلطات، كسكس وفواكه، مع طاقم الخدمة.",
                    "Tanjia, méchoui, salades, couscous et fruits, service compris.",
                    "Tanjia, mechoui, salads, couscous and fruit, waiting staff included.",
                ),
                PER_GUEST,
                480,
                deposit_bp=4000,
                capacity=2,
                notice_hours=168,
                min_guests=50,
                max_guests=600,
            ),
        ),
    ),
    ProviderSpec(
        slug="souss-gourmet",
        owner="Said Idrissi",
        locale="fr",
        name=Text("سوس غورمي", "Souss Gourmet", "Souss Gourmet"),
        description=Text(
            "أسماك طازجة من ميناء أكادير وأطباق سوسية بزيت الأركان، للأعراس وحفلات الشركات.",
            "Poisson frais du port d'Agadir et plats du Souss à l'huile d'argan, pour mariages"
            " et événements d'entreprise.",
            "Fresh fish from Agadir harbour and Souss dishes with argan oil, for weddings and"
            " corporate events.",
        ),
        cities=("agadir",),
        languages=("ar", "fr", "en"),
        hours="daily",
        services=(
            ServiceSpec(
                "caterer",
                Text(
                    "قائمة الأسماك والمأكولات البحرية",
                    "Menu poisson et fruits de mer",
                    "Fish and seafood menu",
                ),
                Text(
                    "بسطيلة السمك، طاجين الحوت، مشويات بحرية وأملو مع الفطائر.",
                    "Pastilla de poisson, tajine de poisson, grillades de la mer et amlou avec"
                    " msemen.",
                    "Fish pastilla, fish tagine, grilled seafood and amlou with msemen.",
                ),
                PER_GUEST,
                450,
                deposit_bp=3500,
                capacity=2,
                notice_hours=120,
                min_guests=50,
                max_guests=500,
            ),
            ServiceSpec(
                "caterer",
                Text("بوفيه الشركات", "Buffet d'entreprise", "Corporate buffet"),
                Text(
                    "بوفيه غداء أو استقبال لفرق العمل والمؤتمرات.",
                    "Buffet déjeuner ou cocktail pour séminaires et équipes.",
                    "Lunch buffet or cocktail reception for seminars and teams.",
                ),
                PER_GUEST,
                250,
                events=("corporate", "graduation"),
                deposit_bp=3000,
                capacity=3,
                notice_hours=72,
                min_guests=20,
                max_guests=400,
            ),
        ),
    ),
    ProviderSpec(
        slug="saveurs-du-nord",
        owner="Hamid Ouriaghli",
        locale="ar",
        name=Text("ممون نكهات الشمال", "Traiteur Les Saveurs du Nord", "Flavours of the North"),
        description=Text(
            "مطبخ طنجاوي وتطواني: البسطيلة بالحوت، الحريرة والحلويات الشمالية، في طنجة وتطوان.",
            "Cuisine tangéroise et tétouanaise : pastilla au poisson, harira et douceurs du"
            " nord, à Tanger et Tétouan.",
            "Tangier and Tetouan cooking: fish pastilla, harira and northern sweets, in Tangier"
            " and Tetouan.",
        ),
        cities=("tanger", "tetouan"),
        languages=("ar", "fr"),
        hours="daily",
        services=(
            ServiceSpec(
                "caterer",
                Text("قائمة العرس الشمالي", "Menu mariage du nord", "Northern wedding menu"),
                Text(
                    "بسطيلة بالحوت، لحم بالبرقوق واللوز، فواكه وحلويات تطوانية.",
                    "Pastilla au poisson, viande aux pruneaux et amandes, fruits et gâteaux"
                    " tétouanais.",
                    "Fish pastilla, beef with prunes and almonds, fruit and Tetouan pastries.",
                ),
                PER_GUEST,
                390,
                deposit_bp=3000,
                capacity=2,
                notice_hours=168,
                min_guests=60,
                max_guests=600,
            ),
        ),
    ),
    ProviderSpec(
        slug="traiteur-nakhil-rabat",
        owner="Aziz Filali",
        locale="fr",
        status="pending",
        name=Text("ممون النخيل", "Traiteur Nakhil", "Nakhil Catering"),
        description=Text(
            "ملفنا قيد المراجعة: ممون حفلات في الرباط وسلا.",
            "Profil en cours de validation : traiteur à Rabat et Salé.",
            "Profile under review: caterer in Rabat and Sale.",
        ),
        cities=("rabat",),
        languages=("ar", "fr"),
        hours="daily",
        photos=1,
        services=(
            ServiceSpec(
                "caterer",
                Text("قائمة العرس", "Menu mariage", "Wedding menu"),
                Text(
                    "بسطيلة، مشوي وفواكه.",
                    "Pastilla, méchoui et fruits.",
                    "Pastilla, mechoui and fruit.",
                ),
                PER_GUEST,
                300,
                min_guests=50,
                max_guests=400,
            ),
        ),
    ),
)
