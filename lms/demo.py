"""A believable demonstration data set: ``lms demo`` (and ``make run``) loads it.

Everything is found or created by its natural key (program code, course code,
cohort code, user email, institution name, position within a parent), so loading
twice adds nothing. ``load`` only flushes; the CLI commits. Dates are relative to
today, so the cohorts look current whenever the demo is loaded.

The names of people and institutions are invented.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from textwrap import dedent
from typing import Any

from sqlalchemy import func, select

from lms import demo_certificates
from lms.accounts.models import (
    BodyOfficer,
    FocalPoint,
    Institution,
    ProgramCoordinator,
    ProgramObserver,
    User,
)
from lms.announcements import services as announcement_services
from lms.announcements.models import Announcement
from lms.assessments.assignments import services as assignment_services
from lms.assessments.assignments.models import Submission
from lms.assessments.attendance.models import AttendanceRecord, AttendanceSession
from lms.assessments.attendance.services import update_attendance_grades
from lms.assessments.manage_services import AssessmentData, create_assessment
from lms.assessments.models import Assessment, AssessmentKind
from lms.assessments.observations import services as observation_services
from lms.assessments.observations.models import Observation, ObservationItem
from lms.assessments.quizzes import services as quiz_services
from lms.assessments.quizzes.models import Attempt, QuestionKind
from lms.catalog.models import (
    Course,
    CourseTranslation,
    Lesson,
    LessonTranslation,
    Module,
    ModuleTranslation,
    Program,
    ProgramTranslation,
)
from lms.cohorts import nomination_services, schedule_services
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus, LessonCompletion
from lms.cohorts.nominations import Nomination
from lms.cohorts.schedule import CohortSession
from lms.extensions import db
from lms.kernel import clock

# Every demo account signs in with this password. Demo data only: never load it
# into a database that real people use.
DEMO_PASSWORD = "demo-password-2024"  # noqa: S105 - published on purpose


def md(text: str) -> str:
    return dedent(text).strip() + "\n"


# ---------------------------------------------------------------- institutions

# name -> (kind, country)
INSTITUTIONS: dict[str, tuple[str, str]] = {
    "Comisión Nacional de Prevención y Atención de las Adicciones":
        ("certifying_body", "MX"),
    "Caribbean Regional University, School of Social Work": ("certifying_body", "JM"),
    "Policía Nacional de Colombia, Escuela de Cooperación Internacional": ("police", "CO"),
    "Polícia Federal do Brasil, Academia de Formação": ("police", "BR"),
    "Escuela de Formación Policial de Santiago": ("police", "CL"),
    "Centre canadien de formation en sécurité publique": ("training_provider", "CA"),
    "Institut haïtien de santé communautaire": ("training_provider", "HT"),
    "Trinidad and Tobago Police Service Training Academy": ("police", "TT"),
}
MX_BODY = "Comisión Nacional de Prevención y Atención de las Adicciones"
CARIBBEAN_BODY = "Caribbean Regional University, School of Social Work"
CO_POLICE = "Policía Nacional de Colombia, Escuela de Cooperación Internacional"
BR_POLICE = "Polícia Federal do Brasil, Academia de Formação"
CL_SCHOOL = "Escuela de Formación Policial de Santiago"
CA_PROVIDER = "Centre canadien de formation en sécurité publique"
HT_PROVIDER = "Institut haïtien de santé communautaire"
TT_POLICE = "Trinidad and Tobago Police Service Training Academy"

# ---------------------------------------------------------------- programs

PROGRAMS: list[dict[str, Any]] = [
    {
        "code": "PROCCER",
        "certificate_prefix": "PRC",
        "name": "PROCCER: training and certification of prevention and treatment providers",
        "description": (
            "Competency-based training and certification of the people who deliver drug "
            "and violence prevention and treatment services. Curricula are adapted to each "
            "country, and certification is granted by national certifying bodies."),
        "translations": {
            "es": ("PROCCER: capacitación y certificación de prestadores de servicios de "
                   "prevención y tratamiento",
                   "Capacitación basada en competencias y certificación de las personas que "
                   "prestan servicios de prevención y tratamiento del consumo de drogas y de "
                   "la violencia. Los planes de estudio se adaptan a cada país y la "
                   "certificación la otorgan organismos certificadores nacionales."),
            "fr": ("PROCCER : formation et certification des intervenants en prévention et "
                   "en traitement",
                   "Formation fondée sur les compétences et certification des personnes qui "
                   "offrent des services de prévention et de traitement de l'usage de drogues "
                   "et de la violence. Les programmes sont adaptés à chaque pays et la "
                   "certification est délivrée par des organismes certificateurs nationaux."),
            "pt": ("PROCCER: capacitação e certificação de prestadores de serviços de "
                   "prevenção e tratamento",
                   "Capacitação baseada em competências e certificação das pessoas que prestam "
                   "serviços de prevenção e tratamento do uso de drogas e da violência. Os "
                   "currículos são adaptados a cada país e a certificação é concedida por "
                   "organismos certificadores nacionais."),
        },
    },
    {
        "code": "PICAP",
        "certificate_prefix": "PCP",
        "name": "PICAP: Inter-American Police Training Program",
        "description": (
            "Courses hosted by the police institutions of member states for officers from "
            "across the Americas, face-to-face and online. Online study starts with an "
            "introductory levelling course."),
        "translations": {
            "es": ("PICAP: Programa Interamericano de Capacitación Policial",
                   "Cursos que ofrecen las instituciones policiales de los Estados miembros a "
                   "agentes de todo el continente, en forma presencial y en línea. El estudio "
                   "en línea comienza con un curso introductorio de nivelación."),
            "fr": ("PICAP : Programme interaméricain de formation policière",
                   "Des cours accueillis par les institutions policières des États membres "
                   "pour des agents de toutes les Amériques, en présentiel et en ligne. "
                   "L'apprentissage en ligne commence par un cours préparatoire de mise à "
                   "niveau."),
            "pt": ("PICAP: Programa Interamericano de Capacitação Policial",
                   "Cursos oferecidos pelas instituições policiais dos Estados membros a "
                   "agentes de todas as Américas, presenciais e online. O estudo online "
                   "começa com um curso introdutório de nivelamento."),
        },
    },
]

# ---------------------------------------------------------------- courses

# Each lesson: {"title", "body", optional "translations": {locale: (title, body)}}.
# Each module: {"title", optional "translations": {locale: title}, "lessons": [...]}.
COURSES: list[dict[str, Any]] = [
    {
        "program": "PROCCER", "code": "PRC-PREV-101", "hours": 40, "modality": "blended",
        "language": "en",
        "title": "PROCCER Prevention: foundations",
        "summary": ("The science of drug and violence prevention for people who plan and "
                    "deliver prevention programs in schools, families and communities."),
        "translations": {
            "es": ("PROCCER Prevención: fundamentos",
                   "La ciencia de la prevención del consumo de drogas y de la violencia para "
                   "quienes planifican y aplican programas en escuelas, familias y "
                   "comunidades."),
            "fr": ("PROCCER Prévention : les fondements",
                   "La science de la prévention de l'usage de drogues et de la violence pour "
                   "les personnes qui conçoivent et animent des programmes dans les écoles, "
                   "les familles et les communautés."),
            "pt": ("PROCCER Prevenção: fundamentos",
                   "A ciência da prevenção do uso de drogas e da violência para quem planeja "
                   "e executa programas em escolas, famílias e comunidades."),
        },
        "modules": [
            {"title": "Understanding substance use", "lessons": [
                {"title": "Why prevention works", "body": md("""
                    ## Prevention is a science

                    Prevention programs that are built on evidence reduce the number of
                    young people who start using drugs, and delay first use among those
                    who do. Programs that only give information, or rely on fear, do not.

                    - Start early, before use begins.
                    - Work on skills, norms and environments, not only on knowledge.
                    - Measure what changes, and adjust.
                    """)},
                {"title": "Risk and protective factors", "body": md("""
                    ## What makes use more or less likely

                    No single factor explains why a person starts using drugs. Risk
                    factors add up, and protective factors can balance them. Prevention
                    aims to reduce the first and strengthen the second.

                    - Risk: early aggressive behaviour, weak family bonds, easy access.
                    - Protection: caring adults, school connection, clear family rules.
                    - Factors act at individual, family, school and community level.
                    """)},
            ]},
            {"title": "Evidence-based programs", "lessons": [
                {"title": "Universal, selective and indicated prevention", "body": md("""
                    ## Three levels of intervention

                    Programs are grouped by the population they reach. Choosing the level
                    is the first planning decision, because it decides the setting, the
                    staff needed and the cost per participant.

                    - **Universal**: everyone in a setting, such as all pupils of a grade.
                    - **Selective**: groups with higher risk, such as children of parents
                      in treatment.
                    - **Indicated**: individuals already showing early signs of use.
                    """)},
                {"title": "Choosing and adapting a program", "body": md("""
                    ## Fidelity and adaptation

                    A program works because of its core components. Local adaptation is
                    often needed, for language, examples or timing, but changing the core
                    components can remove the effect.

                    - Read the program manual and identify the core components.
                    - Adapt the surface: names, images, local examples.
                    - Record every change, and evaluate the adapted version.
                    """)},
            ]},
            {"title": "Ethics and community work", "lessons": [
                {"title": "Professional ethics for preventionists", "body": md("""
                    ## Doing no harm

                    Prevention workers handle personal information about minors and
                    families. The code of ethics protects participants and the credibility
                    of the program.

                    - Obtain informed consent from parents or guardians.
                    - Keep personal data confidential and stored securely.
                    - Avoid stigmatising language about people who use drugs.
                    """)},
                {"title": "Working with community coalitions", "body": md("""
                    ## Many partners, one plan

                    Community coalitions bring together schools, health services, local
                    government, faith groups and youth. A shared assessment of local needs
                    keeps everyone working towards the same outcomes.

                    - Map the resources that already exist.
                    - Agree on a small number of measurable goals.
                    - Report results back to the community.
                    """)},
            ]},
        ],
    },
    {
        "program": "PROCCER", "code": "PRC-TRT-101", "hours": 60, "modality": "blended",
        "language": "en",
        "title": "PROCCER Treatment: foundations",
        "summary": ("Core competencies for people who provide treatment for substance use "
                    "disorders: screening, assessment, brief intervention and counselling."),
        "translations": {
            "es": ("PROCCER Tratamiento: fundamentos",
                   "Competencias básicas para quienes brindan tratamiento de los trastornos "
                   "por consumo de sustancias: tamizaje, evaluación, intervención breve y "
                   "consejería."),
            "fr": ("PROCCER Traitement : les fondements",
                   "Les compétences de base des personnes qui traitent les troubles liés à "
                   "l'usage de substances : dépistage, évaluation, intervention brève et "
                   "counseling."),
            "pt": ("PROCCER Tratamento: fundamentos",
                   "Competências básicas para quem oferece tratamento de transtornos por uso "
                   "de substâncias: triagem, avaliação, intervenção breve e aconselhamento."),
        },
        "modules": [
            {"title": "Substance use disorders", "lessons": [
                {"title": "Screening and assessment", "body": md("""
                    ## Finding out what a person needs

                    Screening identifies people who may have a problem; assessment
                    describes the problem and the person's strengths. Validated
                    instruments make results comparable between services.

                    - Use a validated screening tool, such as the ASSIST or the AUDIT.
                    - Assess physical health, mental health, family and work.
                    - Agree on goals with the person, not for them.
                    """)},
                {"title": "The continuum of care", "body": md("""
                    ## The right level of care

                    Treatment ranges from brief intervention in primary care to
                    residential programs. People should receive the least restrictive
                    level that is safe and effective, and move between levels as needed.

                    - Brief intervention and outpatient counselling.
                    - Intensive outpatient and day programs.
                    - Residential treatment and recovery support.
                    """)},
            ]},
            {"title": "Therapeutic approaches", "lessons": [
                {"title": "Motivational interviewing", "body": md("""
                    ## Evoking the person's own reasons

                    Motivational interviewing is a collaborative conversation that
                    strengthens a person's own motivation for change. Arguing for change
                    usually produces resistance; listening for change talk does not.

                    - Ask open questions.
                    - Affirm efforts and strengths.
                    - Reflect what you hear, and summarise.
                    """)},
                {"title": "Cognitive-behavioural techniques", "body": md("""
                    ## Thoughts, feelings and behaviour

                    Cognitive-behavioural therapy helps people recognise the situations
                    and thoughts that lead to use, and practise other ways of coping.

                    - Identify high-risk situations together.
                    - Practise refusal and coping skills in role play.
                    - Use homework to transfer skills to daily life.
                    """)},
                {"title": "Relapse prevention", "body": md("""
                    ## Planning for difficult moments

                    A lapse is common and is not a failure of treatment. A written plan
                    helps the person and their family respond early.

                    - List personal warning signs.
                    - Name people to call and places to go.
                    - Review the plan at every follow-up visit.
                    """)},
            ]},
        ],
    },
    {
        "program": "PROCCER", "code": "PRC-TRT-MX", "hours": 80, "modality": "blended",
        "language": "es",
        "title": "PROCCER Tratamiento: adaptación para México",
        "summary": ("Currículo de tratamiento adaptado al marco normativo y a la red de "
                    "atención de México, con prácticas supervisadas en establecimientos "
                    "reconocidos."),
        "translations": {
            "en": ("PROCCER Treatment: Mexico adaptation",
                   "The treatment curriculum adapted to Mexico's regulations and care "
                   "network, with supervised practice in recognised facilities."),
            "fr": ("PROCCER Traitement : adaptation pour le Mexique",
                   "Le programme de traitement adapté à la réglementation et au réseau de "
                   "soins du Mexique, avec des stages supervisés dans des établissements "
                   "reconnus."),
            "pt": ("PROCCER Tratamento: adaptação para o México",
                   "O currículo de tratamento adaptado à regulamentação e à rede de atenção "
                   "do México, com prática supervisionada em estabelecimentos reconhecidos."),
        },
        "modules": [
            {"title": "Marco normativo y red de atención", "lessons": [
                {"title": "La norma oficial y los servicios de tratamiento", "body": md("""
                    ## Qué exige la norma

                    Los servicios de tratamiento de las adicciones en México deben cumplir
                    la norma oficial vigente: personal capacitado, expediente clínico y
                    respeto a los derechos de las personas usuarias.

                    - Modalidades ambulatoria y residencial.
                    - Ingreso voluntario y consentimiento informado.
                    - Registro de los servicios ante la autoridad sanitaria.
                    """)},
                {"title": "Derechos de las personas usuarias", "body": md("""
                    ## Trato digno

                    Toda persona en tratamiento tiene derecho a un trato digno, a la
                    confidencialidad y a recibir información clara sobre su tratamiento.
                    Los malos tratos y el aislamiento forzado están prohibidos.

                    - Informar a la persona y a su familia del plan de tratamiento.
                    - Proteger los datos del expediente clínico.
                    - Atender las quejas por escrito y con plazos definidos.
                    """)},
            ]},
            {"title": "Intervención clínica", "lessons": [
                {"title": "Entrevista motivacional en la comunidad", "body": md("""
                    ## Escuchar para motivar

                    En los centros comunitarios la primera conversación decide si la
                    persona regresa. La entrevista motivacional ayuda a explorar la
                    ambivalencia sin confrontar.

                    - Preguntas abiertas y reflexiones.
                    - Reconocer los esfuerzos de la persona.
                    - Acordar un siguiente paso pequeño y concreto.
                    """)},
                {"title": "Trabajo con familias", "body": md("""
                    ## La familia como aliada

                    La participación de la familia mejora la permanencia en el
                    tratamiento. Las sesiones familiares enseñan a comunicarse sin culpa y
                    a reforzar los cambios positivos.

                    - Psicoeducación sobre la dependencia.
                    - Comunicación asertiva en casa.
                    - Grupos de apoyo para familiares.
                    """)},
                {"title": "Práctica supervisada", "body": md("""
                    ## Aprender en el servicio

                    La certificación exige horas de práctica supervisada en un
                    establecimiento reconocido. La persona supervisora observa las
                    habilidades y registra la evidencia.

                    - Plan de práctica firmado por ambas partes.
                    - Bitácora semanal de actividades.
                    - Observación directa de al menos tres sesiones.
                    """)},
            ]},
        ],
    },
    {
        "program": "PROCCER", "code": "PRC-PREV-CAR", "hours": 40, "modality": "online",
        "language": "en",
        "title": "PROCCER Prevention: Caribbean adaptation",
        "summary": ("The prevention curriculum adapted to small island states of the "
                    "Caribbean, with examples from schools, churches and community groups."),
        "translations": {
            "es": ("PROCCER Prevención: adaptación para el Caribe",
                   "El currículo de prevención adaptado a los pequeños Estados insulares del "
                   "Caribe, con ejemplos de escuelas, iglesias y grupos comunitarios."),
            "fr": ("PROCCER Prévention : adaptation pour la Caraïbe",
                   "Le programme de prévention adapté aux petits États insulaires de la "
                   "Caraïbe, avec des exemples tirés des écoles, des églises et des groupes "
                   "communautaires."),
        },
        "modules": [
            {"title": "The Caribbean context", "lessons": [
                {"title": "Substance use in small island states", "body": md("""
                    ## Patterns that shape prevention

                    Alcohol and cannabis are the substances most used by young people in
                    the region, and first use often happens early. Small populations mean
                    that everybody knows everybody, which helps outreach but makes
                    confidentiality harder.

                    - Early first use of alcohol.
                    - Cannabis seen as low risk by many adolescents.
                    - Tourism and transit routes increase availability.
                    """)},
                {"title": "Community and faith-based partners", "body": md("""
                    ## Working through trusted institutions

                    Churches, sports clubs and community groups reach families that
                    formal services do not. Training their volunteers extends prevention
                    at little cost.

                    - Identify the groups young people already attend.
                    - Offer short training for volunteers.
                    - Share simple materials in plain language.
                    """)},
            ]},
            {"title": "Delivering prevention", "lessons": [
                {"title": "School-based programmes", "body": md("""
                    ## Skills in the classroom

                    Programmes that teach social and emotional skills across several
                    school years work better than single talks. Teachers need training
                    and time in the timetable.

                    - Interactive sessions, not lectures.
                    - Several sessions a year, with boosters.
                    - Involve parents through homework.
                    """)},
                {"title": "Family skills programmes", "body": md("""
                    ## Stronger families

                    Family skills programmes bring parents and children together to
                    practise communication and set clear rules. They protect against
                    both substance use and violence.

                    - Weekly sessions over two to three months.
                    - A shared meal helps attendance.
                    - Follow-up visits keep families engaged.
                    """)},
            ]},
        ],
    },
    {
        "program": "PICAP", "code": "PCP-INTRO", "hours": 20, "modality": "online",
        "language": "en",
        "title": "PICAP introductory levelling course",
        "summary": ("The first step of PICAP online study: the inter-American system, how "
                    "the courses work, and the study skills the other courses assume."),
        "translations": {
            "es": ("PICAP: curso introductorio de nivelación",
                   "El primer paso del estudio en línea del PICAP: el sistema interamericano, "
                   "cómo funcionan los cursos y las técnicas de estudio que los demás cursos "
                   "dan por sabidas."),
            "fr": ("PICAP : cours préparatoire de mise à niveau",
                   "La première étape des études en ligne du PICAP : le système interaméricain, "
                   "le fonctionnement des cours et les méthodes de travail que les autres "
                   "cours supposent acquises."),
            "pt": ("PICAP: curso introdutório de nivelamento",
                   "O primeiro passo do estudo online do PICAP: o sistema interamericano, "
                   "como os cursos funcionam e as técnicas de estudo que os demais cursos "
                   "pressupõem."),
        },
        "modules": [
            {"title": "The inter-American system",
             "translations": {"es": "El sistema interamericano",
                              "fr": "Le système interaméricain",
                              "pt": "O sistema interamericano"},
             "lessons": [
                {"title": "The OAS and hemispheric security", "body": md("""
                    ## Security as a shared responsibility

                    The member states of the Organization of American States work together
                    on security through conventions, committees and training. Police
                    cooperation is one of the practical tools of that work.

                    - Member states set priorities in the General Assembly.
                    - Specialised committees follow each topic.
                    - Training programs build shared skills and trust.
                    """),
                 "translations": {
                     "es": ("La OEA y la seguridad hemisférica", md("""
                         ## La seguridad como responsabilidad compartida

                         Los Estados miembros de la Organización de los Estados Americanos
                         cooperan en materia de seguridad mediante convenciones, comités y
                         capacitación. La cooperación policial es una de las herramientas
                         prácticas de ese trabajo.

                         - Los Estados miembros fijan las prioridades en la Asamblea General.
                         - Comités especializados dan seguimiento a cada tema.
                         - Los programas de capacitación crean habilidades comunes y confianza.
                         """)),
                     "fr": ("L'OEA et la sécurité hémisphérique", md("""
                         ## La sécurité, une responsabilité partagée

                         Les États membres de l'Organisation des États américains coopèrent
                         en matière de sécurité au moyen de conventions, de comités et de
                         formations. La coopération policière est l'un des outils concrets
                         de ce travail.

                         - Les États membres fixent les priorités en Assemblée générale.
                         - Des comités spécialisés suivent chaque thème.
                         - Les programmes de formation créent des compétences communes et de
                           la confiance.
                         """)),
                     "pt": ("A OEA e a segurança hemisférica", md("""
                         ## A segurança como responsabilidade compartilhada

                         Os Estados membros da Organização dos Estados Americanos cooperam em
                         matéria de segurança por meio de convenções, comitês e capacitação.
                         A cooperação policial é uma das ferramentas práticas desse trabalho.

                         - Os Estados membros definem as prioridades na Assembleia Geral.
                         - Comitês especializados acompanham cada tema.
                         - Os programas de capacitação criam habilidades comuns e confiança.
                         """)),
                 }},
                {"title": "How PICAP courses work", "body": md("""
                    ## Online and face-to-face

                    Online courses run in cohorts with fixed dates and an instructor.
                    Face-to-face courses are hosted by a member state's police institution,
                    usually for two officers from each participating country.

                    - Complete this levelling course first.
                    - Follow each cohort's calendar and deadlines.
                    - Certificates are issued only after every assessment is passed.
                    """),
                 "translations": {
                     "es": ("Cómo funcionan los cursos del PICAP", md("""
                         ## En línea y presenciales

                         Los cursos en línea se imparten por cohortes, con fechas fijas y un
                         instructor. Los cursos presenciales los organiza la institución
                         policial de un Estado miembro, normalmente para dos agentes de cada
                         país participante.

                         - Complete primero este curso de nivelación.
                         - Siga el calendario y los plazos de su cohorte.
                         - Los certificados se emiten solo tras aprobar todas las evaluaciones.
                         """)),
                     "fr": ("Le fonctionnement des cours du PICAP", md("""
                         ## En ligne et en présentiel

                         Les cours en ligne se déroulent par cohortes, avec des dates fixes et
                         un formateur. Les cours en présentiel sont accueillis par
                         l'institution policière d'un État membre, en général pour deux
                         agents de chaque pays participant.

                         - Suivez d'abord ce cours de mise à niveau.
                         - Respectez le calendrier et les échéances de votre cohorte.
                         - Les certificats ne sont délivrés qu'une fois toutes les
                           évaluations réussies.
                         """)),
                     "pt": ("Como funcionam os cursos do PICAP", md("""
                         ## Online e presenciais

                         Os cursos online são realizados em turmas, com datas fixas e um
                         instrutor. Os cursos presenciais são sediados pela instituição
                         policial de um Estado membro, geralmente para dois agentes de cada
                         país participante.

                         - Conclua primeiro este curso de nivelamento.
                         - Siga o calendário e os prazos da sua turma.
                         - Os certificados só são emitidos após a aprovação em todas as
                           avaliações.
                         """)),
                 }},
             ]},
            {"title": "Study skills for online learning",
             "translations": {"es": "Técnicas de estudio en línea",
                              "fr": "Méthodes de travail pour l'apprentissage en ligne",
                              "pt": "Técnicas de estudo online"},
             "lessons": [
                {"title": "Planning your study time", "body": md("""
                    ## A little every week

                    Officers study alongside their duties. A fixed weekly slot works better
                    than long sessions before a deadline.

                    - Block two or three hours a week in your calendar.
                    - Read each lesson before its activities.
                    - Tell your supervisor when you are enrolled.
                    """),
                 "translations": {
                     "es": ("Organizar el tiempo de estudio", md("""
                         ## Un poco cada semana

                         Los agentes estudian a la par de sus funciones. Un horario semanal
                         fijo funciona mejor que sesiones largas antes de una fecha límite.

                         - Reserve dos o tres horas por semana en su agenda.
                         - Lea cada lección antes de sus actividades.
                         - Informe a su superior de que está inscrito.
                         """)),
                     "fr": ("Organiser son temps d'étude", md("""
                         ## Un peu chaque semaine

                         Les agents étudient en parallèle de leur service. Un créneau fixe
                         chaque semaine vaut mieux que de longues séances avant une échéance.

                         - Réservez deux ou trois heures par semaine dans votre agenda.
                         - Lisez chaque leçon avant ses activités.
                         - Informez votre supérieur de votre inscription.
                         """)),
                     "pt": ("Organizar o tempo de estudo", md("""
                         ## Um pouco a cada semana

                         Os agentes estudam paralelamente às suas funções. Um horário semanal
                         fixo funciona melhor do que longas sessões antes de um prazo.

                         - Reserve duas ou três horas por semana na sua agenda.
                         - Leia cada lição antes das suas atividades.
                         - Informe o seu superior de que está inscrito.
                         """)),
                 }},
                {"title": "Academic integrity and assessment", "body": md("""
                    ## Your own work

                    Assessments check what you can do, and certificates tell employers and
                    other countries that you can do it. Submitting someone else's work
                    puts your certificate and your institution's place in the program at
                    risk.

                    - Answer quizzes on your own.
                    - Cite the sources you use in assignments.
                    - Ask your instructor when a rule is unclear.
                    """),
                 "translations": {
                     "es": ("Integridad académica y evaluación", md("""
                         ## Su propio trabajo

                         Las evaluaciones comprueban lo que usted sabe hacer, y los
                         certificados lo acreditan ante empleadores y otros países. Entregar
                         el trabajo de otra persona pone en riesgo su certificado y la
                         participación de su institución en el programa.

                         - Responda los cuestionarios por su cuenta.
                         - Cite las fuentes que use en los trabajos.
                         - Consulte a su instructor cuando una regla no esté clara.
                         """)),
                     "fr": ("Intégrité et évaluation", md("""
                         ## Votre propre travail

                         Les évaluations vérifient ce que vous savez faire, et les certificats
                         l'attestent auprès des employeurs et des autres pays. Remettre le
                         travail d'une autre personne met en danger votre certificat et la
                         place de votre institution dans le programme.

                         - Répondez seul aux questionnaires.
                         - Citez les sources utilisées dans vos travaux.
                         - Interrogez votre formateur lorsqu'une règle n'est pas claire.
                         """)),
                     "pt": ("Integridade acadêmica e avaliação", md("""
                         ## O seu próprio trabalho

                         As avaliações verificam o que você sabe fazer, e os certificados o
                         atestam perante empregadores e outros países. Entregar o trabalho de
                         outra pessoa coloca em risco o seu certificado e a participação da
                         sua instituição no programa.

                         - Responda aos questionários sozinho.
                         - Cite as fontes que utilizar nos trabalhos.
                         - Consulte o seu instrutor quando uma regra não estiver clara.
                         """)),
                 }},
             ]},
        ],
    },
    {
        "program": "PICAP", "code": "PCP-HR-FORCE", "hours": 160, "modality": "face_to_face",
        "language": "en",
        "title": "Human rights and the use of force",
        "summary": ("A four-week course on the international standards for the use of force "
                    "and firearms by law enforcement officials, with practical exercises."),
        "translations": {
            "es": ("Derechos humanos y uso de la fuerza",
                   "Curso de cuatro semanas sobre las normas internacionales del uso de la "
                   "fuerza y de las armas de fuego por los funcionarios encargados de hacer "
                   "cumplir la ley, con ejercicios prácticos."),
            "fr": ("Droits humains et usage de la force",
                   "Un cours de quatre semaines sur les normes internationales relatives au "
                   "recours à la force et aux armes à feu par les responsables de "
                   "l'application des lois, avec des exercices pratiques."),
            "pt": ("Direitos humanos e uso da força",
                   "Curso de quatro semanas sobre as normas internacionais do uso da força e "
                   "de armas de fogo pelos encarregados da aplicação da lei, com exercícios "
                   "práticos."),
        },
        "modules": [
            {"title": "International standards", "lessons": [
                {"title": "Basic principles on the use of force", "body": md("""
                    ## Four principles

                    The United Nations Basic Principles on the Use of Force and Firearms
                    guide every decision an officer takes to use force. National law and
                    police regulations apply them.

                    - **Legality**: a lawful objective and a legal basis.
                    - **Necessity**: only when other means are ineffective.
                    - **Proportionality**: force matched to the threat.
                    - **Accountability**: every use of force is reported and reviewed.
                    """)},
                {"title": "Codes of conduct", "body": md("""
                    ## The duties of the officer

                    Codes of conduct for law enforcement officials set out duties that
                    apply at all times: respect for human dignity, protection of
                    confidential information, and refusal of torture and corruption.

                    - Serve the community and protect everyone against illegal acts.
                    - Report violations through the chain of command.
                    - Give medical attention to injured people without delay.
                    """)},
            ]},
            {"title": "Applying the standards", "lessons": [
                {"title": "Differentiated use of force", "body": md("""
                    ## Choosing the least harmful option

                    Officers are trained in a range of options, from presence and verbal
                    commands to firearms, and choose the least harmful one that can
                    achieve the lawful objective.

                    - Communication and de-escalation come first.
                    - Firearms only against an imminent threat to life.
                    - Give a clear warning whenever the situation allows.
                    """)},
                {"title": "Arrest and detention", "body": md("""
                    ## Rights of detained persons

                    Detained persons keep their rights. Records made at the moment of
                    arrest protect both the person and the officer.

                    - Inform the person of the reasons for arrest.
                    - Record time, place and the officers involved.
                    - Notify a family member and allow access to a lawyer.
                    """)},
                {"title": "Reporting and review", "body": md("""
                    ## After force is used

                    Every use of force is reported in writing, and serious incidents are
                    reviewed independently. Reviews are for learning as much as for
                    discipline.

                    - Write the report before the end of the shift.
                    - Preserve evidence and identify witnesses.
                    - Share lessons learned in training.
                    """)},
            ]},
        ],
    },
    {
        "program": "PICAP", "code": "PCP-COOP", "hours": 30, "modality": "online",
        "language": "en",
        "title": "International police cooperation",
        "summary": ("The channels police use to work across borders, from information "
                    "requests to joint investigation teams."),
        "translations": {
            "es": ("Cooperación policial internacional",
                   "Los canales que usa la policía para trabajar más allá de las fronteras, "
                   "desde las solicitudes de información hasta los equipos conjuntos de "
                   "investigación."),
            "fr": ("Coopération policière internationale",
                   "Les canaux qu'utilise la police pour travailler par-delà les frontières, "
                   "des demandes d'information aux équipes communes d'enquête."),
            "pt": ("Cooperação policial internacional",
                   "Os canais que a polícia usa para trabalhar além das fronteiras, desde os "
                   "pedidos de informação até as equipes conjuntas de investigação."),
        },
        "modules": [
            {"title": "Channels for cooperation", "lessons": [
                {"title": "Police-to-police channels", "body": md("""
                    ## Asking a colleague abroad

                    Many requests can go directly between police services through their
                    national contact points, without a court order. Using the agreed
                    channel keeps the information usable as evidence later.

                    - Use the national contact point, not personal contacts.
                    - State the legal basis and the purpose of the request.
                    - Mark urgency honestly.
                    """)},
                {"title": "Mutual legal assistance", "body": md("""
                    ## When a court order is needed

                    Evidence for trial, such as bank records or witness statements, usually
                    requires a formal request between central authorities under a treaty.

                    - Identify the applicable treaty or convention.
                    - Work with the prosecutor from the start.
                    - Allow time: formal requests take weeks or months.
                    """)},
            ]},
            {"title": "Working together", "lessons": [
                {"title": "Joint investigation teams", "body": md("""
                    ## One team, several countries

                    When an organised crime group operates in several countries, a joint
                    team with a written agreement can share evidence and coordinate
                    arrests.

                    - Agree on the purpose, duration and members.
                    - Decide which country prosecutes.
                    - Meet regularly and keep shared minutes.
                    """)},
                {"title": "Sharing information lawfully", "body": md("""
                    ## Protecting the data you share

                    Personal data sent abroad stays subject to data protection rules.
                    Handling codes tell the receiver what they may do with it.

                    - Share only what the request needs.
                    - Mark the handling conditions.
                    - Log what was sent, to whom and when.
                    """)},
            ]},
        ],
    },
    {
        "program": "PICAP", "code": "PCP-INVESTIGATION", "hours": 160,
        "modality": "face_to_face", "language": "en",
        "title": "Criminal investigation techniques",
        "summary": ("From the crime scene to the case file: securing evidence, chain of "
                    "custody, investigative interviewing and analysis."),
        "translations": {
            "es": ("Técnicas de investigación criminal",
                   "Del lugar de los hechos al expediente: preservación de indicios, cadena "
                   "de custodia, entrevista de investigación y análisis."),
            "fr": ("Techniques d'enquête criminelle",
                   "De la scène de crime au dossier : préservation des indices, chaîne de "
                   "possession, audition d'enquête et analyse."),
            "pt": ("Técnicas de investigação criminal",
                   "Da cena do crime ao inquérito: preservação de vestígios, cadeia de "
                   "custódia, entrevista investigativa e análise."),
        },
        "modules": [
            {"title": "The crime scene", "lessons": [
                {"title": "Securing and documenting a scene", "body": md("""
                    ## The first officer on scene

                    What happens in the first minutes decides what evidence survives.
                    The first officer protects life, then secures the scene and records
                    who enters.

                    - Set a wide outer perimeter.
                    - Keep an entry log.
                    - Photograph before anything is moved.
                    """)},
                {"title": "Chain of custody", "body": md("""
                    ## Every hand that touched it

                    Evidence is accepted in court only if its path can be shown from
                    collection to trial. Each transfer is signed and dated.

                    - Seal and label every item at collection.
                    - Record each transfer on the custody form.
                    - Store items in controlled, logged rooms.
                    """)},
            ]},
            {"title": "Interviews and analysis", "lessons": [
                {"title": "Investigative interviewing", "body": md("""
                    ## Seeking information, not confessions

                    Interviews aimed at gathering accurate information produce more
                    reliable evidence than pressure. Planned, open interviews are also
                    respectful of the person's rights.

                    - Plan and prepare.
                    - Let the person give a free account.
                    - Clarify and challenge with the evidence, then close.
                    """)},
                {"title": "Link analysis", "body": md("""
                    ## Seeing the network

                    Charts of people, telephones, vehicles and places reveal how a group
                    is organised and who to prioritise.

                    - Record the source of every link.
                    - Distinguish confirmed from suspected links.
                    - Update the chart as the case develops.
                    """)},
            ]},
        ],
    },
    {
        "program": "PICAP", "code": "PCP-CRIM-INFO", "hours": 40, "modality": "online",
        "language": "en",
        "title": "Criminal information systems",
        "summary": ("Recording, analysing and protecting police information so that it can "
                    "be trusted and shared."),
        "translations": {
            "es": ("Sistemas de información criminal",
                   "Registrar, analizar y proteger la información policial para que sea "
                   "confiable y pueda compartirse."),
            "fr": ("Systèmes d'information criminelle",
                   "Enregistrer, analyser et protéger l'information policière pour qu'elle "
                   "soit fiable et puisse être partagée."),
            "pt": ("Sistemas de informação criminal",
                   "Registrar, analisar e proteger a informação policial para que seja "
                   "confiável e possa ser compartilhada."),
        },
        "modules": [
            {"title": "Records and data quality", "lessons": [
                {"title": "Recording incidents consistently", "body": md("""
                    ## One incident, one record

                    Statistics are only as good as the records behind them. Common
                    categories and mandatory fields make figures comparable between
                    stations and countries.

                    - Use the national classification of offences.
                    - Fill in date, place and offence type every time.
                    - Link records of the same incident instead of duplicating them.
                    """)},
                {"title": "Checking data quality", "body": md("""
                    ## Errors found early cost less

                    Regular checks find missing fields, impossible dates and duplicates
                    before they reach reports.

                    - Run weekly completeness checks.
                    - Return records with errors to the station that made them.
                    - Publish the quality indicators with the statistics.
                    """)},
            ]},
            {"title": "Analysis and protection", "lessons": [
                {"title": "Crime mapping", "body": md("""
                    ## Where and when

                    Maps of incidents by place and time show hot spots and guide patrols
                    and prevention work.

                    - Geocode every incident you can.
                    - Compare periods of equal length.
                    - Share maps with local partners, without personal data.
                    """)},
                {"title": "Access control and audit", "body": md("""
                    ## Who saw what

                    Police databases hold sensitive personal data. Access is limited to
                    people who need it, and every search is logged.

                    - Give each user their own account.
                    - Grant access by role and review it yearly.
                    - Audit unusual searches.
                    """)},
            ]},
        ],
    },
    {
        "program": "PICAP", "code": "PCP-BORDER", "hours": 80, "modality": "face_to_face",
        "language": "en",
        "title": "Border security",
        "summary": ("Risk-based controls at land, air and sea borders, document examination, "
                    "and cooperation between the agencies that work at the border."),
        "translations": {
            "es": ("Seguridad fronteriza",
                   "Controles basados en el riesgo en fronteras terrestres, aéreas y "
                   "marítimas, examen de documentos y cooperación entre las instituciones "
                   "que trabajan en la frontera."),
            "fr": ("Sécurité des frontières",
                   "Contrôles fondés sur le risque aux frontières terrestres, aériennes et "
                   "maritimes, examen des documents et coopération entre les services "
                   "présents à la frontière."),
            "pt": ("Segurança de fronteiras",
                   "Controles baseados em risco nas fronteiras terrestres, aéreas e "
                   "marítimas, exame de documentos e cooperação entre as instituições que "
                   "atuam na fronteira."),
        },
        "modules": [
            {"title": "Controls at the border", "lessons": [
                {"title": "Risk-based screening", "body": md("""
                    ## Focusing on the few

                    Most travellers and goods are legitimate. Advance information and risk
                    profiles let officers spend their time on the few that are not.

                    - Use advance passenger information where available.
                    - Review risk profiles regularly.
                    - Record the outcome of every referral.
                    """)},
                {"title": "Document examination", "body": md("""
                    ## Is this document genuine?

                    A first-line check takes under a minute: look, feel and tilt. Doubtful
                    documents go to a second-line examiner with better equipment.

                    - Check the photograph against the holder.
                    - Check security features under ultraviolet light.
                    - Compare with a reference specimen.
                    """)},
            ]},
            {"title": "Working together at the border", "lessons": [
                {"title": "Coordinated border management", "body": md("""
                    ## Many agencies, one border

                    Police, customs, immigration and health services share the same
                    border crossing. Joint planning avoids gaps and duplicated controls.

                    - Hold joint briefings at the start of each shift.
                    - Share alerts through one channel.
                    - Agree who leads in each type of incident.
                    """)},
                {"title": "Identifying victims of trafficking", "body": md("""
                    ## Signs to notice

                    Victims of trafficking in persons rarely identify themselves. Border
                    officers may be the only officials who see them before exploitation.

                    - Someone else holds the traveller's documents.
                    - The traveller cannot say where they will work or stay.
                    - Refer possible victims to the protection service, not to detention.
                    """)},
            ]},
        ],
    },
    {
        "program": "PICAP", "code": "PCP-FIREARMS", "hours": 40, "modality": "face_to_face",
        "language": "en",
        "title": "Firearms marking and tracing",
        "summary": ("Marking firearms at manufacture, import and in state stocks, recording "
                    "seized firearms and tracing their origin with other countries."),
        "translations": {
            "es": ("Marcaje y rastreo de armas de fuego",
                   "Marcaje de armas de fuego en la fabricación, la importación y los "
                   "arsenales del Estado, registro de armas incautadas y rastreo de su "
                   "origen con otros países."),
            "fr": ("Marquage et traçage des armes à feu",
                   "Le marquage des armes à feu à la fabrication, à l'importation et dans les "
                   "stocks de l'État, l'enregistrement des armes saisies et le traçage de "
                   "leur origine avec d'autres pays."),
            "pt": ("Marcação e rastreamento de armas de fogo",
                   "Marcação de armas de fogo na fabricação, na importação e nos estoques do "
                   "Estado, registro de armas apreendidas e rastreamento da sua origem com "
                   "outros países."),
        },
        "modules": [
            {"title": "Marking", "lessons": [
                {"title": "Why marking matters", "body": md("""
                    ## A unique identity for every firearm

                    The Inter-American Convention against the illicit manufacturing of and
                    trafficking in firearms requires markings that identify the maker,
                    the country and a serial number. Without them, tracing is impossible.

                    - Marking at manufacture.
                    - Marking at import.
                    - Marking of state-owned firearms.
                    """)},
                {"title": "Marking methods", "body": md("""
                    ## Stamping, engraving and laser

                    Markings must be on a part that is hard to replace and hard to erase.
                    Each method has a cost and a level of resistance to tampering.

                    - Stamping is cheap and deep.
                    - Laser engraving is fast and precise.
                    - Keep marking records for the life of the firearm.
                    """)},
            ]},
            {"title": "Tracing", "lessons": [
                {"title": "Recording seized firearms", "body": md("""
                    ## A good record makes a trace possible

                    A trace request is only as good as the description of the firearm.
                    Record every marking exactly as it appears.

                    - Photograph every marking.
                    - Record make, model, calibre and serial number.
                    - Note signs of altered or erased serial numbers.
                    """)},
                {"title": "Sending a tracing request", "body": md("""
                    ## Following the firearm back

                    A tracing request asks the country of manufacture or last legal import
                    to follow the firearm's history until it left the legal market.

                    - Send the request through the national contact point.
                    - Include the full record and photographs.
                    - Use the answer to find the point of diversion.
                    """)},
            ]},
        ],
    },
]

# ---------------------------------------------------------------- people

# email -> fields; the staff roles are granted below.
PEOPLE: dict[str, dict[str, Any]] = {
    # Staff
    "admin@example.org": dict(full_name="Ana Lucía Torres", locale="en", country="US",
                              gender="female", is_admin=True),
    "coordinator.proccer@example.org": dict(full_name="Patricia Mendoza Ríos", locale="es",
                                            country="US", gender="female"),
    "coordinator.picap@example.org": dict(full_name="Daniel Okafor", locale="en",
                                          country="US", gender="male"),
    "instructor.salinas@example.org": dict(full_name="Roberto Salinas Vega", locale="es",
                                           country="MX", gender="male", institution=MX_BODY),
    "instructor.cardenas@example.org": dict(full_name="Luz Marina Cárdenas", locale="es",
                                            country="CO", gender="female",
                                            institution=CO_POLICE),
    "instructor.tremblay@example.org": dict(full_name="Marc-André Tremblay", locale="fr",
                                            country="CA", gender="male",
                                            institution=CA_PROVIDER),
    "officer.mx@example.org": dict(full_name="Gabriela Ortiz Fuentes", locale="es",
                                   country="MX", gender="female", institution=MX_BODY),
    "officer.caribbean@example.org": dict(full_name="Andrew Campbell", locale="en",
                                          country="JM", gender="male",
                                          institution=CARIBBEAN_BODY),
    # National focal points: each nominates their country's officers for PICAP courses.
    "focal.br@example.org": dict(full_name="Carla Menezes Duarte", locale="pt", country="BR",
                                 gender="female", institution=BR_POLICE),
    "focal.tt@example.org": dict(full_name="Kendall Baptiste", locale="en", country="TT",
                                 gender="male", institution=TT_POLICE),
    "focal.cl@example.org": dict(full_name="Rodrigo Fuentes Lagos", locale="es", country="CL",
                                 gender="male", institution=CL_SCHOOL),
    # OAS monitoring and evaluation: follows both programs' figures, never a name.
    "observer@example.org": dict(full_name="Margaret Ellison", locale="en", country="US",
                                 gender="female"),
    # Trainees
    "maria.nunez@example.org": dict(full_name="María José Núñez", locale="es", country="MX",
                                    gender="female"),
    "jose.hernandez@example.org": dict(full_name="José Luis Hernández Pérez", locale="es",
                                       country="MX", gender="male"),
    "guadalupe.ramirez@example.org": dict(full_name="Guadalupe Ramírez Castañeda",
                                          locale="es", country="MX", gender="female"),
    "joao.goncalves@example.org": dict(full_name="João Gonçalves", locale="pt", country="BR",
                                       gender="male", institution=BR_POLICE),
    "ana.conceicao@example.org": dict(full_name="Ana Beatriz Conceição", locale="pt",
                                      country="BR", gender="female", institution=BR_POLICE),
    "emilie.cote@example.org": dict(full_name="Émilie Côté", locale="fr", country="CA",
                                    gender="female"),
    "jean-baptiste.etienne@example.org": dict(full_name="Jean-Baptiste Étienne", locale="fr",
                                              country="HT", gender="male",
                                              institution=HT_PROVIDER),
    "shanice.campbell@example.org": dict(full_name="Shanice Campbell", locale="en",
                                         country="JM", gender="female"),
    "devon.williams@example.org": dict(full_name="Devon Williams", locale="en", country="TT",
                                       gender="male", institution=TT_POLICE),
    "andres.munoz@example.org": dict(full_name="Andrés Felipe Muñoz", locale="es",
                                     country="CO", gender="male", institution=CO_POLICE),
    "valentina.soto@example.org": dict(full_name="Valentina Soto Aravena", locale="es",
                                       country="CL", gender="female", institution=CL_SCHOOL),
    "sam.rampersad@example.org": dict(full_name="Sam Rampersad", locale="en", country="TT",
                                      gender="other", institution=TT_POLICE),
}

COORDINATORS = {"coordinator.proccer@example.org": "PROCCER",
                "coordinator.picap@example.org": "PICAP"}
OFFICERS = {"officer.mx@example.org": MX_BODY,
            "officer.caribbean@example.org": CARIBBEAN_BODY}
OBSERVERS = {"observer@example.org": ("PROCCER", "PICAP")}
FOCAL_POINTS = {"focal.br@example.org": ("PICAP", "BR"), "focal.tt@example.org": ("PICAP", "TT"),
                "focal.cl@example.org": ("PICAP", "CL")}

# The logins printed by ``lms demo``: every role, and one trainee per language.
LOGINS: list[tuple[str, str]] = [
    ("Administrator", "admin@example.org"),
    ("Coordinator, PROCCER", "coordinator.proccer@example.org"),
    ("Coordinator, PICAP", "coordinator.picap@example.org"),
    ("Instructor, PROCCER Mexico", "instructor.salinas@example.org"),
    ("Instructor, PICAP online", "instructor.cardenas@example.org"),
    ("Certifying-body officer (MX)", "officer.mx@example.org"),
    ("Observer, both programs (figures only)", "observer@example.org"),
    ("National focal point, PICAP (BR)", "focal.br@example.org"),
    ("Trainee (es, Mexico)", "maria.nunez@example.org"),
    ("Trainee (pt, Brazil)", "joao.goncalves@example.org"),
    ("Trainee (fr, Haiti)", "jean-baptiste.etienne@example.org"),
    ("Trainee (en, Jamaica)", "shanice.campbell@example.org"),
]

# ---------------------------------------------------------------- cohorts

# Offsets in days from today. "enrolled": email -> (status, lessons completed).
COHORTS: list[dict[str, Any]] = [
    {   # Running now; enrolment closed before it started.
        "code": "PRC-TRT-MX-CDMX-01", "course": "PRC-TRT-MX", "language": "es",
        "country": "MX", "host": MX_BODY, "starts": -30, "ends": 60, "opens": -75,
        "closes": -31, "capacity": 25, "instructors": ["instructor.salinas@example.org"],
        "enrolled": {"maria.nunez@example.org": ("active", 4),
                     "jose.hernandez@example.org": ("active", 2),
                     "guadalupe.ramirez@example.org": ("active", 0)},
    },
    {   # Open for enrolment now, starts in two weeks.
        "code": "PRC-PREV-CAR-JM-01", "course": "PRC-PREV-CAR", "language": "en",
        "country": "JM", "host": CARIBBEAN_BODY, "starts": 14, "ends": 74, "opens": -14,
        "closes": 10, "capacity": 30, "instructors": ["instructor.tremblay@example.org"],
        "enrolled": {"shanice.campbell@example.org": ("active", 1)},
    },
    {   # Finished: closed and in the past.
        "code": "PRC-PREV-CAR-TT-01", "course": "PRC-PREV-CAR", "language": "en",
        "country": "TT", "host": CARIBBEAN_BODY, "starts": -200, "ends": -140, "opens": -240,
        "closes": -201, "capacity": 30, "instructors": ["instructor.tremblay@example.org"],
        "enrolled": {"devon.williams@example.org": ("completed", 4),
                     "sam.rampersad@example.org": ("withdrawn", 1)},
    },
    {   # Taught in French from the English course; open now.
        "code": "PRC-PREV-HT-01", "course": "PRC-PREV-101", "language": "fr",
        "country": "HT", "host": HT_PROVIDER, "starts": 30, "ends": 120, "opens": -7,
        "closes": 25, "capacity": 20, "instructors": ["instructor.tremblay@example.org"],
        "enrolled": {"jean-baptiste.etienne@example.org": ("active", 0)},
    },
    {   # Online levelling course in Spanish, running, open until the third week.
        "code": "PCP-INTRO-ES-01", "course": "PCP-INTRO", "language": "es", "country": "CO",
        "host": CO_POLICE, "starts": -7, "ends": 50, "opens": -30, "closes": 20,
        "capacity": None, "instructors": ["instructor.cardenas@example.org"],
        "enrolled": {"andres.munoz@example.org": ("active", 3),
                     "valentina.soto@example.org": ("active", 1)},
    },
    {   # Online levelling course in Portuguese, running and open.
        "code": "PCP-INTRO-PT-01", "course": "PCP-INTRO", "language": "pt", "country": "BR",
        "host": BR_POLICE, "starts": -7, "ends": 50, "opens": -30, "closes": 20,
        "capacity": None, "instructors": ["instructor.cardenas@example.org"],
        "enrolled": {"joao.goncalves@example.org": ("active", 2),
                     "ana.conceicao@example.org": ("active", 0)},
    },
    {   # Face-to-face in Bogotá, four weeks, full: every seat taken. Participants from
        # Brazil and Trinidad and Tobago follow through interpreters.
        "code": "PCP-HR-FORCE-BOG-01", "course": "PCP-HR-FORCE", "language": "es",
        "interpretation": "en,pt",
        "country": "CO", "host": CO_POLICE, "starts": 21, "ends": 49, "opens": -20,
        "closes": 7, "capacity": 4, "instructors": ["instructor.cardenas@example.org"],
        "enrolled": {"andres.munoz@example.org": ("active", 0),
                     "valentina.soto@example.org": ("active", 0),
                     "joao.goncalves@example.org": ("active", 0),
                     "sam.rampersad@example.org": ("active", 0)},
    },
    {   # Finished face-to-face course in Chile.
        "code": "PCP-INVESTIGATION-SCL-01", "course": "PCP-INVESTIGATION", "language": "es",
        "country": "CL", "host": CL_SCHOOL, "starts": -120, "ends": -92, "opens": -180,
        "closes": -130, "capacity": 16, "instructors": ["instructor.cardenas@example.org"],
        "enrolled": {"valentina.soto@example.org": ("completed", 4),
                     "andres.munoz@example.org": ("failed", 3)},
    },
    {   # Online, in French, open now.
        "code": "PCP-COOP-FR-01", "course": "PCP-COOP", "language": "fr", "country": "CA",
        "host": CA_PROVIDER, "starts": 3, "ends": 45, "opens": -10, "closes": 14,
        "capacity": 40, "instructors": ["instructor.tremblay@example.org"],
        "enrolled": {"emilie.cote@example.org": ("active", 0)},
    },
    {   # Online, in English, open now with no seat limit.
        "code": "PCP-CRIM-INFO-EN-01", "course": "PCP-CRIM-INFO", "language": "en",
        "country": "CA", "host": CA_PROVIDER, "starts": 10, "ends": 70, "opens": -5,
        "closes": 30, "capacity": None, "instructors": ["instructor.tremblay@example.org"],
        "enrolled": {},
    },
    {   # Face-to-face in Trinidad and Tobago, open now.
        "code": "PCP-BORDER-POS-01", "course": "PCP-BORDER", "language": "en",
        "country": "TT", "host": TT_POLICE, "starts": 40, "ends": 54, "opens": -3,
        "closes": 30, "capacity": 24, "instructors": ["instructor.cardenas@example.org"],
        "enrolled": {"sam.rampersad@example.org": ("invited", 0)},
    },
    {   # Face-to-face in Brazil, enrolment opens next week.
        "code": "PCP-FIREARMS-BSB-01", "course": "PCP-FIREARMS", "language": "pt",
        "country": "BR", "host": BR_POLICE, "starts": 60, "ends": 65, "opens": 7,
        "closes": 45, "capacity": 20, "instructors": ["instructor.cardenas@example.org"],
        "enrolled": {},
    },
]


# ---------------------------------------------------------------- loading

def has_courses() -> bool:
    return db.session.scalar(select(func.count(Course.id))) > 0


def _get_or_create(model, defaults: dict[str, Any] | None = None, **keys: Any):
    """The row of ``model`` matching ``keys``, created with ``defaults`` if missing."""
    row = db.session.scalars(select(model).filter_by(**keys)).first()
    if row is None:
        row = model(**keys, **(defaults or {}))
        db.session.add(row)
        db.session.flush()
    return row


def _load_programs() -> dict[str, Program]:
    programs = {}
    for spec in PROGRAMS:
        program = _get_or_create(Program, code=spec["code"], defaults={
            "certificate_prefix": spec["certificate_prefix"], "language": "en",
            "name": spec["name"], "description": spec["description"]})
        for locale, (name, description) in spec["translations"].items():
            _get_or_create(ProgramTranslation, program_id=program.id, locale=locale,
                           defaults={"name": name, "description": description})
        programs[program.code] = program
    return programs


def _load_courses(programs: dict[str, Program]) -> dict[str, Course]:
    courses = {}
    for spec in COURSES:
        course = _get_or_create(Course, code=spec["code"], defaults={
            "program_id": programs[spec["program"]].id, "hours": spec["hours"],
            "modality": spec["modality"], "language": spec["language"],
            "title": spec["title"], "summary": spec["summary"], "published": True})
        for locale, (title, summary) in spec["translations"].items():
            _get_or_create(CourseTranslation, course_id=course.id, locale=locale,
                           defaults={"title": title, "summary": summary})
        for position, module_spec in enumerate(spec["modules"], start=1):
            module = _get_or_create(Module, course_id=course.id, position=position,
                                    defaults={"title": module_spec["title"]})
            for locale, title in module_spec.get("translations", {}).items():
                _get_or_create(ModuleTranslation, module_id=module.id, locale=locale,
                               defaults={"title": title})
            for lesson_position, lesson_spec in enumerate(module_spec["lessons"], start=1):
                lesson = _get_or_create(Lesson, module_id=module.id, position=lesson_position,
                                        defaults={"title": lesson_spec["title"],
                                                  "body": lesson_spec["body"]})
                for locale, (title, body) in lesson_spec.get("translations", {}).items():
                    _get_or_create(LessonTranslation, lesson_id=lesson.id, locale=locale,
                                   defaults={"title": title, "body": body})
        courses[course.code] = course
    return courses


def _load_people(institutions: dict[str, Institution]) -> dict[str, User]:
    users = {}
    password_hash = None  # hashing is slow on purpose: hash once, share it
    for email, spec in PEOPLE.items():
        fields = dict(spec)
        institution = fields.pop("institution", None)
        user = db.session.scalars(select(User).filter_by(email=email)).first()
        if user is None:
            user = User(email=email, **fields,
                        institution_id=institutions[institution].id if institution else None)
            if password_hash is None:
                user.set_password(DEMO_PASSWORD)
                password_hash = user.password_hash
            else:
                user.password_hash = password_hash
            db.session.add(user)
            db.session.flush()
        users[email] = user
    return users


def _lessons_in_order(course: Course) -> list[Lesson]:
    return [lesson for module in course.modules for lesson in module.lessons]


def _load_cohorts(courses: dict[str, Course], institutions: dict[str, Institution],
                  users: dict[str, User]) -> None:
    today = clock.today(clock.UTC)
    now = clock.now()
    for spec in COHORTS:
        course = courses[spec["course"]]
        cohort = _get_or_create(Cohort, code=spec["code"], defaults={
            "course_id": course.id, "language": spec["language"],
            "interpretation_languages": spec.get("interpretation", ""),
            "country": spec["country"],
            "host_institution_id": institutions[spec["host"]].id,
            "starts_on": today + timedelta(days=spec["starts"]),
            "ends_on": today + timedelta(days=spec["ends"]),
            "enrol_opens_on": today + timedelta(days=spec["opens"]),
            "enrol_closes_on": today + timedelta(days=spec["closes"]),
            "capacity": spec["capacity"], "self_enrolment": True})
        for email in spec["instructors"]:
            if users[email] not in cohort.instructors:
                cohort.instructors.append(users[email])
        lessons = _lessons_in_order(course)
        for email, (status, done) in spec["enrolled"].items():
            enrolment = _get_or_create(Enrolment, cohort_id=cohort.id,
                                       user_id=users[email].id,
                                       defaults={"status": EnrolmentStatus(status)})
            for lesson in lessons[:done]:
                _get_or_create(LessonCompletion, enrolment_id=enrolment.id,
                               lesson_id=lesson.id, defaults={"completed_at": now})
            if done and enrolment.last_lesson_id is None:
                enrolment.last_lesson_id = lessons[min(done, len(lessons)) - 1].id
                enrolment.last_seen_at = now
    db.session.flush()


# The Bogotá course's timetable: two mornings a week for four weeks, with interpreters
# into English and Portuguese; (day of the cohort, topic).
BOGOTA_SESSIONS = [
    (0, "Apertura y marco internacional de derechos humanos"),
    (2, "Principios básicos sobre el empleo de la fuerza"),
    (7, "Uso diferenciado de la fuerza: casos prácticos"),
    (9, "Armas menos letales y rendición de cuentas"),
    (14, "Detención y trato de personas privadas de libertad"),
    (16, "Manifestaciones y control de multitudes"),
    (21, "Simulación integrada"),
    (23, "Evaluación final y clausura"),
]


def _load_schedule(users: dict[str, User]) -> None:
    cohort = db.session.scalars(select(Cohort).filter_by(code="PCP-HR-FORCE-BOG-01")).one()
    if db.session.scalars(select(CohortSession.id).filter_by(cohort_id=cohort.id)).first():
        return
    coordinator = users["coordinator.picap@example.org"]
    instructor = users["instructor.cardenas@example.org"]
    for offset, topic in BOGOTA_SESSIONS:
        schedule_services.add_session(coordinator, cohort, schedule_services.SessionData(
            day=cohort.starts_on + timedelta(days=offset), starts=time(8, 30),
            ends=time(12, 30), topic=topic,
            place="Escuela de Cooperación Internacional, aula 3, Bogotá",
            instructor_id=instructor.id, interpretation_languages=["en", "pt"]))


# The next Bogotá intake is by nomination: two seats per member state, nominated by the
# national focal points, decided by PICAP's coordinator.
BOGOTA_NOMINATION_COHORT = "PCP-HR-FORCE-BOG-02"


def _load_nominations(courses: dict[str, Course], institutions: dict[str, Institution],
                      users: dict[str, User]) -> None:
    today = clock.today(clock.UTC)
    cohort = _get_or_create(Cohort, code=BOGOTA_NOMINATION_COHORT, defaults={
        "course_id": courses["PCP-HR-FORCE"].id, "language": "es",
        "interpretation_languages": "en,pt", "country": "CO",
        "host_institution_id": institutions[CO_POLICE].id,
        "starts_on": today + timedelta(days=75), "ends_on": today + timedelta(days=103),
        "capacity": 24, "self_enrolment": False, "by_nomination": True,
        "seats_per_country": 2, "nominations_open_on": today - timedelta(days=10),
        "nominations_close_on": today + timedelta(days=40)})
    if users["instructor.cardenas@example.org"] not in cohort.instructors:
        cohort.instructors.append(users["instructor.cardenas@example.org"])
    db.session.flush()
    if db.session.scalars(select(Nomination.id).filter_by(cohort_id=cohort.id)).first():
        return
    coordinator = users["coordinator.picap@example.org"]
    brazil = users["focal.br@example.org"]
    joao = nomination_services.nominate(brazil, cohort, "BR", nomination_services.NomineeData(
        email="joao.goncalves@example.org"), today=today)
    nomination_services.nominate(brazil, cohort, "BR", nomination_services.NomineeData(
        email="ana.conceicao@example.org"), today=today)
    devon = nomination_services.nominate(
        users["focal.tt@example.org"], cohort, "TT",
        nomination_services.NomineeData(email="devon.williams@example.org"), today=today)
    nomination_services.nominate(
        users["focal.cl@example.org"], cohort, "CL",
        nomination_services.NomineeData(email="valentina.soto@example.org"), today=today)
    nomination_services.decide(coordinator, joao, "accepted")
    nomination_services.decide(coordinator, devon, "waitlisted",
                               "Trinidad and Tobago's seats are held for the officers named "
                               "in the bilateral agreement; a seat may free in June.")


def _texts(title: str, body: str) -> dict[str, str]:
    return {"title": title, "body": body}


def _load_announcements(users: dict[str, User]) -> None:
    cohort = db.session.scalars(select(Cohort).filter_by(code="PCP-HR-FORCE-BOG-01")).one()
    if db.session.scalars(select(Announcement.id).filter_by(cohort_id=cohort.id)).first():
        return
    announcement_services.post(
        users["instructor.cardenas@example.org"], cohort=cohort, language="es",
        title="Llegada a Bogotá y primer día",
        body=md("""
            Bienvenidos. El primer día nos vemos a las **8:00** en la Escuela de Cooperación
            Internacional (aula 3) para la acreditación; la sesión empieza a las 8:30.

            - Traigan su documento de identidad y la carta de su institución.
            - Habrá interpretación al inglés y al portugués en todas las sesiones.
            """),
        translations={
            "en": _texts("Arriving in Bogotá and the first day", md("""
                Welcome. On the first day we meet at **8:00** at the International
                Cooperation School (room 3) for accreditation; the session starts at 8:30.

                - Bring your identity document and your institution's letter.
                - Every session is interpreted into English and Portuguese.
                """)),
            "pt": _texts("Chegada a Bogotá e o primeiro dia", md("""
                Bem-vindos. No primeiro dia nos encontramos às **8:00** na Escola de
                Cooperação Internacional (sala 3) para o credenciamento; a sessão começa
                às 8:30.

                - Tragam seu documento de identidade e a carta da sua instituição.
                - Haverá interpretação para inglês e português em todas as sessões.
                """))},
        mail=True)
    program = cohort.course.program
    announcement_services.post(
        users["coordinator.picap@example.org"], program=program, language="en",
        title="Nominations open for the next Bogotá intake",
        body=md("""
            National focal points can now nominate two officers per member state for the
            next course on human rights and the use of force in Bogotá. Nominations close
            in forty days."""),
        translations={
            "es": _texts("Abiertas las postulaciones para la próxima edición en Bogotá", md("""
                Los puntos focales nacionales ya pueden postular a dos funcionarios por
                Estado miembro para el próximo curso sobre derechos humanos y uso de la
                fuerza en Bogotá. Las postulaciones cierran en cuarenta días.""")),
            "pt": _texts("Abertas as indicações para a próxima edição em Bogotá", md("""
                Os pontos focais nacionais já podem indicar dois servidores por Estado
                membro para o próximo curso sobre direitos humanos e uso da força em
                Bogotá. As indicações fecham em quarenta dias."""))},
        mail=False)


def existing_logins() -> list[tuple[str, str]]:
    """The demo logins whose accounts exist in this database."""
    emails = {email for _role, email in LOGINS}
    present = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    return [(role, email) for role, email in LOGINS if email in present]


def load() -> list[tuple[str, str]]:
    """Load the demo data set (idempotent; flushes only) and return the logins to print.

    Each login is ``(role description, email)``; every demo account's password is
    ``DEMO_PASSWORD``.
    """
    institutions = {
        name: _get_or_create(Institution, name=name, defaults={"kind": kind,
                                                               "country": country})
        for name, (kind, country) in INSTITUTIONS.items()}
    programs = _load_programs()
    courses = _load_courses(programs)
    users = _load_people(institutions)
    for email, program_code in COORDINATORS.items():
        _get_or_create(ProgramCoordinator, program_id=programs[program_code].id,
                       user_id=users[email].id)
    for email, body in OFFICERS.items():
        _get_or_create(BodyOfficer, institution_id=institutions[body].id,
                       user_id=users[email].id)
    for email, program_codes in OBSERVERS.items():
        for program_code in program_codes:
            _get_or_create(ProgramObserver, program_id=programs[program_code].id,
                           user_id=users[email].id)
    for email, (program_code, country) in FOCAL_POINTS.items():
        _get_or_create(FocalPoint, program_id=programs[program_code].id, country=country,
                       user_id=users[email].id)
    _load_cohorts(courses, institutions, users)
    _load_schedule(users)
    _load_nominations(courses, institutions, users)
    _load_announcements(users)
    _load_assessments(courses, users)
    demo_certificates.load()
    return list(LOGINS)


# ---------------------------------------------------------------- assessments

def gift_text(text: str) -> str:
    """GIFT source written with backslash line continuations: collapse their indentation."""
    return re.sub(" {2,}", " ", md(text))


# Questions are written in GIFT, the format trainers export from Moodle, and
# imported through the same service as the "Import GIFT" page, so the demo
# exercises the parser as well.
PCP_INTRO_GIFT = gift_text("""
    // PICAP introductory levelling course: knowledge check
    ::Shared priorities:: Where do the OAS member states set their security priorities? {
    =In the General Assembly#Right: the committees then follow each topic.
    ~In the specialised committees#The committees follow each topic; they do not set priorities.
    ~In each training program
    ~In the host police institution
    }

    ::Face-to-face hosts:: Who hosts a PICAP face-to-face course? {
    =The police institution of a member state
    ~The OAS General Secretariat
    ~The trainee's own police station
    }

    ::Study habits:: Which habits help you complete an online course? Choose all that apply. {
    ~%50%Blocking two or three hours a week in your calendar
    ~%50%Reading each lesson before its activities
    ~%-100%Studying everything the night before the deadline
    ~%-100%Keeping your enrolment from your supervisor
    }

    ::Certificates:: A PICAP certificate is issued only after every assessment of the course \
    is passed. {T#Right. The certificate tells other countries that you can do the work.}

    ::Levelling course:: Every online PICAP trainee first completes the introductory ... \
    course. Write the missing word. {=levelling =leveling =nivelación =nivelamento}

    ::Weekly study time:: How many hours a week does the course suggest you block in your \
    calendar for study? {#2..3}
    """)

PRC_TRT_MX_GIFT = gift_text("""
    // PROCCER Tratamiento (México): evaluación de conocimientos
    ::Tamizaje:: ¿Cuál de estos es un instrumento validado de tamizaje del consumo de \
    sustancias? {
    =El ASSIST#Correcto. El ASSIST es un instrumento validado de la OMS.
    ~Una entrevista libre sin guion
    ~La opinión de la familia
    ~Un examen de orina
    }

    ::Técnicas de la entrevista motivacional:: ¿Qué técnicas forman parte de la entrevista \
    motivacional? Marque todas las que correspondan. {
    ~%33.33333%Hacer preguntas abiertas
    ~%33.33333%Reflejar lo que se escucha
    ~%33.33333%Resumir
    ~%-100%Discutir para convencer a la persona de que cambie
    }

    ::Recaída:: Una recaída significa que el tratamiento fracasó y debe darse por terminado. \
    {F#Una recaída es frecuente y no es un fracaso del tratamiento. Un plan escrito ayuda a \
    responder pronto.}

    ::Nombre del enfoque:: ¿Cómo se llama la conversación colaborativa que fortalece la \
    motivación propia de la persona para cambiar? {=entrevista motivacional =la entrevista \
    motivacional}

    ::AUDIT:: ¿Cuántas preguntas tiene el cuestionario AUDIT de la OMS? {#10}

    ::Nivel de atención:: Según el continuo de atención, ¿qué nivel de atención debe recibir \
    una persona? {
    =El menos restrictivo que sea seguro y eficaz
    ~Siempre el tratamiento residencial
    ~El que elija la familia
    ~El más intensivo disponible
    }
    """)

# Each quiz: course, coordinator who builds it, title, GIFT text, settings, and the
# attempts demo trainees made: (cohort, email, days ago, answers right "R" / wrong "W"
# in the quiz's order).
QUIZZES: list[dict[str, Any]] = [
    {
        "course": "PCP-INTRO", "author": "coordinator.picap@example.org",
        "title": "Levelling course knowledge check",
        "instructions": ("Six questions on the lessons of this course. You have 20 minutes "
                         "and two attempts; your best attempt counts."),
        "translations": {
            "es": {"title": "Prueba de conocimientos del curso de nivelación",
                   "instructions": ("Seis preguntas sobre las lecciones del curso. Tiene 20 "
                                    "minutos y dos intentos; cuenta el mejor.")},
            "pt": {"title": "Teste de conhecimentos do curso de nivelamento",
                   "instructions": ("Seis perguntas sobre as lições do curso. Você tem 20 "
                                    "minutos e duas tentativas; vale a melhor.")},
        },
        "gift": PCP_INTRO_GIFT, "pass_mark": 70, "weight": 1,
        "attempts": [("PCP-INTRO-ES-01", "andres.munoz@example.org", 3, "RRRRRW"),
                     ("PCP-INTRO-ES-01", "valentina.soto@example.org", 2, "RWRWRW")],
    },
    {
        "course": "PRC-TRT-MX", "author": "coordinator.proccer@example.org",
        "title": "Evaluación de conocimientos: fundamentos del tratamiento",
        "instructions": ("Seis preguntas sobre tamizaje, entrevista motivacional y niveles de "
                         "atención. Dispone de 20 minutos y dos intentos; cuenta el mejor."),
        "translations": {
            "en": {"title": "Knowledge test: treatment foundations",
                   "instructions": ("Six questions on screening, motivational interviewing "
                                    "and levels of care. You have 20 minutes and two "
                                    "attempts; your best attempt counts.")},
        },
        "gift": PRC_TRT_MX_GIFT, "pass_mark": 70, "weight": 1,
        "settings": {"test_role": "post"},
        "attempts": [("PRC-TRT-MX-CDMX-01", "maria.nunez@example.org", 9, "RRRRWR"),
                     ("PRC-TRT-MX-CDMX-01", "jose.hernandez@example.org", 8, "RWRWWR")],
    },
    {
        # The same six questions before the course starts: the learning report compares
        # each trainee's two scores (pre-test and post-test).
        "course": "PRC-TRT-MX", "author": "coordinator.proccer@example.org",
        "title": "Prueba inicial: fundamentos del tratamiento",
        "instructions": ("Las mismas seis preguntas que la evaluación final, antes de empezar: "
                         "no cuenta para la nota y sirve para medir lo aprendido."),
        "translations": {
            "en": {"title": "Pre-test: treatment foundations",
                   "instructions": ("The same six questions as the final test, before you "
                                    "start: it does not count towards your grade and shows "
                                    "what you learned.")},
        },
        "questions_from": "Evaluación de conocimientos: fundamentos del tratamiento",
        "pass_mark": 0, "weight": 0,
        "settings": {"test_role": "pre", "required": False, "position": 1},
        "attempts": [("PRC-TRT-MX-CDMX-01", "maria.nunez@example.org", 30, "RWRWWW"),
                     ("PRC-TRT-MX-CDMX-01", "jose.hernandez@example.org", 29, "WWRWWR")],
    },
]

ASSIGNMENT: dict[str, Any] = {
    "course": "PRC-TRT-MX", "author": "coordinator.proccer@example.org",
    "title": "Estudio de caso: plan de atención para una persona usuaria",
    "instructions": md("""
        Lea el caso de «Luis», de 24 años, que acude al centro de salud por consumo de
        alcohol y cannabis. Escriba un plan de atención de dos o tres páginas:

        - la evaluación del caso con un instrumento validado;
        - los objetivos acordados con Luis y su familia;
        - un plan de prevención de recaídas con recursos de su comunidad.

        Puede escribir su respuesta aquí o adjuntar un archivo PDF o de Word.
        """),
    "translations": {
        "en": {"title": "Case study: a care plan for a service user",
               "instructions": md("""
                   Read the case of "Luis", 24, who comes to the health centre about his use
                   of alcohol and cannabis. Write a care plan of two or three pages:

                   - the assessment of the case with a validated instrument;
                   - the goals agreed with Luis and his family;
                   - a relapse-prevention plan using resources in your community.

                   Write your answer here or attach a PDF or Word file.
                   """)},
    },
    "pass_mark": 60, "weight": 2,
    # criterion -> levels (title, points)
    "rubric": [
        ("Evaluación del caso", [("Insuficiente", 0), ("Básico", 1), ("Competente", 2),
                                 ("Sobresaliente", 3)]),
        ("Objetivos acordados con la persona", [("Insuficiente", 0), ("Básico", 1),
                                                ("Competente", 2), ("Sobresaliente", 3)]),
        ("Plan de prevención de recaídas", [("Insuficiente", 0), ("Básico", 1),
                                            ("Competente", 2), ("Sobresaliente", 3)]),
    ],
    "grader": "instructor.salinas@example.org",
    # (cohort, email, days ago, text, levels chosen per criterion or None: not graded yet)
    "submissions": [
        ("PRC-TRT-MX-CDMX-01", "maria.nunez@example.org", 6, md("""
            Evaluación: apliqué el ASSIST en la primera entrevista. Luis obtiene riesgo
            moderado para alcohol y alto para cannabis; no hay síntomas de abstinencia
            graves y cuenta con el apoyo de su madre y de su equipo de fútbol.

            Objetivos acordados: reducir el consumo de cannabis a fines de semana durante
            el primer mes y suspenderlo en el segundo; no conducir después de beber;
            asistir a cuatro sesiones de entrevista motivacional.

            Prevención de recaídas: identificamos juntos las situaciones de riesgo (las
            fiestas del barrio y el estrés en el trabajo). Luis tendrá un plan escrito con
            el teléfono del centro de salud y de su entrenador, y participará en el grupo
            de ayuda mutua de la parroquia.
            """), (3, 2, 3), "Muy buen plan: los objetivos podrían ser más medibles."),
        ("PRC-TRT-MX-CDMX-01", "jose.hernandez@example.org", 2, md("""
            Luis necesita dejar de consumir. Propongo internarlo en un centro residencial
            durante tres meses y que su familia lo visite cada semana. Al salir, deberá
            asistir a un grupo de autoayuda.
            """), None, ""),
    ],
}

OBSERVATION: dict[str, Any] = {
    "course": "PRC-TRT-MX", "author": "coordinator.proccer@example.org",
    "title": "Observación de habilidades de consejería",
    "instructions": ("El instructor observa una sesión de consejería (real o simulada) y "
                     "registra cada habilidad."),
    "translations": {
        "en": {"title": "Observation of counselling skills",
               "instructions": ("The instructor observes a counselling session (real or "
                                "role-played) and records each skill.")},
    },
    "pass_mark": 80, "weight": 2,
    # (Spanish text, English translation)
    "items": [
        ("Hace preguntas abiertas.", "Asks open questions."),
        ("Refleja y resume lo que la persona expresa.",
         "Reflects and summarises what the person says."),
        ("Reconoce los esfuerzos y las fortalezas de la persona.",
         "Affirms the person's efforts and strengths."),
        ("Evita discutir y responde a la resistencia sin confrontar.",
         "Avoids arguing and responds to resistance without confrontation."),
        ("Acuerda con la persona los objetivos y el siguiente paso.",
         "Agrees the goals and the next step with the person."),
    ],
    "assessor": "instructor.salinas@example.org",
    # (cohort, email, days ago, results per item, comment on the first item)
    "observed": [
        ("PRC-TRT-MX-CDMX-01", "maria.nunez@example.org", 4,
         ("met", "met", "met", "met", "met"),
         "Sesión simulada con un familiar; preguntas abiertas muy naturales."),
    ],
}

ATTENDANCE: dict[str, Any] = {
    "course": "PCP-INVESTIGATION", "author": "coordinator.picap@example.org",
    "title": "Attendance",
    "instructions": ("Face-to-face course: attend at least 80% of the sessions. Excused "
                     "absences do not count against you."),
    "translations": {
        "es": {"title": "Asistencia",
               "instructions": ("Curso presencial: asista al menos al 80 % de las sesiones. "
                                "Las ausencias justificadas no cuentan en su contra.")},
    },
    "pass_mark": 80, "weight": 1,
    "cohort": "PCP-INVESTIGATION-SCL-01", "taker": "instructor.cardenas@example.org",
    # (day from the cohort's start, title); each session starts at 13:00 UTC.
    "sessions": [(0, "Securing and documenting a scene"), (1, "Chain of custody"),
                 (7, "Investigative interviewing"), (8, "Link analysis"),
                 (14, "Practical exercise and debrief")],
    # email -> status per session: P present, A absent, E excused
    "records": {"valentina.soto@example.org": "PPPEP",
                "andres.munoz@example.org": "PAPAP"},
}

_STATUS_LETTERS = {"P": "present", "A": "absent", "E": "excused"}


def _assessment(course: Course, kind: str, spec: dict[str, Any], users: dict[str, User],
                **settings: Any):
    """The course's assessment titled ``spec["title"]``, created through the service."""
    existing = db.session.scalars(select(Assessment).filter_by(
        course_id=course.id, title=spec["title"])).first()
    if existing is not None:
        return existing
    data = AssessmentData(title=spec["title"], instructions=spec["instructions"],
                          pass_mark=spec["pass_mark"], weight=spec["weight"],
                          translations=spec["translations"], **settings)
    return create_assessment(users[spec["author"]], course, kind, data)


def _enrolment(cohorts: dict[str, Cohort], code: str, user: User) -> Enrolment:
    return db.session.scalars(select(Enrolment).filter_by(
        cohort_id=cohorts[code].id, user_id=user.id)).one()


def _response(question, right: bool) -> dict:
    """A response to ``question`` that is right or wrong, as the quiz form would send it."""
    if question.kind == QuestionKind.NUMERIC:
        value = question.numeric_answer if right else question.numeric_answer + 7
        return {"value": str(value.normalize())}
    if question.kind == QuestionKind.SHORT_TEXT:
        return {"text": question.options[0].text if right else "no lo sé"}
    chosen = [o.id for o in question.options if o.correct == right]
    if question.kind != QuestionKind.MULTIPLE or not right:
        chosen = chosen[:1]
    return {"options": [str(i) for i in chosen]}


def _load_quizzes(courses: dict[str, Course], cohorts: dict[str, Cohort],
                  users: dict[str, User]) -> None:
    for spec in QUIZZES:
        course = courses[spec["course"]]
        quiz = _assessment(course, AssessmentKind.QUIZ, spec, users, attempts_allowed=2,
                           time_limit_minutes=20, review_allowed=True,
                           **spec.get("settings", {}))
        if not quiz.quiz_questions and "questions_from" in spec:
            source = db.session.scalars(select(Assessment).filter_by(
                course_id=course.id, title=spec["questions_from"])).one()
            quiz_services.set_quiz_questions(users[spec["author"]], quiz,
                                             [row.question_id for row in source.quiz_questions])
        elif not quiz.quiz_questions:
            questions = quiz_services.import_gift(users[spec["author"]], course, spec["gift"])
            quiz_services.set_quiz_questions(users[spec["author"]], quiz,
                                             [q.id for q in questions])
        questions = {row.question_id: row.question for row in quiz.quiz_questions}
        for code, email, days_ago, pattern in spec["attempts"]:
            trainee = users[email]
            enrolment = _enrolment(cohorts, code, trainee)
            if db.session.scalars(select(Attempt.id).filter_by(
                    assessment_id=quiz.id, enrolment_id=enrolment.id)).first() is not None:
                continue
            started = clock.now() - timedelta(days=days_ago)
            attempt, _resumed = quiz_services.start_attempt(trainee, quiz, enrolment,
                                                            now=started)
            for number, (question_id, mark) in enumerate(
                    zip(attempt.question_order, pattern, strict=True), start=1):
                quiz_services.save_answer(
                    trainee, attempt, questions[question_id],
                    _response(questions[question_id], mark == "R"),
                    now=started + timedelta(minutes=number * 2))
            quiz_services.submit_attempt(trainee, attempt,
                                         now=started + timedelta(minutes=14))


def _load_assignment(courses: dict[str, Course], cohorts: dict[str, Cohort],
                     users: dict[str, User]) -> None:
    spec = ASSIGNMENT
    author = users[spec["author"]]
    assignment = _assessment(courses[spec["course"]], AssessmentKind.ASSIGNMENT, spec, users,
                             accepts_text=True, accepts_file=True)
    if not assignment.criteria:
        assignment_services.save_rubric(author, assignment, [
            assignment_services.CriterionData(
                id=None, title=title, delete=False,
                levels=[assignment_services.LevelData(id=None, title=level,
                                                      points=Decimal(points))
                        for level, points in levels])
            for title, levels in spec["rubric"]])
    for code, email, days_ago, text, levels, feedback in spec["submissions"]:
        trainee = users[email]
        enrolment = _enrolment(cohorts, code, trainee)
        if db.session.scalars(select(Submission.id).filter_by(
                assessment_id=assignment.id, enrolment_id=enrolment.id)).first() is not None:
            continue
        submission = assignment_services.submit(
            trainee, assignment, enrolment, text=text, upload=None, max_bytes=0,
            now=clock.now() - timedelta(days=days_ago))
        if levels is not None:
            choices = {criterion.id: criterion.levels[level].id
                       for criterion, level in zip(assignment.criteria, levels, strict=True)}
            assignment_services.grade(users[spec["grader"]], submission, choices=choices,
                                      percent=None, feedback=feedback, reason="")


def _load_observation(courses: dict[str, Course], cohorts: dict[str, Cohort],
                      users: dict[str, User]) -> None:
    spec = OBSERVATION
    checklist = _assessment(courses[spec["course"]], AssessmentKind.OBSERVATION, spec, users)
    if not checklist.observation_items:
        for text, english in spec["items"]:
            observation_services.add_item(users[spec["author"]], checklist, text=text,
                                          translations={"en": {"text": english}})
        db.session.expire(checklist, ["observation_items"])
    items = checklist.observation_items
    for code, email, days_ago, results, comment in spec["observed"]:
        enrolment = _enrolment(cohorts, code, users[email])
        if db.session.scalars(select(Observation.id).join(ObservationItem).where(
                ObservationItem.assessment_id == checklist.id,
                Observation.enrolment_id == enrolment.id)).first() is not None:
            continue
        observed_on = clock.today(clock.UTC) - timedelta(days=days_ago)
        entries = {item.id: observation_services.ObservationEntry(
                       result, comment if position == 0 else "", observed_on)
                   for position, (item, result) in enumerate(zip(items, results, strict=True))}
        observation_services.record_observations(users[spec["assessor"]], checklist,
                                                 enrolment, entries, today=clock.today(clock.UTC))


def _load_attendance(courses: dict[str, Course], cohorts: dict[str, Cohort],
                     users: dict[str, User]) -> None:
    spec = ATTENDANCE
    _assessment(courses[spec["course"]], AssessmentKind.ATTENDANCE, spec, users)
    cohort = cohorts[spec["cohort"]]
    taker = users[spec["taker"]]
    sessions = []
    for day, title in spec["sessions"]:
        # From the cohort's stored dates, so that loading on another day finds the same rows.
        starts_at = datetime.combine(cohort.starts_on + timedelta(days=day),
                                     datetime.min.time(), tzinfo=UTC) + timedelta(hours=13)
        sessions.append(_get_or_create(AttendanceSession, cohort_id=cohort.id, title=title,
                                       defaults={"starts_at": starts_at}))
    changed = []
    for email, letters in spec["records"].items():
        enrolment = _enrolment(cohorts, spec["cohort"], users[email])
        for session, letter in zip(sessions, letters, strict=True):
            if db.session.get(AttendanceRecord, (session.id, enrolment.id)) is None:
                db.session.add(AttendanceRecord(
                    session_id=session.id, enrolment_id=enrolment.id,
                    status=_STATUS_LETTERS[letter], recorded_by_id=taker.id,
                    recorded_at=session.starts_at + timedelta(hours=4)))
                changed.append(enrolment.id)
    if changed:
        db.session.flush()
        # Writes the attendance grades, and with them the course result.
        update_attendance_grades(cohort, changed, taker)


def _load_assessments(courses: dict[str, Course], users: dict[str, User]) -> None:
    cohorts = {cohort.code: cohort for cohort in db.session.scalars(select(Cohort))}
    _load_quizzes(courses, cohorts, users)
    _load_assignment(courses, cohorts, users)
    _load_observation(courses, cohorts, users)
    _load_attendance(courses, cohorts, users)
    db.session.flush()
