"""Write suites/chat/samples.jsonl from the item tables below (deterministic).

Run from anywhere: ``python suites/chat/build.py [--out DIR]``. Every item
was written for evalkit; each has one unambiguous right answer. Items whose
expected value is not itself a passing reply carry ``metadata.reference``.
"""

# ruff: noqa: E501  (item tables: one item per line reads better than wrapped)

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ONE_WORD = " Answer with the name only."
NUMBER_ONLY = " Reply with the number only."

# (id, question, acceptable answers)
CAPITALS = [
    ("france", "France", ["Paris"]),
    ("japan", "Japan", ["Tokyo"]),
    ("canada", "Canada", ["Ottawa"]),
    ("australia", "Australia", ["Canberra"]),
    ("brazil", "Brazil", ["Brasília", "Brasilia"]),
    ("egypt", "Egypt", ["Cairo"]),
    ("kenya", "Kenya", ["Nairobi"]),
    ("norway", "Norway", ["Oslo"]),
    ("argentina", "Argentina", ["Buenos Aires"]),
    ("south-korea", "South Korea", ["Seoul"]),
    ("peru", "Peru", ["Lima"]),
    ("portugal", "Portugal", ["Lisbon", "Lisboa"]),
    ("turkey", "Turkey", ["Ankara"]),
    ("new-zealand", "New Zealand", ["Wellington"]),
]

ELEMENTS = [
    ("gold-symbol", "What is the chemical symbol of gold? Reply with the symbol only.", ["Au"]),
    ("iron-symbol", "What is the chemical symbol of iron? Reply with the symbol only.", ["Fe"]),
    ("lead-symbol", "What is the chemical symbol of lead? Reply with the symbol only.", ["Pb"]),
    ("silver-symbol", "What is the chemical symbol of silver? Reply with the symbol only.", ["Ag"]),
    ("na-name", "Which chemical element has the symbol Na?" + ONE_WORD, ["sodium"]),
    ("k-name", "Which chemical element has the symbol K?" + ONE_WORD, ["potassium"]),
    ("he-name", "Which chemical element has the symbol He?" + ONE_WORD, ["helium"]),
    ("z1-name", "Which chemical element has atomic number 1?" + ONE_WORD, ["hydrogen"]),
    ("water-formula", "What is the chemical formula of water? Reply with the formula only.", ["H2O", "H₂O"]),
]  # fmt: skip

NUMERIC_FACTS: list[tuple[str, str, float]] = [
    ("carbon-z", "What is the atomic number of carbon?" + NUMBER_ONLY, 6),
    ("oxygen-z", "What is the atomic number of oxygen?" + NUMBER_ONLY, 8),
    ("planet-count", "How many planets are in our solar system?" + NUMBER_ONLY, 8),
    ("water-boils-c", "At sea level, at what temperature in degrees Celsius does pure water boil?" + NUMBER_ONLY, 100),
    ("water-freezes-f", "At what temperature in degrees Fahrenheit does pure water freeze at sea level?" + NUMBER_ONLY, 32),
    ("hexagon-sides", "How many sides does a hexagon have?" + NUMBER_ONLY, 6),
]  # fmt: skip

PLANETS = [
    ("largest", "Which is the largest planet in our solar system?", ["Jupiter"]),
    ("closest", "Which planet is closest to the Sun?", ["Mercury"]),
    ("red", "Which planet is known as the Red Planet?", ["Mars"]),
    ("third", "Which planet is third from the Sun?", ["Earth"]),
    ("farthest", "Which planet is farthest from the Sun?", ["Neptune"]),
    ("hottest", "Which planet has the hottest average surface temperature?", ["Venus"]),
    ("rings", "Which planet is famous for its large, bright ring system visible in small telescopes?", ["Saturn"]),
]  # fmt: skip

