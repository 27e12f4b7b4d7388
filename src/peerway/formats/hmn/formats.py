# Hmong: numbers only (Django has no Hmong month names); month/day/year, as in the United States.
# Needs review by a native speaker.
DATE_FORMAT = "n/j/Y"
SHORT_DATE_FORMAT = "n/j/Y"
DATETIME_FORMAT = "n/j/Y g:i A"
SHORT_DATETIME_FORMAT = "n/j/Y g:i A"
TIME_FORMAT = "g:i A"
YEAR_MONTH_FORMAT = "n/Y"
MONTH_DAY_FORMAT = "n/j"
