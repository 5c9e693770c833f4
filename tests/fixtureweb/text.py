"""Article text for the fixture sites, written for these tests (no text is copied from any outlet).

Sentences are combined per article so every article is different but reproducible.
"""

from __future__ import annotations

import random

CITIES_AR = ["طرابلس", "بنغازي", "مصراتة", "سبها", "الزاوية", "درنة", "غريان", "زوارة", "البيضاء", "طبرق"]
CITIES_EN = [
    "Tripoli",
    "Benghazi",
    "Misrata",
    "Sabha",
    "Zawiya",
    "Derna",
    "Gharyan",
    "Zuwara",
    "Bayda",
    "Tobruk",
]

TOPICS_AR = {
    "water": (
        "مشروع صيانة شبكة المياه في {city}",
        [
            "أعلنت بلدية {city} بدء أعمال صيانة خطوط المياه الرئيسية في الأحياء الشرقية بعد شكاوى متكررة من انقطاعها.",
            "وقال مسؤول في شركة المياه إن الفرق الفنية ستعمل على مراحل حتى لا تنقطع الخدمة عن السكان لفترات طويلة.",
            "وأضاف أن المرحلة الأولى تشمل استبدال الأنابيب القديمة التي يعود تركيبها إلى سبعينيات القرن الماضي.",
            "وطالب عدد من السكان بجدول زمني واضح يعلن مسبقا حتى يتمكنوا من تخزين ما يكفيهم من المياه.",
            "ومن المنتظر أن تستمر الأعمال نحو ستة أسابيع بحسب تقديرات البلدية الأولية.",
        ],
    ),
    "school": (
        "افتتاح مدرسة جديدة في {city} قبل العام الدراسي",
        [
            "افتتحت مراقبة التعليم في {city} مدرسة ابتدائية جديدة تتسع لنحو ستمئة تلميذ وتلميذة.",
            "وأوضح مدير المراقبة أن المبنى يضم ثمانية عشر فصلا ومعملا للحاسوب ومكتبة صغيرة.",
            "وأشار إلى أن افتتاح المدرسة سيخفف الازدحام في المدارس المجاورة التي تجاوزت طاقتها الاستيعابية.",
            "وحضر الافتتاح أولياء أمور عبروا عن ارتياحهم لقرب المدرسة من منازلهم.",
            "وتعمل المراقبة على تجهيز مدرستين أخريين في الضواحي قبل نهاية العام.",
        ],
    ),
    "market": (
        "ارتفاع أسعار الخضروات في أسواق {city}",
        [
            "شهدت أسواق الخضروات في {city} ارتفاعا ملحوظا في الأسعار خلال الأسبوع الجاري.",
            "وأرجع تجار هذا الارتفاع إلى تراجع الكميات الواردة من المزارع بسبب موجة البرد الأخيرة.",
            "وقال أحد باعة الجملة إن سعر صندوق الطماطم تضاعف تقريبا مقارنة بالشهر الماضي.",
            "ودعت جمعية حماية المستهلك الجهات المختصة إلى مراقبة الأسواق ومنع الاحتكار.",
            "ويتوقع التجار أن تعود الأسعار إلى مستوياتها المعتادة مع تحسن الأحوال الجوية.",
        ],
    ),
    "road": (
        "استئناف العمل في طريق {city} الساحلي",
        [
            "استأنفت شركة مقاولات محلية أعمال رصف الطريق الساحلي المار بمدينة {city} بعد توقف دام أشهرا.",
            "وذكر المهندس المشرف أن نسبة الإنجاز بلغت نحو أربعين في المئة من الطول الكلي للطريق.",
            "وأوضح أن التوقف السابق كان بسبب تأخر صرف المستحقات المالية للشركة المنفذة.",
            "ويعد الطريق من أكثر الطرق ازدحاما في المنطقة ويشهد حوادث متكررة في فصل الشتاء.",
            "وطالب سائقو الشاحنات بتوفير مسارات بديلة آمنة خلال فترة الأعمال.",
        ],
    ),
    "health": (
        "حملة تطعيم موسعة للأطفال في {city}",
        [
            "انطلقت في {city} حملة تطعيم موسعة تستهدف الأطفال دون سن الخامسة في المراكز الصحية والمدارس.",
            "وقالت مديرة إدارة الرعاية الصحية الأولية إن الحملة تستمر عشرة أيام وتشمل القرى المحيطة بالمدينة.",
            "وأكدت توفر كميات كافية من اللقاحات وتجهيز فرق متنقلة للوصول إلى المناطق البعيدة.",
            "ودعت الأسر إلى إحضار بطاقات التطعيم لتسجيل الجرعات بشكل صحيح.",
            "وتأتي الحملة ضمن خطة وطنية لرفع نسبة التغطية باللقاحات الأساسية.",
        ],
    ),
}

TOPICS_EN = {
    "port": (
        "{city} port reopens berth after dredging works",
        [
            "The port authority in {city} reopened its main container berth on Monday after three months of dredging.",
            "Officials said the deeper channel would allow larger cargo ships to dock without waiting offshore.",
            "Shipping agents welcomed the move but warned that customs clearance remained slow.",
            "The authority plans a second phase of works on the northern breakwater next year.",
            "Local traders hope the change will lower the cost of imported building materials.",
        ],
    ),
    "power": (
        "New substation eases power cuts in {city}",
        [
            "A new electricity substation entered service in {city}, the national grid operator said on Sunday.",
            "Engineers said the station would cut scheduled load shedding in several districts by up to four hours a day.",
            "Residents have complained for years about outages during the summer heat.",
            "The operator said maintenance teams would remain on site for the first weeks of operation.",
            "Two more substations are under construction in the southern suburbs.",
        ],
    ),
    "library": (
        "{city} library restores manuscripts collection",
        [
            "The public library in {city} has finished restoring a collection of old manuscripts damaged by humidity.",
            "A team of volunteers and two trained conservators worked on the pages for more than a year.",
            "The library director said digital copies would be made available to researchers on request.",
            "Visitors will be able to see a selection of the restored documents in a small exhibition.",
            "The project was funded by local donors and a university partnership.",
        ],
    ),
    "fishing": (
        "Fishermen in {city} call for cold storage support",
        [
            "Small-scale fishermen in {city} are asking the municipality to help build a shared cold storage facility.",
            "They say a large part of the daily catch is sold cheaply because it cannot be kept for long.",
            "A spokesman for the fishermen's association said talks with the council had been positive.",
            "The council said it was studying several sites near the harbour.",
            "A decision is expected before the start of the summer season.",
        ],
    ),
}


def article_text(topic: str, city_index: int, *, english: bool = False, extra: int = 0) -> tuple[str, list[str]]:
    """(title, paragraphs) for one fixture article; `extra` adds reshuffled paragraphs for longer articles."""
    topics = TOPICS_EN if english else TOPICS_AR
    cities = CITIES_EN if english else CITIES_AR
    city = cities[city_index % len(cities)]
    title, sentences = topics[topic]
    paragraphs = [s.format(city=city) for s in sentences]
    rng = random.Random(f"{topic}-{city_index}")
    for _ in range(extra):
        paragraphs.append(" ".join(rng.sample(paragraphs[:5], 2)))
    return title.format(city=city), paragraphs