AUTHORS = [
    ("pride-prejudice", "Pride and Prejudice", ["Jane Austen", "Austen"]),
    ("moby-dick", "Moby-Dick", ["Herman Melville", "Melville"]),
    ("war-peace", "War and Peace", ["Leo Tolstoy", "Tolstoy", "Lev Tolstoy"]),
    ("don-quixote", "Don Quixote", ["Miguel de Cervantes", "Cervantes", "Miguel de Cervantes Saavedra"]),
    ("frankenstein", "Frankenstein (the 1818 novel)", ["Mary Shelley", "Shelley", "Mary Wollstonecraft Shelley"]),
    ("odyssey", "the Odyssey (the ancient Greek epic poem)", ["Homer"]),
    ("hamlet", "Hamlet", ["William Shakespeare", "Shakespeare"]),
    ("crime-punishment", "Crime and Punishment", ["Fyodor Dostoevsky", "Dostoevsky", "Fyodor Dostoyevsky", "Dostoyevsky"]),
    ("great-expectations", "Great Expectations", ["Charles Dickens", "Dickens"]),
    ("jane-eyre", "Jane Eyre", ["Charlotte Brontë", "Charlotte Bronte", "Brontë", "Bronte"]),
]  # fmt: skip

YEARS: list[tuple[str, str, float]] = [
    ("ww2-end", "In what year did the Second World War end?", 1945),
    ("ww1-start", "In what year did the First World War begin?", 1914),
    ("moon-landing", "In what year did humans first land on the Moon?", 1969),
    ("berlin-wall", "In what year did the Berlin Wall fall?", 1989),
    ("us-independence", "In what year was the United States Declaration of Independence adopted?", 1776),
    ("bastille", "In what year was the Bastille stormed, at the start of the French Revolution?", 1789),
    ("columbus", "In what year did Christopher Columbus first reach the Americas?", 1492),
    ("titanic", "In what year did the Titanic sink?", 1912),
]  # fmt: skip

GEOGRAPHY = [
    ("largest-ocean", "What is the largest ocean on Earth?", ["Pacific", "Pacific Ocean", "the Pacific Ocean"]),
    ("highest-mountain", "What is the highest mountain above sea level?", ["Mount Everest", "Everest", "Mt Everest"]),
    ("hardest-natural", "What is the hardest naturally occurring mineral?", ["diamond"]),
]  # fmt: skip

ARITHMETIC: list[tuple[str, str, float]] = [
    ("mul-17-23", "What is 17 × 23?", 391),
    ("div-144-12", "What is 144 ÷ 12?", 12),
    ("pow-2-10", "What is 2 to the power of 10?", 1024),
    ("add-987-456", "What is 987 + 456?", 1443),
    ("sub-1000-387", "What is 1000 − 387?", 613),
    ("pct-15-240", "What is 15% of 240?", 36),
    ("sqrt-169", "What is the square root of 169?", 13),
    ("mul-3.5-4", "What is 3.5 × 4?", 14),
    ("fact-7", "What is 7 factorial (7!)?", 5040),
    ("paren-45-55", "What is (45 + 55) × 3?", 300),
    ("sq-diff", "What is 12² − 5²?", 119),
    ("quarter-480", "What is 0.25 × 480?", 120),
    ("mul-1234-3", "What is 1234 × 3?", 3702),
    ("div-999-27", "What is 999 ÷ 27?", 37),
    ("cubes", "What is 5³ + 4³?", 189),
    ("add-dec", "What is 2.5 + 3.75?", 6.25),
    ("div-100-8", "What is 100 ÷ 8?", 12.5),
    ("frac-3-4", "Write three quarters as a decimal number.", 0.75),
    ("mul-48-25", "What is 48 × 25?", 1200),
    ("lcm-4-6", "What is the least common multiple of 4 and 6?", 12),
    ("gcd-84-36", "What is the greatest common divisor of 84 and 36?", 12),
    ("cube-11", "What is 11 × 11 × 11?", 1331),
    ("pct-60-85", "What is 60% of 85?", 51),
    ("neg-add", "What is −7 + 19?", 12),
    ("order-ops", "What is 8 + 2 × 5?", 18),
]  # fmt: skip

