"""Name pools reflecting Minnesota's communities, for synthetic people.

Each generated person gets a first name and a last name drawn independently from one pool, so every
combination is invented; no list here describes a real person. Famous Minnesotans' names were kept out
of the pools so no draw reproduces one (a review found four pairs a draw could make, such as a state
representative's, and replaced one name of each; tests/core/test_review_synthetic_data.py keeps them out).
Karen names often have no family name in the Western sense; the
"last names" of that pool are common second name parts, as Karen Minnesotans often register them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def _names(text: str) -> tuple[str, ...]:
    # Comma-separated, because some names (Hmong, Karen) contain spaces.
    return tuple(name.strip() for name in text.split(","))


@dataclass(frozen=True)
class NamePool:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


NAME_POOLS: dict[str, NamePool] = {
    "somali": NamePool(
        first_names=_names(
            "Abdi, Abdirahman, Ahmed, Amina, Asha, Ayan, Bashir, Deqa, Farhan, Fartun, Guled, Hamza, Hawa, "
            "Ubah, Ibrahim, Idil, Khadra, Liban, Mahad, Maryan, Mohamed, Muna, Nasra, Nimco, Sagal, Sahra, "
            "Yasmin, Zakariye"
        ),
        last_names=_names(
            "Abdullahi, Aden, Ali, Dahir, Egal, Farah, Gedi, Hassan, Hirsi, Hussein, Ismail, Jama, Mohamud, "
            "Nur, Osman, Samatar, Musse, Yusuf"
        ),
    ),
    "hmong": NamePool(
        first_names=_names(
            "Bao, Cheng, Choua, Chue, Doua, Houa, Ka, Kia, Kou, Lue, Mai, Mai Nhia, Maiv, Neng, Nhia, Nou, Pa, "
            "Pa Houa, Pheng, Shoua, Yer, Xee, Yeng, Yia, Zoua"
        ),
        last_names=_names("Cha, Chang, Hang, Her, Khang, Kue, Lee, Lor, Moua, Thao, Vang, Vue, Xiong, Yang"),
    ),
    "latino": NamePool(
        first_names=_names(
            "Adriana, Alejandra, Alejandro, Ana, Carlos, Daniela, Diego, Eduardo, Elena, Fernando, Guadalupe, "
            "Héctor, Javier, Jesús, José, Juan, Lucía, Luis, María, Marisol, Miguel, Óscar, Patricia, Ricardo, "
            "Rosa, Sofía, Verónica, Yesenia"
        ),
        last_names=_names(
            "Aguilar, Castillo, Chávez, Cruz, Flores, García, González, Gutiérrez, Hernández, López, Martínez, "
            "Mendoza, Morales, Ortiz, Ramírez, Reyes, Rodríguez, Sánchez, Torres, Vázquez"
        ),
    ),
    "oromo": NamePool(
        first_names=_names(
            "Abdi, Bilise, Bontu, Chala, Chaltu, Ebise, Fayo, Gadaa, Gemechu, Hawi, Ifa, Jaalo, Kedir, Lalise, "
            "Lensa, Meti, Obsa, Tolera, Urji"
        ),
        last_names=_names(
            "Abdi, Abera, Daba, Dinsa, Gudina, Gutema, Hirpa, Jilo, Kedir, Negasa, Sori, Tolossa, Tufa, Wako"
        ),
    ),
    "ethiopian": NamePool(
        first_names=_names(
            "Abel, Bethlehem, Biniam, Dawit, Eden, Hana, Mekdes, Meron, Rahel, Samuel, Selam, Tsion, Yared, Yonas"
        ),
        last_names=_names("Alemu, Assefa, Bekele, Getachew, Haile, Kebede, Mengesha, Tadesse, Tesfaye, Wolde"),
    ),
    "karen": NamePool(
        first_names=_names(
            "Blu Moo, Eh Htoo, Eh Ler, Eh Soe, Hsa Mu, Hser Nay, Htoo Htoo, Kaw Lah, Ku Paw, Ler Wah, Moo Moo, "
            "Naw Paw, Paw Htoo, Paw Lah, Saw Htoo, Say Wah, Tha Blay"
        ),
        last_names=_names("Doh, Htee, Htoo, Kler, Lay, Moo, Mu, Paw, Poe, Say, Soe, Wah"),
    ),
    "ojibwe": NamePool(
        first_names=_names(
            "Autumn, Brandy, Cheyenne, Cody, Corey, Dana, Dustin, Jenna, Jolene, Leah, Marlon, Raven, Roxanne, "
            "Shania, Shawn, Sierra, Tanner, Travis, Vernon, Wade, Waylon"
        ),
        last_names=_names(
            "Beaulieu, Bellanger, Bonga, Chosa, Defoe, Fairbanks, Goodsky, Howes, Jourdain, Kingbird, Martin, "
            "Morrison, Smith, Thompson, Wind"
        ),
    ),
    "dakota": NamePool(
        first_names=_names(
            "Cheyenne, Darrell, Dion, Jolene, Kendra, Leon, Mariah, Nathan, Rochelle, Shawna, Tristan, Loretta"
        ),
        last_names=_names(
            "Blacksmith, Campbell, Cavender, Crooks, Goodthunder, Jones, Kitto, Larsen, Pratt, Prescott, "
            "Robertson, Seaboy"
        ),
    ),
    "african_american": NamePool(
        first_names=_names(
            "Aaliyah, Andre, Brianna, Darnell, DeShawn, Imani, Jamal, Jasmine, Jerome, Keisha, Kiara, Latoya, "
            "Malik, Marcus, Monique, Nia, Tasha, Terrell, Tyrone, Xavier"
        ),
        last_names=_names(
            "Bell, Booker, Brown, Coleman, Davis, Freeman, Harris, Jackson, Jefferson, Johnson, Robinson, "
            "Thomas, Walker, Washington, Williams, Wilson"
        ),
    ),
    "liberian": NamePool(
        first_names=_names(
            "Alfred, Blessing, Comfort, Emmanuel, Esther, Fatu, Korpo, Mamie, Moses, Musu, Patience, Prince, "
            "Satta, Sekou"
        ),
        last_names=_names("Dolo, Flomo, Gbessay, Jallah, Kamara, Kollie, Kpoto, Sumo, Tarr, Toe, Wleh, Zinnah"),
    ),
    "vietnamese": NamePool(
        first_names=_names("Anh, Duc, Hoa, Hung, Huong, Lan, Linh, Mai, Minh, Nam, Quang, Thao, Trang, Tuan, Vy"),
        last_names=_names("Bui, Dang, Do, Hoang, Le, Ngo, Nguyen, Pham, Phan, Tran, Truong, Vu"),
    ),
    "arab": NamePool(
        first_names=_names(
            "Ahmad, Fatima, Hassan, Huda, Khalid, Layla, Mariam, Noor, Omar, Rania, Samir, Tariq, Yasmin, Zainab"
        ),
        last_names=_names("Abdallah, Haddad, Hamdan, Ibrahim, Khalil, Mahmoud, Mansour, Nasser, Saleh, Yousef"),
    ),
    "rural_white": NamePool(
        first_names=_names(
            "Amber, Arlen, Brenda, Brent, Dale, Darcy, Duane, Gary, Heidi, Jeremy, Jodi, Kari, Kyle, Lance, "
            "Lisa, Randy, Shelly, Tammy, Travis, Wayne"
        ),
        last_names=_names(
            "Anderson, Bauer, Carlson, Hagen, Halvorson, Hanson, Johnson, Kowalski, Larson, Lindquist, Nelson, "
            "Nygaard, Olson, Peterson, Schmidt, Thoreson, Voss, Wold"
        ),
    ),
    "general": NamePool(
        first_names=_names(
            "Alex, Ben, Casey, Emily, Hannah, Jake, Jessica, Jordan, Josh, Katie, Laura, Matt, Megan, Morgan, "
            "Nick, Riley, Ryan, Sam, Sarah, Tyler"
        ),
        last_names=_names(
            "Becker, Erickson, Fischer, Kelly, Lund, Meyer, Miller, Murphy, Novak, Olson, Ryan, Schultz, "
            "Sullivan, Wagner"
        ),
    ),
}


def ascii_handle(*parts: str) -> str:
    """Lower-case ASCII letters of ``parts`` joined by dots, for usernames and e-mail local parts
    ("Óscar", "Chávez" → "oscar.chavez"; "Mai Nhia" → "mainhia")."""
    handles = []
    for part in parts:
        plain = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
        handles.append("".join(char for char in plain.lower() if char.isalnum()))
    return ".".join(handle for handle in handles if handle)
