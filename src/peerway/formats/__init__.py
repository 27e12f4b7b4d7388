"""Date and time formats for the languages Django has none for (FORMAT_MODULE_PATH).

Django ships neither formats nor month names for Somali or Hmong, so its default formats would print English
month names ("Jan. 6, 2027") on Somali and Hmong pages. These use numbers only: day/month/year for Somali,
month/day/year for Hmong as Hmong Minnesotans write dates. Marked for review with the translations.
"""