WORD_PROBLEMS: list[tuple[str, str, float]] = [
    ("train", "A train travels at 80 km/h for 2.5 hours. How many kilometres does it cover?", 200),
    ("change", "Maria buys 3 notebooks at $4.50 each and pays with a $20 note. How many dollars of change does she get?", 6.5),
    ("rect-area", "A rectangle is 12 cm long and 7 cm wide. What is its area in square centimetres?", 84),
    ("apples", "24 apples are shared equally among 6 children, and then each child eats one of theirs. How many apples are left altogether?", 18),
    ("discount", "A shirt costs $40 and is sold at a 25% discount. What is the sale price in dollars?", 30),
    ("ages", "Tom is three times as old as his son, who is 12. What is the sum of their ages?", 48),
    ("tank", "A tank holds 500 litres and drains at 20 litres per minute. How many minutes does it take to empty completely?", 25),
    ("recipe", "A recipe for 4 people uses 300 g of flour. How many grams of flour are needed for 10 people?", 750),
    ("fuel", "A car uses 6 litres of fuel per 100 km. How many litres does it use for 350 km?", 21),
    ("pentagon", "What is the sum of the interior angles of a pentagon, in degrees?", 540),
    ("reading", "Sam reads 35 pages a day. How many days does he need to read a 420-page book?", 12),
    ("pens", "3 pens cost $2.40. How many dollars do 8 of the same pens cost?", 6.4),
    ("wages", "A worker earns $18 per hour and works 7.5 hours a day for 4 days. How many dollars does she earn?", 540),
    ("square-perimeter", "A square has an area of 81 square metres. What is its perimeter in metres?", 36),
    ("average", "What is the average (mean) of 4, 8, 15, 16, 23 and 42?", 18),
    ("interest", "What is the simple interest, in dollars, on $2,000 at 5% per year for 3 years?", 300),
]  # fmt: skip

UNITS: list[tuple[str, str, float]] = [
    ("km-m", "How many metres are in 5 kilometres?", 5000),
    ("mi-km", "How many kilometres are in 3 miles?", 4.828),
    ("f-c", "Convert 100 °F to degrees Celsius.", 37.78),
    ("c-f", "Convert 25 °C to degrees Fahrenheit.", 77),
    ("h-min", "How many minutes are in 2.5 hours?", 150),
    ("lb-kg", "How many kilograms are in 10 pounds (lb)?", 4.536),
    ("gal-l", "How many litres are in 1 US gallon?", 3.785),
    ("in-cm", "How many centimetres are in 12 inches?", 30.48),
    ("kg-g", "How many grams are in 1.5 kilograms?", 1500),
    ("kmh-ms", "Convert 72 km/h to metres per second.", 20),
    ("day-s", "How many seconds are in one day?", 86400),
    ("ml-l", "How many litres are 500 millilitres?", 0.5),
    ("ft-m", "How many metres are in 6 feet?", 1.8288),
    ("nmi-m", "How many metres are in one international nautical mile?", 1852),
    ("gib-mib", "How many mebibytes (MiB) are in 2 gibibytes (GiB)?", 2048),
    ("k-c", "What is 0 kelvin in degrees Celsius?", -273.15),
]  # fmt: skip

