"""Demo photographers (one also films)."""

from __future__ import annotations

from core.demo.model import FIXED, PER_HOUR, ProviderSpec, ServiceSpec, Text, tiers

WEDDING_PHOTO = Text(
    "تغطية العرس - يوم كامل", "Reportage mariage – journée complète", "Wedding coverage – full day"
)
WEDDING_FILM = Text(
    "فيلم العرس - يوم كامل", "Film de mariage – journée complète", "Wedding film – full day"
)

PHOTO: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        slug="studio-nour-rabat",
        owner="Nour-Eddine Bennani",
        locale="fr",
        name=Text("ستوديو نور الرباط", "Studio Nour Rabat", "Studio Nour Rabat"),
        description=Text(
            "مصور أعراس في الرباط منذ 2012. تغطية هادئة وطبيعية من تحضيرات العروس إلى آخر"
            " رقصة، مع ألبوم مطبوع ومعرض صور على الإنترنت.",
            "Photographe de mariage à Rabat depuis 2012. Un reportage discret et naturel, de la"
            " préparation de la mariée jusqu'à la dernière danse. Album imprimé et galerie en"
            " ligne inclus.",
            "Wedding photographer in Rabat since 2012. Discreet, natural coverage from the"
            " bride's preparation to the last dance. Printed album and online gallery included.",
        ),
        cities=("rabat", "kenitra", "casablanca"),
        languages=("ar", "fr"),
        hours="studio",
        services=(
            ServiceSpec(
                "photographer",
                WEDDING_PHOTO,
                Text(
                    "مصوران اثنان، أكثر من 600 صورة معدلة وألبوم 30×30 من 40 صفحة.",
                    "Deux photographes, plus de 600 photos retouchées et un album 30x30 de"
                    " 40 pages.",
                    "Two photographers, 600+ edited photos and a 40-page 30x30 album.",
                ),
                FIXED,
                9_500,
                deposit_bp=3000,
                notice_hours=72,
            ),
            ServiceSpec(
                "photographer",
                Text("جلسة تصوير الخطوبة", "Séance photo fiançailles", "Engagement photo shoot"),
                Text(
                    "في الهواء الطلق بالأوداية أو حديقة التجارب، مع 80 صورة معدلة.",
                    "En extérieur aux Oudayas ou au Jardin d'Essais, 80 photos retouchées.",
                    "Outdoors at the Oudayas or the Jardin d'Essais, 80 edited photos.",
                ),
                PER_HOUR,
                700,
                events=("engagement",),
                duration_minutes=120,
                buffer_minutes=60,
                notice_hours=48,
            ),
        ),
    ),
    ProviderSpec(
        slug="lumiere-atlas-marrakech",
        owner="Youssef Amrani",
        locale="en",
        name=Text("ضوء الأطلس للتصوير", "Lumière Atlas Photographie", "Lumière Atlas Photography"),
        description=Text(
            "نصور الأعراس في الرياضات والقصبات بين مراكش وأكادير. أسلوب فني بضوء طبيعي،"
            " ونرافق الأزواج القادمين من الخارج بالإنجليزية والفرنسية.",
            "Mariages en riad, en kasbah ou face à l'océan, entre Marrakech et Agadir. Une"
            " photo lumineuse et élégante ; nous accompagnons volontiers les couples venus de"
            " l'étranger.",
            "Weddings in riads, kasbahs and by the ocean, between Marrakech and Agadir. Bright,"
            " elegant photography; we gladly look after couples travelling from abroad.",
        ),
        cities=("marrakech", "agadir"),
        languages=("ar", "fr", "en"),
        hours="daily",
        policy=tiers((60, 10_000), (21, 5_000), (0, 0)),
        services=(
            ServiceSpec(
                "photographer",
                Text(
                    "عرس في وجهة سياحية - يوم كامل",
                    "Mariage destination – journée complète",
                    "Destination wedding – full day",
                ),
                Text(
                    "تغطية كاملة من الصباح إلى منتصف الليل، 800 صورة وصندوق مطبوعات فاخر.",
                    "Couverture du matin à minuit, 800 photos et un coffret de tirages d'art.",
                    "Coverage from morning to midnight, 800 photos and a fine-art print box.",
                ),
                FIXED,
                14_000,
                deposit_bp=4000,
                notice_hours=168,
            ),
            ServiceSpec(
                "photographer",
                Text("تصوير ليلة الحناء", "Reportage soirée henné", "Henna night coverage"),
                Text(
                    "ثلاث ساعات لالتقاط النقش والأزياء والأجواء العائلية.",
                    "Trois heures pour la nekcha, les tenues et l'ambiance en famille.",
                    "Three hours for the henna art, the outfits and the family mood.",
                ),
                PER_HOUR,
                900,
                events=("henna",),
                duration_minutes=180,
                buffer_minutes=60,
            ),
        ),
    ),
    ProviderSpec(
        slug="studio-el-bahja-casablanca",
        owner="Hassan Ouazzani",
        locale="ar",
        name=Text("ستوديو البهجة", "Studio El Bahja", "Studio El Bahja"),
        description=Text(
            "استوديو عائلي في الدار البيضاء منذ 1998: صور وفيديو للأعراس والعقيقة والخطوبة،"
            " بفريق يعرف تقاليد الأعراس المغربية.",
            "Studio familial à Casablanca depuis 1998 : photo et vidéo pour mariages, aqiqa et"
            " fiançailles, par une équipe qui connaît les traditions marocaines.",
            "A family studio in Casablanca since 1998: photo and video for weddings, aqiqa and"
            " engagements, by a team that knows Moroccan traditions.",
        ),
        cities=("casablanca", "el_jadida"),
        languages=("ar", "fr"),
        hours="daily",
        services=(
            ServiceSpec(
                "photographer",
                WEDDING_PHOTO,
                Text(
                    "مصور واحد، 400 صورة معدلة وألبوم تقليدي.",
                    "Un photographe, 400 photos retouchées et un album classique.",
                    "One photographer, 400 edited photos and a classic album.",
                ),
                FIXED,
                7_500,
                deposit_bp=3000,
                capacity=2,
            ),
            ServiceSpec(
                "videographer",
                WEDDING_FILM,
                Text(
                    "تصوير بكاميرتين وفيلم مونتاج من ساعة ونصف على مفتاح USB.",
                    "Tournage à deux caméras, film monté d'une heure trente sur clé USB.",
                    "Two-camera filming, a 90-minute edited film on a USB key.",
                ),
                FIXED,
                9_000,
                deposit_bp=3000,
            ),
        ),
    ),
    ProviderSpec(
        slug="memoires-de-fes",
        owner="Abdelilah Tazi",
        locale="fr",
        name=Text("ذكريات فاس", "Mémoires de Fès", "Memories of Fez"),
        description=Text(
            "نوثق الأعراس الفاسية بكل تفاصيلها: العمارية، اللبسة الفاسية والمائدة. نعمل في"
            " فاس ومكناس.",
            "Nous racontons les mariages fassis dans tous leurs détails : amaria, lebsa fassia"
            " et grande table. Fès et Meknès.",
            "We tell the story of Fassi weddings in every detail: the amaria, the lebsa fassia"
            " and the feast. Fez and Meknes.",
        ),
        cities=("fes", "meknes"),
        languages=("ar", "fr"),
        hours="studio",
        services=(
            ServiceSpec(
                "photographer",
                WEDDING_PHOTO,
                Text(
                    "500 صورة معدلة، ألبوم جلدي وصورتان مكبرتان للإطار.",
                    "500 photos retouchées, album en cuir et deux agrandissements à encadrer.",
                    "500 edited photos, a leather album and two framed enlargements.",
                ),
                FIXED,
                6_000,
                deposit_bp=2500,
                notice_hours=96,
            ),
            ServiceSpec(
                "photographer",
                Text(
                    "صور العائلة في المنزل", "Photos de famille à domicile", "Family photos at home"
                ),
                Text(
                    "للعقيقة أو عيد الميلاد: ساعتان في بيتكم مع 60 صورة معدلة.",
                    "Pour une aqiqa ou un anniversaire : deux heures chez vous, 60 photos"
                    " retouchées.",
                    "For an aqiqa or a birthday: two hours at your home, 60 edited photos.",
                ),
                PER_HOUR,
                500,
                events=("aqiqa", "birthday"),
                duration_minutes=120,
                buffer_minutes=30,
                notice_hours=24,
            ),
        ),
    ),
    ProviderSpec(
        slug="tanja-lens-studio",
        owner="Mehdi Bakkali",
        locale="fr",
        name=Text("ستوديو طنجة لنز", "Tanja Lens Studio", "Tanja Lens Studio"),
        description=Text(
            "مصورون شباب بين طنجة وتطوان، نحب الضوء على المضيق والصور العفوية.",
            "Jeunes photographes entre Tanger et Tétouan, amoureux de la lumière du détroit et"
            " des images spontanées.",
            "Young photographers between Tangier and Tetouan who love the light over the"
            " strait and candid pictures.",
        ),
        cities=("tanger", "tetouan"),
        languages=("ar", "fr", "en"),
        hours="daily",
        services=(
            ServiceSpec(
                "photographer",
                WEDDING_PHOTO,
                Text(
                    "مصوران، 600 صورة وجلسة للعروسين عند الغروب في رأس سبارطيل.",
                    "Deux photographes, 600 photos et une séance couple au coucher du soleil au"
                    " cap Spartel.",
                    "Two photographers, 600 photos and a sunset couple session at Cape Spartel.",
                ),
                FIXED,
                8_000,
                deposit_bp=3000,
            ),
        ),
    ),
    ProviderSpec(
        slug="studio-zine-agadir",
        owner="Brahim Ait Lahcen",
        locale="ar",
        status="pending",
        name=Text("ستوديو زين أكادير", "Studio Zine Agadir", "Studio Zine Agadir"),
        description=Text(
            "ملفنا قيد المراجعة: تصوير الأعراس والحفلات في أكادير وإنزكان.",
            "Profil en cours de validation : photos de mariages et de fêtes à Agadir et Inezgane.",
            "Profile under review: wedding and party photography in Agadir and Inezgane.",
        ),
        cities=("agadir",),
        languages=("ar", "fr"),
        hours="daily",
        photos=1,
        services=(
            ServiceSpec(
                "photographer",
                WEDDING_PHOTO,
                Text(
                    "مصور واحد و350 صورة معدلة.",
                    "Un photographe et 350 photos retouchées.",
                    "One photographer and 350 edited photos.",
                ),
                FIXED,
                5_500,
            ),
        ),
    ),
)
