"""The built-in questionnaires a program starts with, in the four languages.

Written here rather than in the message catalogues: they become the program's own
content (coordinators edit them like any item), not interface text.
"""

from __future__ import annotations

from lms.evaluations.models import EvaluationKind, ItemKind

# (kind, {locale: statement}) per item, in order.
DEFAULT_ITEMS: dict[str, list[tuple[str, dict[str, str]]]] = {
    EvaluationKind.END: [
        (ItemKind.LIKERT, {
            "en": "The course met its stated objectives.",
            "es": "El curso cumplió sus objetivos declarados.",
            "fr": "Le cours a atteint les objectifs annoncés.",
            "pt": "O curso cumpriu os objetivos declarados.",
        }),
        (ItemKind.LIKERT, {
            "en": "The content is relevant to my work.",
            "es": "El contenido es pertinente para mi trabajo.",
            "fr": "Le contenu est utile pour mon travail.",
            "pt": "O conteúdo é relevante para o meu trabalho.",
        }),
        (ItemKind.LIKERT, {
            "en": "The instructors were well prepared.",
            "es": "Los instructores estaban bien preparados.",
            "fr": "Les formateurs étaient bien préparés.",
            "pt": "Os instrutores estavam bem preparados.",
        }),
        (ItemKind.LIKERT, {
            "en": "The materials and platform were easy to use.",
            "es": "Los materiales y la plataforma fueron fáciles de usar.",
            "fr": "Les supports et la plateforme étaient faciles à utiliser.",
            "pt": "Os materiais e a plataforma foram fáceis de usar.",
        }),
        (ItemKind.LIKERT, {
            "en": "I would recommend this course to a colleague.",
            "es": "Recomendaría este curso a un colega.",
            "fr": "Je recommanderais ce cours à un collègue.",
            "pt": "Eu recomendaria este curso a um colega.",
        }),
        (ItemKind.TEXT, {
            "en": "What should we improve?",
            "es": "¿Qué deberíamos mejorar?",
            "fr": "Que devrions-nous améliorer ?",
            "pt": "O que devemos melhorar?",
        }),
    ],
    EvaluationKind.FOLLOWUP: [
        (ItemKind.LIKERT, {
            "en": "I have applied what I learned in this course in my work.",
            "es": "He aplicado en mi trabajo lo que aprendí en este curso.",
            "fr": "J’ai appliqué dans mon travail ce que j’ai appris dans ce cours.",
            "pt": "Apliquei no meu trabalho o que aprendi neste curso.",
        }),
        (ItemKind.LIKERT, {
            "en": "The training improved how my team or service works.",
            "es": "La formación mejoró el funcionamiento de mi equipo o servicio.",
            "fr": "La formation a amélioré le fonctionnement de mon équipe ou de mon service.",
            "pt": "A formação melhorou o funcionamento da minha equipe ou serviço.",
        }),
        (ItemKind.TEXT, {
            "en": "Give an example of how you applied it.",
            "es": "Dé un ejemplo de cómo lo aplicó.",
            "fr": "Donnez un exemple de la façon dont vous l’avez appliqué.",
            "pt": "Dê um exemplo de como o aplicou.",
        }),
        (ItemKind.TEXT, {
            "en": "What made applying it difficult?",
            "es": "¿Qué dificultó su aplicación?",
            "fr": "Qu’est-ce qui a rendu son application difficile ?",
            "pt": "O que dificultou a sua aplicação?",
        }),
    ],
}