# (id, prompt, graders, reference)
FORMAT: list[tuple[str, str, list[dict[str, Any]], str]] = [
    ("three-words", "Name the three primary colours of light. Answer in exactly three words and nothing else.",
     [{"type": "regex", "pattern": r"\W*\w+\W+\w+\W+\w+\W*", "fullmatch": True},
      {"type": "includes", "all": True}], "Red, green, blue."),
    ("all-caps", "Write one short sentence about the ocean, entirely in capital letters.",
     [{"type": "regex", "pattern": r"[^a-z]*[A-Z]{2}[^a-z]*", "fullmatch": True}],
     "THE OCEAN COVERS MOST OF OUR PLANET."),
    ("question-mark", "Write a single question you might ask a librarian. Your reply must end with a question mark.",
     [{"type": "regex", "pattern": r"\?\s*$"}], "Where can I find books about astronomy?"),
    ("csv-four", "List four fruits as a comma-separated list on one line, with no other text.",
     [{"type": "regex", "pattern": r"\s*[A-Za-z][A-Za-z ]*(?:,\s*[A-Za-z][A-Za-z ]*){3}\.?\s*", "fullmatch": True}],
     "apple, banana, cherry, mango"),
    ("lowercase-word", "What is the opposite of 'hot'? Reply with one word in lowercase letters only.",
     [{"type": "regex", "pattern": r"\s*cold\.?\s*", "fullmatch": True}], "cold"),
    ("starts-with", "Describe a sunrise in one sentence that begins with the word 'Slowly'.",
     [{"type": "regex", "pattern": r"^\s*Slowly\b"}], "Slowly, the sky turned from grey to gold."),
    ("keywords", "Write one sentence that uses the words 'river', 'moon' and 'lantern'.",
     [{"type": "includes", "all": True}], "A lantern floated down the river under the moon."),
    ("no-letter-e", "Write a sentence of at least five words about a cat without using the letter 'e' anywhere.",
     [{"type": "regex", "pattern": r"[^eE]+", "fullmatch": True},
      {"type": "regex", "pattern": r"(?:[A-Za-z']+\W+){4}[A-Za-z']+"}], "A cat naps on a warm rug all day."),
    ("numbered-three", "Give three tips for saving water as a numbered list (1., 2., 3.), one per line, and nothing else.",
     [{"type": "regex", "pattern": r"\s*1\.[^\n]+\n\s*2\.[^\n]+\n\s*3\.[^\n]+\s*", "fullmatch": True}],
     "1. Take shorter showers.\n2. Fix leaking taps.\n3. Water plants in the evening."),
    ("brackets", "What is 6 times 7? Put your answer inside square brackets, like [this], and write nothing else.",
     [{"type": "regex", "pattern": r"\s*\[\s*42\s*\]\s*", "fullmatch": True}], "[42]"),
    ("short-blue", "Describe the colour blue in fewer than 60 characters.",
     [{"type": "regex", "pattern": r"[\s\S]{1,59}", "fullmatch": True}], "The colour of a clear sky and the deep sea."),
    ("exclaim-paris", "Write one sentence that mentions Paris and ends with an exclamation mark.",
     [{"type": "regex", "pattern": r"!\s*$"}, {"type": "includes"}], "Paris is beautiful in the spring!"),
    ("reverse-caps", "Spell the word 'planet' backwards in capital letters. Reply with that word only.",
     [{"type": "regex", "pattern": r"\s*TENALP\.?\s*", "fullmatch": True}], "TENALP"),
    ("repeat", "Repeat the following sentence exactly, with no other text: The quick fox jumps over seven lazy dogs.",
     [{"type": "exact", "normalize": True}], "The quick fox jumps over seven lazy dogs."),
    ("yes-no", "Is 17 a prime number? Reply with only the word yes or no.",
     [{"type": "regex", "pattern": r"\s*yes\.?\s*", "flags": "i", "fullmatch": True}], "Yes"),
    ("two-sentences", "Explain what a thermometer does in exactly two sentences.",
     [{"type": "regex", "pattern": r"\s*[^.!?]+[.!?]\s+[^.!?]+[.!?]\s*", "fullmatch": True}],
     "A thermometer measures temperature. It shows how hot or cold something is."),
    ("hashtag", "Suggest one hashtag for a photo of a sunset. Reply with the hashtag only: it starts with # and has no spaces.",
     [{"type": "regex", "pattern": r"\s*#\w+\s*", "fullmatch": True}], "#GoldenHour"),
    ("quoted", "Give a one-sentence definition of gravity, wrapped in double quotation marks, with nothing outside the quotes.",
     [{"type": "regex", "pattern": r"\s*\"[^\"]+\"\s*", "fullmatch": True}],
     "\"Gravity is the force that pulls objects toward each other.\""),
    ("number-words", "Write the number 47 in English words, in lowercase, with a hyphen, and nothing else.",
     [{"type": "regex", "pattern": r"\s*forty-seven\.?\s*", "fullmatch": True}], "forty-seven"),
    ("iso-date", "Write the date of the first day of the year 2030 in the format YYYY-MM-DD, with nothing else.",
     [{"type": "regex", "pattern": r"\s*2030-01-01\s*", "fullmatch": True}], "2030-01-01"),
    ("hyphen-bullets", "List three animals that live in the sea as a bulleted list: each line starts with '- ' and holds one word.",
     [{"type": "regex", "pattern": r"\s*-\s*\w+\s*\n-\s*\w+\s*\n-\s*\w+\s*", "fullmatch": True}],
     "- dolphin\n- octopus\n- shark"),
    ("acrostic", "Write a three-line acrostic for the word SUN: the lines start with S, U and N in that order. Write only the three lines.",
     [{"type": "regex", "pattern": r"\s*S[^\n]*\n\s*U[^\n]*\n\s*N[^\n]*\s*", "fullmatch": True}],
     "Shining over the hills\nUnder a wide blue sky\nNever late in the morning"),
    ("max-ten-words", "Say why sleep matters in at most ten words.",
     [{"type": "regex", "pattern": r"\W*(?:\w+\W+){0,9}\w+\W*", "fullmatch": True}],
     "Sleep restores the body and sharpens the mind."),
    ("digits-12", "Write one sentence about a bakery that includes the number 12 written in digits.",
     [{"type": "regex", "pattern": r"(?<!\d)12(?!\d)"}], "The bakery sold 12 loaves before noon."),
    ("lowercase-acronym", "What does the acronym NASA stand for? Answer in lowercase letters only.",
     [{"type": "regex", "pattern": r"[^A-Z]+", "fullmatch": True}, {"type": "includes", "all": True}],
     "national aeronautics and space administration"),
    ("semicolon", "Join these two sentences into one sentence with a semicolon: 'It rained all day.' 'The match was cancelled.'",
     [{"type": "regex", "pattern": r"\s*[^;]+;[^;]+", "fullmatch": True}, {"type": "includes", "all": True}],
     "It rained all day; the match was cancelled."),
    ("one-line-json-free", "Name a colour of the rainbow in one word, followed by a full stop, and nothing else.",
     [{"type": "regex", "pattern": r"\s*(?:red|orange|yellow|green|blue|indigo|violet)\.\s*", "flags": "i", "fullmatch": True}],
     "Green."),
    ("count-letters", "Write a word of exactly five letters that names a fruit. Reply with the word only.",
     [{"type": "regex", "pattern": r"\s*[A-Za-z]{5}\.?\s*", "fullmatch": True}], "mango"),
]  # fmt: skip

