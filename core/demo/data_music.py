"""Demo DJs and bands: evening services booked by the hour, often past midnight."""

from __future__ import annotations

from core.demo.model import FIXED, PER_HOUR, ProviderSpec, ServiceSpec, Text

WEDDING_NIGHT = Text("سهرة العرس (5 ساعات)", "Soirée mariage (5 h)", "Wedding night (5 h)")

MUSIC: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        slug="dj-amine-events",
        owner="Amine Kabbaj",
        locale="fr",
        name=Text("دي جي أمين", "DJ Amine Events", "DJ Amine Events"),
        description=Text(
            "دي جي للأعراس والحفلات: شعبي، راي، أغاني خليجية وموسيقى عالمية، مع صوت وإضاءة"
            " احترافية.",
            "DJ mariages et soirées : chaâbi, raï, khaliji et hits internationaux, avec sono et"
            " lumières professionnelles.",
            "Wedding and party DJ: chaabi, rai, khaliji and international hits, with"
            " professional sound and lights.",
        ),
        cities=("casablanca", "rabat", "el_jadida"),
        languages=("ar", "fr", "en"),
        hours="nights",
        photos=2,
        services=(
            ServiceSpec(
                "dj",
                WEDDING_NIGHT,
                Text(
                    "خمس ساعات من الموسيقى، مكبرات صوت، إضاءة وميكروفون لاسلكي.",
                    "Cinq heures de musique, sono, jeux de lumière et micro sans fil.",
                    "Five hours of music, sound system, lighting and a wireless mic.",
                ),
                FIXED,
                6_500,
                duration_minutes=300,
                buffer_minutes=60,
                deposit_bp=3000,
                notice_hours=72,
            ),
            ServiceSpec(
                "dj",
                Text(
                    "عيد ميلاد أو حفلة خاصة",
                    "Anniversaire ou soirée privée",
                    "Birthday or private party",
                ),
                Text(
                    "أربع ساعات في البيت أو في قاعة صغيرة.",
                    "Quatre heures à domicile ou dans une petite salle.",
                    "Four hours at home or in a small venue.",
                ),
                PER_HOUR,
                900,
                events=("birthday", "graduation"),
                duration_minutes=240,
                buffer_minutes=60,
                deposit_bp=2000,
                notice_hours=48,
            ),
        ),
    ),
    ProviderSpec(
        slug="dj-hicham-mix",
        owner="Hicham Ouahbi",
        locale="en",
        name=Text("دي جي هشام ميكس", "DJ Hicham Mix", "DJ Hicham Mix"),
        description=Text(
            "من حفلات المسابح إلى سهرات الرياضات، أخلط الديب هاوس بالموسيقى المغربية في مراكش"
            " وأكادير.",
            "Des pool parties aux soirées en riad, je mélange deep house et musique marocaine"
            " à Marrakech et Agadir.",
            "From pool parties to riad nights, I blend deep house with Moroccan music in"
            " Marrakech and Agadir.",
        ),
        cities=("marrakech", "agadir"),
        languages=("ar", "fr", "en"),
        hours="nights",
        services=(
            ServiceSpec(
                "dj",
                WEDDING_NIGHT,
                Text(
                    "موسيقى من العشاء إلى آخر الليل، مع نظام صوت يناسب 400 ضيف.",
                    "De l'apéritif à la fin de la nuit, sono adaptée à 400 invités.",
                    "From dinner to the end of the night, sound for up to 400 guests.",
                ),
                FIXED,
                5_000,
                duration_minutes=300,
                buffer_minutes=60,
                deposit_bp=3000,
                notice_hours=96,
            ),
            ServiceSpec(
                "dj",
                Text("حفلة المسبح", "Pool party", "Pool party"),
                Text(
                    "ثلاث ساعات من الديب هاوس قرب المسبح.",
                    "Trois heures de deep house au bord de la piscine.",
                    "Three hours of deep house by the pool.",
                ),
                PER_HOUR,
                1_200,
                events=("birthday", "other"),
                duration_minutes=180,
                buffer_minutes=60,
                deposit_bp=3000,
                notice_hours=48,
            ),
        ),
    ),
    ProviderSpec(
        slug="dj-reda-fes",
        owner="Reda Guessous",
        locale="ar",
        name=Text("دي جي رضا فاس", "DJ Reda Fès", "DJ Reda Fez"),
        description=Text(
            "دي جي الأعراس في فاس ومكناس منذ 2015، نحترم برنامج العائلة من العمارية إلى الحلوى.",
            "DJ de mariages à Fès et Meknès depuis 2015, dans le respect du programme familial,"
            " de l'amaria au gâteau.",
            "Wedding DJ in Fez and Meknes since 2015, following the family's programme from"
            " the amaria to the cake.",
        ),
        cities=("fes", "meknes"),
        languages=("ar", "fr"),
        hours="nights",
        services=(
            ServiceSpec(
                "dj",
                WEDDING_NIGHT,
                Text(
                    "خمس ساعات، صوت وإضاءة ودخان ثقيل للرقصة الأولى.",
                    "Cinq heures, sono, lumières et fumée lourde pour la première danse.",
                    "Five hours, sound, lights and low fog for the first dance.",
                ),
                FIXED,
                4_000,
                duration_minutes=300,
                buffer_minutes=60,
                deposit_bp=2500,
                notice_hours=48,
            ),
        ),
    ),
    ProviderSpec(
        slug="sonic-events-tanger",
        owner="Ilyas Bouhlal",
        locale="fr",
        name=Text("سونيك إيفنتس طنجة", "Sonic Events Tanger", "Sonic Events Tangier"),
        description=Text(
            "صوت وإضاءة ودي جي للأعراس والحفلات في طنجة وتطوان، بمعدات حديثة وفريق تقني.",
            "Sono, lumière et DJ pour mariages et soirées à Tanger et Tétouan, matériel récent"
            " et équipe technique.",
            "Sound, lighting and DJ for weddings and parties in Tangier and Tetouan, with"
            " modern gear and a technical crew.",
        ),
        cities=("tanger", "tetouan"),
        languages=("ar", "fr", "en"),
        hours="nights",
        services=(
            ServiceSpec(
                "dj",
                Text("صوت وإضاءة للعرس", "Sono et lumières mariage", "Wedding sound and lights"),
                Text(
                    "دي جي، شاشة عملاقة وإضاءة ملونة لخمس ساعات.",
                    "DJ, écran géant et éclairage d'ambiance pendant cinq heures.",
                    "DJ, giant screen and mood lighting for five hours.",
                ),
                FIXED,
                7_500,
                duration_minutes=300,
                buffer_minutes=90,
                deposit_bp=3000,
                notice_hours=120,
            ),
            ServiceSpec(
                "dj",
                Text("سهرة بالساعة", "Soirée à l'heure", "Party by the hour"),
                Text(
                    "أربع ساعات لحفلات التخرج وأعياد الميلاد وحفلات الشركات.",
                    "Quatre heures pour remises de diplômes, anniversaires et soirées"
                    " d'entreprise.",
                    "Four hours for graduations, birthdays and company parties.",
                ),
                PER_HOUR,
                1_000,
                events=("graduation", "birthday", "corporate"),
                duration_minutes=240,
                buffer_minutes=60,
                deposit_bp=2500,
                notice_hours=48,
            ),
        ),
    ),
    ProviderSpec(
        slug="dj-yassine-souss",
        owner="Yassine Ait Ouarab",
        locale="ar",
        name=Text("دي جي ياسين سوس", "DJ Yassine Souss", "DJ Yassine Souss"),
        description=Text(
            "أغاني أمازيغية، شعبي وموسيقى عصرية لأعراس أكادير ونواحيها.",
            "Chansons amazighes, chaâbi et musique actuelle pour les mariages d'Agadir et"
            " environs.",
            "Amazigh songs, chaabi and current hits for weddings in and around Agadir.",
        ),
        cities=("agadir",),
        languages=("ar", "fr"),
        hours="nights",
        services=(
            ServiceSpec(
                "dj",
                Text("سهرة العرس (4 ساعات)", "Soirée mariage (4 h)", "Wedding night (4 h)"),
                Text(
                    "أربع ساعات مع الصوت والإضاءة الأساسية.",
                    "Quatre heures avec sono et éclairage de base.",
                    "Four hours with sound and basic lighting.",
                ),
                FIXED,
                3_500,
                duration_minutes=240,
                buffer_minutes=60,
                deposit_bp=2000,
                notice_hours=24,
            ),
        ),
    ),
    ProviderSpec(
        slug="orchestre-nass-el-fen",
        owner="Abdelkader Rami",
        locale="ar",
        name=Text("جوق ناس الفن", "Orchestre Nass El Fen", "Nass El Fen Orchestra"),
        description=Text(
            "جوق شعبي من عشرة موسيقيين ومغنيين، يحيي الأعراس في الدار البيضاء والرباط منذ"
            " عشرين سنة.",
            "Orchestre chaâbi de dix musiciens et deux chanteurs, qui anime les mariages à"
            " Casablanca et Rabat depuis vingt ans.",
            "A chaabi orchestra of ten musicians and two singers, playing weddings in"
            " Casablanca and Rabat for twenty years.",
        ),
        cities=("casablanca", "rabat"),
        languages=("ar",),
        hours="band",
        photos=3,
        services=(
            ServiceSpec(
                "band",
                Text("جوق شعبي (5 ساعات)", "Orchestre chaâbi (5 h)", "Chaabi orchestra (5 h)"),
                Text(
                    "عشرة موسيقيين، مغنيان ونظام الصوت.",
                    "Dix musiciens, deux chanteurs et la sonorisation.",
                    "Ten musicians, two singers and the sound system.",
                ),
                FIXED,
                15_000,
                duration_minutes=300,
                buffer_minutes=90,
                deposit_bp=4000,
                notice_hours=168,
            ),
        ),
    ),
    ProviderSpec(
        slug="ensemble-andalou-al-fassi",
        owner="Mohammed Briouel",
        locale="fr",
        name=Text(
            "جوق الطرب الأندلسي الفاسي", "Ensemble Andalou Al Fassi", "Al Fassi Andalusian Ensemble"
        ),
        description=Text(
            "نوبات الآلة والطرب الغرناطي للأعراس والحفلات الرسمية، في فاس والرباط وطنجة.",
            "Noubas de la musique andalouse et gharnati pour mariages et réceptions"
            " officielles, à Fès, Rabat et Tanger.",
            "Andalusian nubas and gharnati music for weddings and official receptions, in"
            " Fez, Rabat and Tangier.",
        ),
        cities=("fes", "rabat", "tanger"),
        languages=("ar", "fr"),
        hours="band",
        services=(
            ServiceSpec(
                "band",
                Text("طرب أندلسي (4 ساعات)", "Musique andalouse (4 h)", "Andalusian music (4 h)"),
                Text(
                    "جوق من ثمانية عازفين بالزي الفاسي التقليدي.",
                    "Huit musiciens en tenue fassie traditionnelle.",
                    "Eight musicians in traditional Fassi dress.",
                ),
                FIXED,
                18_000,
                duration_minutes=240,
                buffer_minutes=120,
                deposit_bp=4000,
                notice_hours=168,
            ),
        ),
    ),
    ProviderSpec(
        slug="dakka-marrakchia-al-bahja",
        owner="Mbarek Ouchen",
        locale="ar",
        name=Text(
            "الدقة المراكشية البهجة", "Dakka Marrakchia Al Bahja", "Al Bahja Dakka Marrakchia"
        ),
        description=Text(
            "الدقة المراكشية وعيساوة لدخول العروسين، بالطبول والطعريجة والنفار.",
            "Dakka marrakchia et Aïssawa pour l'entrée des mariés, avec tbel, taarija et nfar.",
            "Dakka marrakchia and Aissawa for the couple's entrance, with drums, taarija and"
            " nfar horns.",
        ),
        cities=("marrakech",),
        languages=("ar",),
        hours="band",
        services=(
            ServiceSpec(
                "band",
                Text(
                    "الدقة لدخول العروسين",
                    "Dakka pour l'entrée des mariés",
                    "Dakka for the couple's entrance",
                ),
                Text(
                    "ساعتان مع اثني عشر عازفا.",
                    "Deux heures avec douze musiciens.",
                    "Two hours with twelve musicians.",
                ),
                FIXED,
                6_000,
                duration_minutes=120,
                buffer_minutes=60,
                deposit_bp=3000,
                notice_hours=72,
            ),
            ServiceSpec(
                "band",
                Text("سهرة عيساوة", "Soirée Aïssawa", "Aissawa night"),
                Text(
                    "ثلاث ساعات من المديح والحضرة.",
                    "Trois heures de chants et de hadra.",
                    "Three hours of chants and hadra.",
                ),
                PER_HOUR,
                3_000,
                events=("wedding", "aqiqa"),
                duration_minutes=180,
                buffer_minutes=60,
                deposit_bp=3000,
                notice_hours=72,
            ),
        ),
    ),
    ProviderSpec(
        slug="groupe-amarg-souss",
        owner="Lahoucine Id Brahim",
        locale="ar",
        name=Text("مجموعة أمارك سوس", "Groupe Amarg Souss", "Amarg Souss Group"),
        description=Text(
            "أحواش والموسيقى الأمازيغية بالرباب والناقوس والبندير، لأعراس سوس.",
            "Ahwach et musique amazighe au rribab, naqous et bendir, pour les mariages du Souss.",
            "Ahwach and Amazigh music with rribab, naqous and bendir, for Souss weddings.",
        ),
        cities=("agadir",),
        languages=("ar", "fr"),
        hours="band",
        services=(
            ServiceSpec(
                "band",
                Text("أحواش (3 ساعات)", "Ahwach (3 h)", "Ahwach (3 h)"),
                Text(
                    "فرقة من خمسة عشر فنانا، رقص وغناء جماعي.",
                    "Une troupe de quinze artistes, danse et chant collectifs.",
                    "A troupe of fifteen performers, group dance and song.",
                ),
                FIXED,
                8_000,
                duration_minutes=180,
                buffer_minutes=60,
                deposit_bp=3000,
                notice_hours=96,
            ),
        ),
    ),
)
