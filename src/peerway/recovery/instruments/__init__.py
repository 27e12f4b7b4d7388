"""The questionnaire engine: instruments and their scoring rules are data (FHIR R4B Questionnaire JSON).

``engine`` is pure (no Django, no FHIR library): definitions, answers and scores. ``fhir`` reads and writes
FHIR R4B ``Questionnaire`` / ``QuestionnaireResponse`` JSON through fhir.resources. See docs/checkins.md.
"""