# The expected value of format items whose graders read it (includes, exact).
FORMAT_EXPECTED: dict[str, Any] = {
    "repeat": "The quick fox jumps over seven lazy dogs.",
    "three-words": ["red", "green", "blue"],
    "keywords": ["river", "moon", "lantern"],
    "exclaim-paris": ["Paris"],
    "lowercase-acronym": ["national", "aeronautics", "space", "administration"],
    "semicolon": ["rained", "cancel"],
}

# (id, question, options A-D, answer letter)
CHOICE = [
    ("photosynthesis-gas", "Which gas do plants take from the air for photosynthesis?", ["Oxygen", "Nitrogen", "Carbon dioxide", "Helium"], "C"),
    ("largest-mammal", "Which is the largest living mammal?", ["Blue whale", "African elephant", "Giraffe", "Hippopotamus"], "A"),
    ("freezing-c", "At sea level, at what temperature in degrees Celsius does pure water freeze?", ["32", "0", "100", "-10"], "B"),
    ("heart", "Which organ pumps blood around the body?", ["Lungs", "Liver", "Kidney", "Heart"], "D"),
    ("prime", "Which of these numbers is prime?", ["21", "27", "33", "29"], "D"),
    ("liquid-metal", "Which metal is liquid at room temperature?", ["Iron", "Mercury", "Copper", "Aluminium"], "B"),
    ("mona-lisa", "Who painted the Mona Lisa?", ["Leonardo da Vinci", "Michelangelo", "Raphael", "Donatello"], "A"),
    ("pct-15-200", "What is 15% of 200?", ["15", "20", "30", "45"], "C"),
    ("smallest-unit", "Which of these is the smallest length?", ["1 kilometre", "1 metre", "1 centimetre", "1 millimetre"], "D"),
    ("indian-ocean", "Which ocean lies between Africa and Australia?", ["Atlantic", "Indian", "Arctic", "Pacific"], "B"),
    ("mammal", "Which of these animals is a mammal?", ["Shark", "Salmon", "Dolphin", "Octopus"], "C"),
    ("fe", "Which element has the chemical symbol Fe?", ["Iron", "Fluorine", "Lead", "Tin"], "A"),
    ("88-keys", "Which instrument has 88 keys in its standard modern form?", ["Violin", "Guitar", "Flute", "Piano"], "D"),
    ("sahara", "On which continent is the Sahara Desert?", ["Asia", "Africa", "South America", "Australia"], "B"),
    ("syllogism", "All bloops are razzies and all razzies are lazzies. Which statement must be true?", ["All lazzies are bloops", "No bloops are lazzies", "All bloops are lazzies", "Some razzies are not bloops"], "C"),
    ("square", "Which shape has four equal sides and four right angles?", ["Square", "Rhombus", "Rectangle", "Trapezoid"], "A"),
    ("largest-decimal", "Which of these numbers is the largest?", ["0.5", "0.45", "0.405", "0.54"], "D"),
    ("red-spot", "Which planet is known for its Great Red Spot?", ["Saturn", "Jupiter", "Mars", "Neptune"], "B"),
    ("condensation", "Which process turns water vapour into liquid water?", ["Evaporation", "Sublimation", "Condensation", "Melting"], "C"),
    ("synonym-rapid", "Which word means the same as 'rapid'?", ["Quick", "Slow", "Heavy", "Quiet"], "A"),
    ("ohm", "Which unit measures electrical resistance?", ["Volt", "Ampere", "Watt", "Ohm"], "D"),
    ("minutes-3h", "How many minutes are in 3 hours?", ["120", "180", "150", "210"], "B"),
    ("triangle-angles", "What is the sum of the interior angles of a triangle?", ["90 degrees", "360 degrees", "180 degrees", "270 degrees"], "C"),
]  # fmt: skip

