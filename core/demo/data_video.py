"""Demo videographers."""

from __future__ import annotations

from core.demo.data_photo import WEDDING_FILM
from core.demo.model import FIXED, PER_HOUR, ProviderSpec, ServiceSpec, Text, tiers

VIDEO: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        slug="atlas-films",
        owner="Karim Sefrioui",
        locale="fr",
        name=Text("أطلس فيلمز", "Atlas Films", "Atlas Films"),
        description=Text(
            "أفلام أعراس بروح سينمائية: كاميرات احترافية، صوت نقي ولقطات جوية. فريقان يعملان"
            " في الدار البيضاء والرباط ومراكش.",
            "Des films de mariage à l'esprit cinéma : caméras plein format, son soigné et prises"
            " de vue aériennes. Deux équipes à Casablanca, Rabat et Marrakech.",
            "Wedding films with a cinematic feel: full-frame cameras, clean sound and aerial"
            " shots. Two crews covering Casablanca, Rabat and Marrakech.",
        ),
        cities=("casablanca", "rabat", "marrakech"),
        languages=("ar", "fr", "en"),
        hours="daily",
        photos=3,
        policy=tiers((45, 10_000), (14, 4_000), (0, 0)),
        services=(
            ServiceSpec(
                "videographer",
                Text("فيلم عرس سينمائي", "Film de mariage cinéma", "Cinematic wedding film"),
                Text(
                    "يوم كامل بمصورين اثنين وطائرة درون، فيلم من 20 دقيقة وإعلان من 3 دقائق.",
                    "Journée complète à deux cadreurs avec drone, film de 20 minutes et teaser"
                    " de 3 minutes.",
                    "A full day with two camera operators and a drone, a 20-minute film and a"
                    " 3-minute teaser.",
                ),
                FIXED,
                15_000,
                deposit_bp=4000,
                capacity=2,
                notice_hours=168,
            ),
            ServiceSpec(
                "videographer",
                Text("إعلان قصير للعرس", "Teaser mariage", "Wedding teaser"),
                Text(
                    "فيديو من 3 دقائق جاهز للنشر على إنستغرام خلال أسبوع.",
                    "Un clip de 3 minutes prêt pour Instagram en une semaine.",
                    "A 3-minute clip ready for Instagram within a week.",
                ),
                FIXED,
                6_000,
                deposit_bp=3000,
                capacity=2,
            ),
        ),
    ),
    ProviderSpec(
        slug="cine-farah-fes",
        owner="Rachid Lahlou",
        locale="ar",
        name=Text("سيني فرح", "Ciné Farah", "Cine Farah"),
        description=Text(
            "تصوير فيديو للأعراس والخطوبة في فاس ومكناس، مع مونتاج على إيقاع الطرب الأندلسي.",
            "Vidéo de mariages et de fiançailles à Fès et Meknès, montée au rythme de la"
            " musique andalouse.",
            "Wedding and engagement videos in Fez and Meknes, edited to Andalusian music.",
        ),
        cities=("fes", "meknes"),
        languages=("ar", "fr"),
        hours="studio",
        services=(
            ServiceSpec(
                "videographer",
                WEDDING_FILM,
                Text(
                    "كاميرتان، فيلم كامل ونسخة قصيرة من 5 دقائق.",
                    "Deux caméras, film intégral et version courte de 5 minutes.",
                    "Two cameras, the full film and a 5-minute short cut.",
                ),
                FIXED,
                8_000,
                deposit_bp=3000,
            ),
            ServiceSpec(
                "videographer",
                Text("كليب الخطوبة", "Clip de fiançailles", "Engagement clip"),
                Text(
                    "ساعتان من التصوير وكليب من دقيقتين.",
                    "Deux heures de tournage et un clip de deux minutes.",
                    "Two hours of filming and a two-minute clip.",
                ),
                PER_HOUR,
                1_000,
                events=("engagement",),
                duration_minutes=120,
                buffer_minutes=60,
            ),
        ),
    ),
    ProviderSpec(
        slug="souss-drone-vision",
        owner="Lahcen Oubella",
        locale="fr",
        name=Text("سوس درون فيجن", "Souss Drone Vision", "Souss Drone Vision"),
        description=Text(
            "لقطات جوية مرخصة وأفلام أعراس بين أكادير ومراكش، من الشاطئ إلى جبال الأطلس.",
            "Prises de vue aériennes autorisées et films de mariage entre Agadir et Marrakech,"
            " de la plage à l'Atlas.",
            "Licensed aerial footage and wedding films between Agadir and Marrakech, from the"
            " beach to the Atlas.",
        ),
        cities=("agadir", "marrakech"),
        languages=("ar", "fr", "en"),
        hours="daily",
        services=(
            ServiceSpec(
                "videographer",
                WEDDING_FILM,
                Text(
                    "فريق من ثلاثة أشخاص مع درون، فيلم من 15 دقيقة.",
                    "Équipe de trois avec drone, film de 15 minutes.",
                    "A crew of three with a drone, a 15-minute film.",
                ),
                FIXED,
                10_000,
                deposit_bp=3500,
                notice_hours=120,
            ),
            ServiceSpec(
                "videographer",
                Text("تصوير جوي بالدرون", "Vidéo aérienne par drone", "Drone aerial video"),
                Text(
                    "ساعتان من التحليق فوق مكان الحفل مع اللقطات الخام والمعدلة.",
                    "Deux heures de vol au-dessus du lieu, rushes et séquences montées.",
                    "Two hours of flying over the venue, raw and edited footage.",
                ),
                PER_HOUR,
                1_200,
                duration_minutes=120,
                buffer_minutes=90,
            ),
        ),
    ),
    ProviderSpec(
        slug="detroit-video-tanger",
        owner="Anas Temsamani",
        locale="ar",
        name=Text("ديترو للإنتاج المرئي", "Détroit Vidéo Production", "Detroit Video Production"),
        description=Text(
            "إنتاج فيديو للأعراس والحفلات في طنجة وتطوان، مع عرض مباشر على شاشة في القاعة.",
            "Vidéo de mariages et de soirées à Tanger et Tétouan, avec projection en direct"
            " sur écran dans la salle.",
            "Wedding and party video in Tangier and Tetouan, with a live feed on a screen in"
            " the hall.",
        ),
        cities=("tanger", "tetouan"),
        languages=("ar", "fr"),
        hours="daily",
        services=(
            ServiceSpec(
                "videographer",
                WEDDING_FILM,
                Text(
                    "ثلاث كاميرات وعرض مباشر وفيلم مونتاج في أسبوعين.",
                    "Trois caméras, diffusion en direct et film monté en deux semaines.",
                    "Three cameras, a live feed and an edited film within two weeks.",
                ),
                FIXED,
                9_000,
                deposit_bp=3000,
            ),
        ),
    ),
)
