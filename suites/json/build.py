"""Write suites/json/samples.jsonl from the item table below (deterministic).

Run ``python suites/json/build.py [--out DIR]``. Each item asks for a JSON
object, sets ``response_format`` (``json_object``, or ``json_schema`` with
``strict: true`` for the items marked strict), grades with the ``json``
grader against a JSON Schema and the expected field values in ``expected``,
and carries a full passing object in ``metadata.reference``.
"""

# ruff: noqa: E501  (item tables: one item per line reads better than wrapped)

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

S: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
N: dict[str, Any] = {"type": "number"}
B: dict[str, Any] = {"type": "boolean"}


def enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def arr(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def obj(props: dict[str, Any], strict: bool = False) -> dict[str, Any]:
    """An object schema requiring every property; ``strict`` forbids others, as strict mode needs."""
    out: dict[str, Any] = {"type": "object", "properties": props, "required": list(props)}
    if strict:
        out["additionalProperties"] = False
    return out


SENTIMENT = enum("positive", "negative", "neutral")
TOPIC = enum("sports", "politics", "science", "technology", "food")
LANG = enum("en", "fr", "de", "es", "it")
PRIORITY = enum("low", "medium", "high")

# (id, tags, strict, prompt, properties, expected field values, full reference)
ITEMS: list[tuple[str, list[str], bool, str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    # extraction
    ("person", ["extraction"], True,
     "Extract the person's name, age and city from this sentence as a JSON object with keys name, age and city: "
     "'Maria Lopez, 34, moved to Valencia last spring.'",
     {"name": S, "age": INT, "city": S}, {"name": "Maria Lopez", "age": 34, "city": "Valencia"},
     {"name": "Maria Lopez", "age": 34, "city": "Valencia"}),
    ("contact", ["extraction"], False,
     "From this email signature, return a JSON object with keys name, email and phone: "
     "'Kind regards, Tomas Berg | tomas.berg@example.org | +46 8 555 0142'",
     {"name": S, "email": S, "phone": S}, {"name": "Tomas Berg", "email": "tomas.berg@example.org"},
     {"name": "Tomas Berg", "email": "tomas.berg@example.org", "phone": "+46 8 555 0142"}),
    ("event", ["extraction"], False,
     "Return a JSON object with keys title, date (YYYY-MM-DD) and time (HH:MM, 24-hour clock) for: "
     "'The Spring Concert starts at 7:30 pm on 12 April 2025.'",
     {"title": S, "date": S, "time": S}, {"date": "2025-04-12", "time": "19:30"},
     {"title": "Spring Concert", "date": "2025-04-12", "time": "19:30"}),
    ("price", ["extraction"], False,
     "Return a JSON object with keys product, price (a number) and currency (ISO code) for: "
     "'The Aurora desk lamp now costs 49.90 EUR.'",
     {"product": S, "price": N, "currency": S}, {"price": 49.9, "currency": "EUR"},
     {"product": "Aurora desk lamp", "price": 49.9, "currency": "EUR"}),
    ("address", ["extraction"], True,
     "Split this address into a JSON object with keys street, city, postal_code and country: "
     "'Keizersgracht 123, 1015 CJ Amsterdam, Netherlands'",
     {"street": S, "city": S, "postal_code": S, "country": S},
     {"street": "Keizersgracht 123", "city": "Amsterdam", "postal_code": "1015 CJ", "country": "Netherlands"},
     {"street": "Keizersgracht 123", "city": "Amsterdam", "postal_code": "1015 CJ", "country": "Netherlands"}),
    ("invoice", ["extraction"], False,
     "Extract invoice_number, total (a number) and due_date (YYYY-MM-DD) as a JSON object from: "
     "'Invoice INV-2291: total due 1,250.00 USD by 30 June 2025.'",
     {"invoice_number": S, "total": N, "due_date": S},
     {"invoice_number": "INV-2291", "total": 1250, "due_date": "2025-06-30"},
     {"invoice_number": "INV-2291", "total": 1250.0, "due_date": "2025-06-30"}),
    ("flight", ["extraction"], False,
     "Return a JSON object with keys flight_number (without spaces), departure_time and arrival_time (HH:MM) for: "
     "'Flight BA 117 departs London Heathrow at 08:25 and lands at New York JFK at 11:05.'",
     {"flight_number": S, "departure_time": S, "arrival_time": S},
     {"flight_number": "BA117", "departure_time": "08:25", "arrival_time": "11:05"},
     {"flight_number": "BA117", "departure_time": "08:25", "arrival_time": "11:05"}),
    ("recipe", ["extraction"], False,
     "Return a JSON object with keys servings (an integer) and ingredients (an array of lowercase ingredient names) for: "
     "'Serves 4: 200 g pasta, 2 tomatoes, 1 clove garlic, olive oil.'",
     {"servings": INT, "ingredients": arr(S, minItems=4, maxItems=4)}, {"servings": 4},
     {"servings": 4, "ingredients": ["pasta", "tomatoes", "garlic", "olive oil"]}),
    ("date-parts", ["extraction"], True,
     "Convert 'the fourth of July 2026' to a JSON object with integer keys year, month and day.",
     {"year": INT, "month": INT, "day": INT}, {"year": 2026, "month": 7, "day": 4},
     {"year": 2026, "month": 7, "day": 4}),
    ("catalogue", ["extraction"], False,
     "Return a JSON object with keys title, author (as 'First Last') and year (an integer) for this catalogue entry: "
     "'Melville, Herman. Moby-Dick. 1851.'",
     {"title": S, "author": S, "year": INT}, {"title": "Moby-Dick", "author": "Herman Melville", "year": 1851},
     {"title": "Moby-Dick", "author": "Herman Melville", "year": 1851}),
    ("measurement", ["extraction"], False,
     "Extract the value (a number) and unit (its SI symbol) from 'The parcel weighs 2.4 kilograms.' "
     "as a JSON object with keys value and unit.",
     {"value": N, "unit": S}, {"value": 2.4, "unit": "kg"}, {"value": 2.4, "unit": "kg"}),
    ("order-ids", ["extraction"], True,
     "List every order number in this text, as strings in the order they appear, in a JSON object "
     "{\"order_ids\": [...]}: 'Orders 5531 and 5540 shipped; 5602 is delayed.'",
     {"order_ids": arr(S)}, {"order_ids": ["5531", "5540", "5602"]}, {"order_ids": ["5531", "5540", "5602"]}),
    ("email-meta", ["extraction"], False,
     "Return a JSON object with keys sender, subject and urgent (a boolean) for this message: "
     "'From: ops@example.com / Subject: Database down / URGENT: please respond now.'",
     {"sender": S, "subject": S, "urgent": B},
     {"sender": "ops@example.com", "subject": "Database down", "urgent": True},
     {"sender": "ops@example.com", "subject": "Database down", "urgent": True}),
    ("temperature", ["extraction"], False,
     "Return a JSON object with keys city and temperature_c (a number) for: "
     "'Reykjavik reported 3.5 degrees Celsius this morning.'",
     {"city": S, "temperature_c": N}, {"city": "Reykjavik", "temperature_c": 3.5},
     {"city": "Reykjavik", "temperature_c": 3.5}),
    ("attendance", ["extraction"], True,
     "From 'Present: Ana, Raj, Kim, Lee. Absent: Tom.' return a JSON object with keys present "
     "(an array of the names, in order) and absent_count (an integer).",
     {"present": arr(S), "absent_count": INT}, {"present": ["Ana", "Raj", "Kim", "Lee"], "absent_count": 1},
     {"present": ["Ana", "Raj", "Kim", "Lee"], "absent_count": 1}),
    # classification
    ("sentiment-positive", ["classification"], True,
     "Classify the sentiment of this review and reply with a JSON object {\"sentiment\": ...} "
     "(positive, negative or neutral): 'Absolutely loved it, would buy again!'",
     {"sentiment": SENTIMENT}, {"sentiment": "positive"}, {"sentiment": "positive"}),
    ("sentiment-negative", ["classification"], False,
     "Classify the sentiment of this review and reply with a JSON object {\"sentiment\": ...} "
     "(positive, negative or neutral): 'The package arrived broken and support never answered.'",
     {"sentiment": SENTIMENT}, {"sentiment": "negative"}, {"sentiment": "negative"}),
    ("sentiment-neutral", ["classification"], False,
     "Classify the sentiment of this sentence and reply with a JSON object {\"sentiment\": ...} "
     "(positive, negative or neutral): 'The store opens at nine.'",
     {"sentiment": SENTIMENT}, {"sentiment": "neutral"}, {"sentiment": "neutral"}),
    ("topic-science", ["classification"], False,
     "Give the topic of this headline as a JSON object {\"topic\": ...} using one of sports, politics, science, "
     "technology, food: 'New telescope detects water vapour on a distant exoplanet.'",
     {"topic": TOPIC}, {"topic": "science"}, {"topic": "science"}),
    ("topic-sports", ["classification"], True,
     "Give the topic of this headline as a JSON object {\"topic\": ...} using one of sports, politics, science, "
     "technology, food: 'Striker scores twice in the final minutes to win the cup.'",
     {"topic": TOPIC}, {"topic": "sports"}, {"topic": "sports"}),
    ("topic-food", ["classification"], False,
     "Give the topic of this sentence as a JSON object {\"topic\": ...} using one of sports, politics, science, "
     "technology, food: 'Simmer the onions slowly until they turn golden brown.'",
     {"topic": TOPIC}, {"topic": "food"}, {"topic": "food"}),
    ("lang-fr", ["classification"], False,
     "Identify the language of 'Où est la gare ?' and reply with a JSON object {\"language\": ...} "
     "holding its ISO 639-1 code (en, fr, de, es or it).",
     {"language": LANG}, {"language": "fr"}, {"language": "fr"}),
    ("lang-es", ["classification"], True,
     "Identify the language of '¿Dónde está la biblioteca?' and reply with a JSON object {\"language\": ...} "
     "holding its ISO 639-1 code (en, fr, de, es or it).",
     {"language": LANG}, {"language": "es"}, {"language": "es"}),
    ("lang-de", ["classification"], False,
     "Identify the language of 'Wo ist der Bahnhof?' and reply with a JSON object {\"language\": ...} "
     "holding its ISO 639-1 code (en, fr, de, es or it).",
     {"language": LANG}, {"language": "de"}, {"language": "de"}),
    ("priority-high", ["classification"], False,
     "Set the priority of this support ticket (low, medium or high) and reply with a JSON object "
     "{\"priority\": ...}: 'Our whole production site is down and no customer can pay.'",
     {"priority": PRIORITY}, {"priority": "high"}, {"priority": "high"}),
    ("priority-low", ["classification"], True,
     "Set the priority of this support ticket (low, medium or high) and reply with a JSON object "
     "{\"priority\": ...}: 'Some day, could you make the footer text a slightly darker grey? No hurry.'",
     {"priority": PRIORITY}, {"priority": "low"}, {"priority": "low"}),
    ("spam-yes", ["classification"], False,
     "Is this message spam? Reply with a JSON object {\"spam\": true or false}: "
     "'Congratulations!!! You have won a free cruise, click this link now to claim your prize!'",
     {"spam": B}, {"spam": True}, {"spam": True}),
    ("spam-no", ["classification"], False,
     "Is this message spam? Reply with a JSON object {\"spam\": true or false}: "
     "'Hi Sam, the meeting moved to 3 pm. See you there.'",
     {"spam": B}, {"spam": False}, {"spam": False}),
    ("is-question", ["classification"], True,
     "Is 'Close the window.' a question? Reply with a JSON object {\"is_question\": true or false}.",
     {"is_question": B}, {"is_question": False}, {"is_question": False}),
    # computation
    ("sum", ["computation"], False,
     "Reply with a JSON object {\"sum\": ...} holding the sum of 17, 25 and 58.",
     {"sum": N}, {"sum": 100}, {"sum": 100}),
    ("stats", ["computation"], True,
     "For the numbers 4, 8, 15, 16, 23 and 42, reply with a JSON object with keys min, max and mean.",
     {"min": N, "max": N, "mean": N}, {"min": 4, "max": 42, "mean": 18}, {"min": 4, "max": 42, "mean": 18}),
    ("vowels", ["computation"], False,
     "Count the vowels (a, e, i, o, u) in the word 'education' and reply with a JSON object "
     "with keys word and vowels (an integer).",
     {"word": S, "vowels": INT}, {"word": "education", "vowels": 5}, {"word": "education", "vowels": 5}),
    ("conversions", ["computation"], False,
     "Convert 5 kilometres to metres and 2 hours to minutes; reply with a JSON object with number keys metres and minutes.",
     {"metres": N, "minutes": N}, {"metres": 5000, "minutes": 120}, {"metres": 5000, "minutes": 120}),
    ("sort", ["computation"], True,
     "Sort the numbers 9, 2, 7, 4, 1 in ascending order and reply with a JSON object {\"sorted\": [...]}.",
     {"sorted": arr(INT)}, {"sorted": [1, 2, 4, 7, 9]}, {"sorted": [1, 2, 4, 7, 9]}),
    ("reverse", ["computation"], False,
     "Reply with a JSON object {\"reversed\": ...} holding the string 'evalkit' spelled backwards.",
     {"reversed": S}, {"reversed": "tiklave"}, {"reversed": "tiklave"}),
    ("even-filter", ["computation"], False,
     "From the numbers 3, 8, 11, 14, 20, 27, keep only the even ones, in the same order, and reply with a "
     "JSON object {\"even\": [...]}.",
     {"even": arr(INT)}, {"even": [8, 14, 20]}, {"even": [8, 14, 20]}),
    ("word-count", ["computation"], True,
     "How many words are in the sentence 'The cat sat on the warm mat'? Reply with a JSON object {\"words\": ...}.",
     {"words": INT}, {"words": 7}, {"words": 7}),
    ("rectangle", ["computation"], False,
     "A rectangle is 6 m long and 4.5 m wide. Reply with a JSON object with number keys area (square metres) "
     "and perimeter (metres).",
     {"area": N, "perimeter": N}, {"area": 27, "perimeter": 21}, {"area": 27, "perimeter": 21}),
    ("percent", ["computation"], False,
     "What percentage of 180 is 45? Reply with a JSON object {\"percent\": ...} holding a number.",
     {"percent": N}, {"percent": 25}, {"percent": 25}),
    ("upper", ["computation"], False,
     "Reply with a JSON object {\"upper\": ...} holding 'hello world' in capital letters.",
     {"upper": S}, {"upper": "HELLO WORLD"}, {"upper": "HELLO WORLD"}),
    ("leap-year", ["computation"], True,
     "Is 2024 a leap year? Reply with a JSON object with keys year (an integer) and leap (a boolean).",
     {"year": INT, "leap": B}, {"year": 2024, "leap": True}, {"year": 2024, "leap": True}),
    ("minutes-between", ["computation"], False,
     "How many minutes are there from 09:40 to 11:15 on the same day? Reply with a JSON object {\"minutes\": ...}.",
     {"minutes": INT}, {"minutes": 95}, {"minutes": 95}),
    ("binary", ["computation"], False,
     "Write 13 in binary, as a string of 0s and 1s without prefix, in a JSON object {\"binary\": ...}.",
     {"binary": {"type": "string", "pattern": "^[01]+$"}}, {"binary": "1101"}, {"binary": "1101"}),
    ("count-s", ["computation"], True,
     "How many times does the letter 's' occur in 'mississippi'? Reply with a JSON object {\"count\": ...}.",
     {"count": INT}, {"count": 4}, {"count": 4}),
    ("number-props", ["computation"], False,
     "For the number 2, reply with a JSON object with boolean keys is_even and is_prime.",
     {"is_even": B, "is_prime": B}, {"is_even": True, "is_prime": True}, {"is_even": True, "is_prime": True}),
    ("initials", ["computation"], False,
     "Reply with a JSON object {\"initials\": ...} holding the initials of 'Grace Brewster Hopper' as capital letters "
     "without dots or spaces.",
     {"initials": {"type": "string", "pattern": "^[A-Z]+$"}}, {"initials": "GBH"}, {"initials": "GBH"}),
    # facts
    ("country-japan", ["facts"], True,
     "Reply with a JSON object with keys country, capital and continent for Japan.",
     {"country": S, "capital": S, "continent": S}, {"capital": "Tokyo", "continent": "Asia"},
     {"country": "Japan", "capital": "Tokyo", "continent": "Asia"}),
    ("element-oxygen", ["facts"], False,
     "Reply with a JSON object with keys name, symbol and atomic_number (an integer) for the element oxygen.",
     {"name": S, "symbol": S, "atomic_number": INT}, {"symbol": "O", "atomic_number": 8},
     {"name": "Oxygen", "symbol": "O", "atomic_number": 8}),
    ("closest-planet", ["facts"], False,
     "Reply with a JSON object with keys planet and position for the planet closest to the Sun, where position "
     "is its order counted from the Sun (an integer).",
     {"planet": S, "position": INT}, {"planet": "Mercury", "position": 1}, {"planet": "Mercury", "position": 1}),
    ("austen", ["facts"], False,
     "Reply with a JSON object with keys title and author for the novel Pride and Prejudice.",
     {"title": S, "author": S}, {"author": "Jane Austen"}, {"title": "Pride and Prejudice", "author": "Jane Austen"}),
    ("primes", ["facts"], True,
     "Reply with a JSON object {\"primes\": [...]} listing the first five prime numbers in increasing order.",
     {"primes": arr(INT)}, {"primes": [2, 3, 5, 7, 11]}, {"primes": [2, 3, 5, 7, 11]}),
    ("february", ["facts"], False,
     "How many days did February 2023 have? Reply with a JSON object {\"days\": ...}.",
     {"days": INT}, {"days": 28}, {"days": 28}),
    ("boiling-point", ["facts"], False,
     "Reply with a JSON object with number keys celsius and fahrenheit giving the boiling point of water at sea level.",
     {"celsius": N, "fahrenheit": N}, {"celsius": 100, "fahrenheit": 212}, {"celsius": 100, "fahrenheit": 212}),
    ("weekend", ["facts"], False,
     "Reply with a JSON object {\"weekend\": [...]} naming the two days of the weekend, Saturday first.",
     {"weekend": arr(S)}, {"weekend": ["Saturday", "Sunday"]}, {"weekend": ["Saturday", "Sunday"]}),
    ("eiffel", ["facts"], True,
     "In which city and country is the Eiffel Tower? Reply with a JSON object with keys city and country.",
     {"city": S, "country": S}, {"city": "Paris", "country": "France"}, {"city": "Paris", "country": "France"}),
    ("red-hex", ["facts"], False,
     "Reply with a JSON object {\"hex\": ...} holding the colour code of pure red as #RRGGBB in capital letters.",
     {"hex": {"type": "string", "pattern": "^#[0-9A-F]{6}$"}}, {"hex": "#FF0000"}, {"hex": "#FF0000"}),
    ("day-after-friday", ["facts"], False,
     "Which day of the week comes after Friday? Reply with a JSON object {\"next\": ...}.",
     {"next": S}, {"next": "Saturday"}, {"next": "Saturday"}),
    # nested structures
    ("order", ["nested"], False,
     "Turn this order into a JSON object with keys customer and items, where items is an array of objects with "
     "keys sku and quantity (an integer): 'Order for Lena Fischer: 2 x SKU-44, 1 x SKU-91.'",
     {"customer": S, "items": arr(obj({"sku": S, "quantity": INT}))},
     {"customer": "Lena Fischer", "items": [{"sku": "SKU-44", "quantity": 2}, {"sku": "SKU-91", "quantity": 1}]},
     {"customer": "Lena Fischer", "items": [{"sku": "SKU-44", "quantity": 2}, {"sku": "SKU-91", "quantity": 1}]}),
    ("person-address", ["nested"], True,
     "Reply with a JSON object with keys name and address, where address is an object with keys city and country, "
     "for: 'Kenji Sato lives in Osaka, Japan.'",
     {"name": S, "address": obj({"city": S, "country": S}, strict=True)},
     {"name": "Kenji Sato", "address": {"city": "Osaka", "country": "Japan"}},
     {"name": "Kenji Sato", "address": {"city": "Osaka", "country": "Japan"}}),
    ("price-table", ["nested"], False,
     "Convert this price list to a JSON object {\"rows\": [...]} where each row is an object with keys fruit and "
     "price (a number), in the same order: 'apple 0.50; pear 0.75; plum 0.30'",
     {"rows": arr(obj({"fruit": S, "price": N}))},
     {"rows": [{"fruit": "apple", "price": 0.5}, {"fruit": "pear", "price": 0.75}, {"fruit": "plum", "price": 0.3}]},
     {"rows": [{"fruit": "apple", "price": 0.5}, {"fruit": "pear", "price": 0.75}, {"fruit": "plum", "price": 0.3}]}),
    ("schedule", ["nested"], False,
     "Reply with a JSON object with keys monday and tuesday, each an array of activities in lowercase, for: "
     "'Monday: gym, piano. Tuesday: chess.'",
     {"monday": arr(S), "tuesday": arr(S)}, {"monday": ["gym", "piano"], "tuesday": ["chess"]},
     {"monday": ["gym", "piano"], "tuesday": ["chess"]}),
    ("points", ["nested"], True,
     "Reply with a JSON object {\"points\": [...]} where each point is an object with integer keys x and y, for "
     "the points (1, 2), (3, 5) and (-4, 0) in that order.",
     {"points": arr(obj({"x": INT, "y": INT}, strict=True))},
     {"points": [{"x": 1, "y": 2}, {"x": 3, "y": 5}, {"x": -4, "y": 0}]},
     {"points": [{"x": 1, "y": 2}, {"x": 3, "y": 5}, {"x": -4, "y": 0}]}),
    ("team", ["nested"], False,
     "Reply with a JSON object with keys team and members, where members is an array of objects with keys name "
     "and role, for: 'Team Falcon: Ada (lead), Ben (designer).'",
     {"team": S, "members": arr(obj({"name": S, "role": S}))},
     {"team": "Falcon", "members": [{"name": "Ada", "role": "lead"}, {"name": "Ben", "role": "designer"}]},
     {"team": "Falcon", "members": [{"name": "Ada", "role": "lead"}, {"name": "Ben", "role": "designer"}]}),
    ("identity", ["nested"], False,
     "Reply with a JSON object {\"matrix\": [[...], [...]]} holding the 2x2 identity matrix as integers.",
     {"matrix": arr(arr(INT, minItems=2, maxItems=2), minItems=2, maxItems=2)},
     {"matrix": [[1, 0], [0, 1]]}, {"matrix": [[1, 0], [0, 1]]}),
]  # fmt: skip


def item(
    sid: str,
    tags: list[str],
    strict: bool,
    prompt: str,
    props: dict[str, Any],
    expected: dict[str, Any],
    reference: dict[str, Any],
) -> dict[str, Any]:
    """One sample: the schema both constrains the reply (strict items) and grades it."""
    schema = obj(props, strict=strict)
    if strict:
        fmt = {
            "type": "json_schema",
            "json_schema": {"name": sid.replace("-", "_"), "schema": schema, "strict": True},
        }
    else:
        fmt = {"type": "json_object"}
    return {
        "id": sid,
        "prompt": prompt,
        "response_format": fmt,
        "expected": expected,
        "grader": {"type": "json", "schema": schema},
        "tags": [*tags, "json_schema" if strict else "json_object"],
        "metadata": {"reference": reference},
    }


def items() -> list[dict[str, Any]]:
    """Every JSON item, in file order."""
    return [item(*row) for row in ITEMS]


def write(out_dir: Path) -> Path:
    """Write samples.jsonl into ``out_dir``; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "samples.jsonl"
    text = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items())
    path.write_text(text, "utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write samples.jsonl to")
    print(write(parser.parse_args().out))


if __name__ == "__main__":
    main()