# (id, question, expected, numeric?)
REASONING: list[tuple[str, str, Any]] = [
    ("shortest", "Anna is taller than Ben. Ben is taller than Carl. Who is the shortest?" + ONE_WORD, ["Carl"]),
    ("oldest", "Paul is older than Quinn, and Quinn is older than Rita. Sam is older than Paul. Who is the oldest?" + ONE_WORD, ["Sam"]),
    ("weekday-10", "If today is Tuesday, what day of the week will it be 10 days from now? Answer with the day only.", ["Friday"]),
    ("month-plus-3", "Which month comes three months after November? Answer with the month only.", ["February"]),
    ("year-end-weekday", "1 January of a non-leap year is a Monday. What day of the week is 31 December of that year? Answer with the day only.", ["Monday"]),
    ("sequence-pronic", "What is the next number in the sequence 2, 6, 12, 20, 30, ...?" + NUMBER_ONLY, 42),
    ("letters", "What is the next letter in the sequence A, C, F, J, O, ...? Answer with the letter only.", ["U"]),
    ("pen-notebook", "A notebook and a pen cost $2.40 together. The notebook costs $2.00 more than the pen. How many cents does the pen cost?" + NUMBER_ONLY, 20),
    ("sheep", "A farmer has 17 sheep. All but 9 run away. How many sheep does the farmer still have?" + NUMBER_ONLY, 9),
    ("digit-sevens", "How many times is the digit 7 written when you write every whole number from 1 to 100?" + NUMBER_ONLY, 20),
    ("cats-mice", "Three cats catch three mice in three minutes. At that rate, how many minutes do 100 cats need to catch 100 mice?" + NUMBER_ONLY, 3),
    ("clock-angle", "A clock shows 3:15. What is the smaller angle, in degrees, between the hour hand and the minute hand?" + NUMBER_ONLY, 7.5),
    ("snail", "A snail climbs 3 metres up a 10-metre wall each day and slides back 2 metres each night. On which day does it first reach the top?" + NUMBER_ONLY, 8),
    ("marbles", "Tom has twice as many marbles as Jim. Together they have 36. How many marbles does Tom have?" + NUMBER_ONLY, 24),
    ("lcm-2-6", "What is the smallest positive whole number divisible by 2, 3, 4, 5 and 6?" + NUMBER_ONLY, 60),
    ("same-weight", "Which is heavier: a kilogram of feathers or a kilogram of iron? Reply with one word: feathers, iron or same.", ["same"]),
    ("race", "Ada, Ben and Cy run a race with no ties. Ben finishes ahead of Ada. Ada does not finish last. Who finishes last?" + ONE_WORD, ["Cy"]),
    ("anagram", "Rearrange the letters of LISTEN to spell a word meaning 'making no sound'. Reply with that word only.", ["silent"]),
    ("rose", "Every rose in the garden is red. This flower is in the garden and is not red. Is it a rose? Reply with yes or no.", ["no"]),
    ("daughters", "Mary's father has four daughters. Three of them are called Nora, Nina and Nell. What is the name of the fourth?" + ONE_WORD, ["Mary"]),
]  # fmt: skip


