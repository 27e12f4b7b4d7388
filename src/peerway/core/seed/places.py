"""Real Minnesota places where generated organizations have their sites.

Cities, counties, ZIP codes and area codes are public facts (checked against the ``zipcodes`` package's
data when this table was written); the organizations placed in them are invented. Where a suburb's ZIP
has a neighbouring city as its USPS primary name, the suburb is one of the ZIP's accepted city names.
The weight is a rough sense of how many programs a place has, so the Twin Cities get most of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    county: str
    city: str
    zip_code: str
    area_code: str
    weight: int = 1


# Phone area codes by region, for participants whose number is not from their organization's city.
AREA_CODES_BY_REGION: dict[str, tuple[str, ...]] = {
    "Metro": ("612", "651", "763", "952"),
    "Northeast": ("218",),
    "Northwest": ("218",),
    "Central": ("320", "763"),
    "Southeast": ("507", "651"),
    "Southwest": ("507",),
}

PLACES: tuple[Place, ...] = (
    # Metro
    Place("Hennepin", "Minneapolis", "55404", "612", 12),
    Place("Hennepin", "Bloomington", "55420", "952", 3),
    Place("Hennepin", "Brooklyn Park", "55443", "763", 3),
    Place("Hennepin", "Richfield", "55423", "612", 2),
    Place("Ramsey", "Saint Paul", "55104", "651", 9),
    Place("Ramsey", "Roseville", "55113", "651", 2),
    Place("Ramsey", "Maplewood", "55109", "651", 2),
    Place("Dakota", "Burnsville", "55337", "952", 3),
    Place("Dakota", "Eagan", "55122", "651", 2),
    Place("Dakota", "Hastings", "55033", "651", 1),
    Place("Anoka", "Coon Rapids", "55433", "763", 3),
    Place("Anoka", "Anoka", "55303", "763", 2),
    Place("Washington", "Stillwater", "55082", "651", 1),
    Place("Washington", "Woodbury", "55125", "651", 2),
    Place("Scott", "Shakopee", "55379", "952", 2),
    Place("Carver", "Chaska", "55318", "952", 1),
    # Northeast
    Place("St. Louis", "Duluth", "55802", "218", 6),
    Place("St. Louis", "Hibbing", "55746", "218", 2),
    Place("St. Louis", "Virginia", "55792", "218", 2),
    Place("Carlton", "Cloquet", "55720", "218", 2),
    Place("Itasca", "Grand Rapids", "55744", "218", 2),
    Place("Koochiching", "International Falls", "56649", "218", 1),
    Place("Lake", "Two Harbors", "55616", "218", 1),
    Place("Aitkin", "Aitkin", "56431", "218", 1),
    Place("Cook", "Grand Marais", "55604", "218", 1),
    # Northwest
    Place("Beltrami", "Bemidji", "56601", "218", 4),
    Place("Clay", "Moorhead", "56560", "218", 3),
    Place("Crow Wing", "Brainerd", "56401", "218", 3),
    Place("Becker", "Detroit Lakes", "56501", "218", 2),
    Place("Cass", "Walker", "56484", "218", 1),
    Place("Cass", "Cass Lake", "56633", "218", 1),
    Place("Polk", "Crookston", "56716", "218", 1),
    Place("Polk", "East Grand Forks", "56721", "218", 1),
    Place("Pennington", "Thief River Falls", "56701", "218", 1),
    Place("Mahnomen", "Mahnomen", "56557", "218", 1),
    Place("Hubbard", "Park Rapids", "56470", "218", 1),
    Place("Wadena", "Wadena", "56482", "218", 1),
    Place("Roseau", "Roseau", "56751", "218", 1),
    # Central
    Place("Stearns", "Saint Cloud", "56301", "320", 6),
    Place("Kandiyohi", "Willmar", "56201", "320", 2),
    Place("Sherburne", "Elk River", "55330", "763", 2),
    Place("Wright", "Buffalo", "55313", "763", 2),
    Place("Wright", "Monticello", "55362", "763", 1),
    Place("Mille Lacs", "Onamia", "56359", "320", 1),
    Place("Douglas", "Alexandria", "56308", "320", 2),
    Place("Otter Tail", "Fergus Falls", "56537", "218", 2),
    Place("Pine", "Pine City", "55063", "320", 1),
    Place("Pine", "Hinckley", "55037", "320", 1),
    Place("Chisago", "North Branch", "55056", "651", 1),
    Place("Isanti", "Cambridge", "55008", "763", 1),
    Place("Morrison", "Little Falls", "56345", "320", 1),
    Place("McLeod", "Hutchinson", "55350", "320", 1),
    Place("Benton", "Sauk Rapids", "56379", "320", 1),
    # Southeast
    Place("Olmsted", "Rochester", "55904", "507", 6),
    Place("Winona", "Winona", "55987", "507", 2),
    Place("Mower", "Austin", "55912", "507", 2),
    Place("Blue Earth", "Mankato", "56001", "507", 3),
    Place("Rice", "Faribault", "55021", "507", 1),
    Place("Rice", "Northfield", "55057", "507", 1),
    Place("Freeborn", "Albert Lea", "56007", "507", 1),
    Place("Steele", "Owatonna", "55060", "507", 1),
    Place("Goodhue", "Red Wing", "55066", "651", 1),
    Place("Nicollet", "Saint Peter", "56082", "507", 1),
    # Southwest
    Place("Nobles", "Worthington", "56187", "507", 3),
    Place("Lyon", "Marshall", "56258", "507", 2),
    Place("Brown", "New Ulm", "56073", "507", 1),
    Place("Martin", "Fairmont", "56031", "507", 1),
    Place("Pipestone", "Pipestone", "56164", "507", 1),
    Place("Redwood", "Redwood Falls", "56283", "507", 1),
    Place("Jackson", "Jackson", "56143", "507", 1),
    Place("Cottonwood", "Windom", "56101", "507", 1),
)


def place_get(city: str) -> Place:
    """The place named ``city``; raises KeyError for a city not in the table (a typo in a stage's table)."""
    for place in PLACES:
        if place.city == city:
            return place
    raise KeyError(city)