def _item(
    sid: str,
    prompt: str,
    expected: Any,
    tags: list[str],
    grader: Any = None,
    reference: str | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": sid, "prompt": prompt, "expected": expected}
    if grader is not None:
        out["grader"] = grader
    if params:
        out["params"] = params
    out["tags"] = tags
    if reference is not None:
        out["metadata"] = {"reference": reference}
    return out


def _numeric(sid: str, prompt: str, value: float, tags: list[str], **opts: Any) -> dict[str, Any]:
    return _item(sid, prompt, value, tags, {"type": "numeric", **opts})


def items() -> list[dict[str, Any]]:
    """Every chat item, in file order."""
    out: list[dict[str, Any]] = []
    for sid, country, names in CAPITALS:
        q = f"What is the capital city of {country}?" + ONE_WORD
        out.append(_item(f"capital-{sid}", q, names, ["factual", "geography"]))
    for sid, q, names in ELEMENTS:
        out.append(_item(f"element-{sid}", q, names, ["factual", "science"]))
    for sid, q, n in NUMERIC_FACTS:
        out.append(_numeric(f"fact-{sid}", q, n, ["factual", "science"]))
    for sid, q, names in PLANETS:
        out.append(_item(f"planet-{sid}", q + ONE_WORD, names, ["factual", "astronomy"]))
    for sid, title, names in AUTHORS:
        q = f"Who wrote {title}?" + ONE_WORD
        out.append(_item(f"author-{sid}", q, names, ["factual", "literature"]))
    for sid, q, year in YEARS:
        out.append(
            _numeric(f"year-{sid}", q + " Reply with the year only.", year, ["factual", "history"])
        )
    for sid, q, names in GEOGRAPHY:
        out.append(_item(f"geo-{sid}", q + ONE_WORD, names, ["factual", "geography"]))
    for sid, q, n in ARITHMETIC:
        out.append(_numeric(f"arith-{sid}", q + NUMBER_ONLY, n, ["arithmetic"]))
    for sid, q, n in WORD_PROBLEMS:
        out.append(_numeric(f"word-{sid}", q + NUMBER_ONLY, n, ["arithmetic", "word-problem"]))
    for sid, q, n in UNITS:
        prompt = q + " Reply with the number only, rounded to two decimal places if needed."
        out.append(_numeric(f"unit-{sid}", prompt, n, ["units"], rel_tol=0.005, abs_tol=0.01))
    for sid, q, graders, ref in FORMAT:
        expected = FORMAT_EXPECTED.get(sid)
        params = {"max_tokens": 256}
        out.append(_item(f"format-{sid}", q, expected, ["format"], graders, ref, params))
    for sid, q, options, letter in CHOICE:
        lines = "\n".join(f"{'ABCD'[i]}. {opt}" for i, opt in enumerate(options))
        prompt = f"{q}\n\n{lines}\n\nAnswer with the letter of the correct option only."
        out.append(
            _item(
                f"choice-{sid}", prompt, letter, ["choice"], {"type": "choice", "choices": "ABCD"}
            )
        )
    for sid, q, expected in REASONING:
        grader = {"type": "numeric"} if isinstance(expected, int | float) else None
        out.append(_item(f"reason-{sid}", q, expected, ["reasoning"], grader))
    return out


def write(out_dir: Path) -> Path:
    """Write samples.jsonl into ``out_dir``; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "samples.jsonl"
    text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items())
    path.write_text(text, "utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write samples.jsonl to")
    args = parser.parse_args()
    print(write(args.out))


if __name__ == "__main__":
    main()
