"""Write suites/tools/samples.jsonl from the function library and item tables below.

Run ``python suites/tools/build.py [--out DIR]``. Every item offers a few
OpenAI-format function schemas and expects BFCL-style calls: an argument may
be ``{"$any": [...]}`` (acceptable values; ``"$absent"`` = may be omitted),
and ``{"tool_calls": []}`` means that no call is the right answer.
"""

# ruff: noqa: E501  (item tables: one item per line reads better than wrapped)

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ABSENT = "$absent"


def _fn(name: str, description: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    params = {"type": "object", "properties": props, "required": required}
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": params},
    }


def _s(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


UNIT_T = {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"}
LENGTH_UNITS = ["meter", "kilometer", "mile", "foot", "inch", "centimeter"]
MASS_UNITS = ["kilogram", "gram", "pound", "ounce"]
VOLUME_UNITS = ["liter", "milliliter", "gallon"]
TEMP_UNITS = ["celsius", "fahrenheit", "kelvin"]

FUNCTIONS: dict[str, dict[str, Any]] = {
    "get_weather": _fn(
        "get_weather",
        "Get the current weather for a city.",
        {"city": _s("City name, e.g. 'Paris'"), "unit": UNIT_T},
        ["city"],
    ),
    "get_forecast": _fn(
        "get_forecast",
        "Get a daily weather forecast for a city.",
        {
            "city": _s("City name"),
            "days": {"type": "integer", "minimum": 1, "maximum": 7, "description": "Number of days"},
            "unit": UNIT_T,
        },
        ["city", "days"],
    ),
    "create_event": _fn(
        "create_event",
        "Create an event in the user's calendar.",
        {
            "title": _s("Event title"),
            "date": _s("Date as YYYY-MM-DD"),
            "start_time": _s("Start time as HH:MM, 24-hour clock"),
            "duration_minutes": {"type": "integer", "description": "Length in minutes (default 60)"},
            "attendees": {"type": "array", "items": {"type": "string"}, "description": "Email addresses"},
            "location": _s("Where the event takes place"),
        },
        ["title", "date", "start_time"],
    ),
    "list_events": _fn(
        "list_events",
        "List the events in the user's calendar on a date.",
        {
            "date": _s("Date as YYYY-MM-DD"),
            "calendar": {"type": "string", "enum": ["work", "personal"], "description": "Which calendar (default: both)"},
        },
        ["date"],
    ),
    "search_flights": _fn(
        "search_flights",
        "Search for flights between two airports.",
        {
            "origin": _s("IATA airport code of departure, e.g. 'LHR'"),
            "destination": _s("IATA airport code of arrival"),
            "departure_date": _s("Date as YYYY-MM-DD"),
            "return_date": _s("Return date as YYYY-MM-DD for a round trip"),
            "passengers": {"type": "integer", "minimum": 1, "description": "Number of passengers (default 1)"},
            "cabin": {"type": "string", "enum": ["economy", "premium_economy", "business", "first"], "description": "Cabin class (default economy)"},
        },
        ["origin", "destination", "departure_date"],
    ),
    "convert_currency": _fn(
        "convert_currency",
        "Convert an amount of money between currencies at today's rate.",
        {
            "amount": {"type": "number", "description": "Amount to convert"},
            "from_currency": _s("ISO 4217 code, e.g. 'USD'"),
            "to_currency": _s("ISO 4217 code, e.g. 'EUR'"),
        },
        ["amount", "from_currency", "to_currency"],
    ),
    "get_order_status": _fn(
        "get_order_status",
        "Look up the status of an order in the shop.",
        {"order_id": _s("The order number")},
        ["order_id"],
    ),
    "place_order": _fn(
        "place_order",
        "Place an order in the shop.",
        {
            "items": {
                "type": "array",
                "description": "Products to order",
                "items": {
                    "type": "object",
                    "properties": {
                        "sku": _s("Product code"),
                        "quantity": {"type": "integer", "minimum": 1},
                    },
                    "required": ["sku", "quantity"],
                },
            },
            "shipping_address": {
                "type": "object",
                "properties": {
                    "street": _s("Street and number"),
                    "city": _s("City"),
                    "postal_code": _s("Postal code"),
                    "country": _s("Country name"),
                },
                "required": ["street", "city", "postal_code", "country"],
            },
            "express_shipping": {"type": "boolean", "description": "Faster delivery (default false)"},
        },
        ["items", "shipping_address"],
    ),
    "cancel_order": _fn(
        "cancel_order",
        "Cancel an order that has not shipped yet.",
        {
            "order_id": _s("The order number"),
            "reason": {"type": "string", "enum": ["changed_mind", "found_cheaper", "too_slow", "ordered_by_mistake", "other"]},
        },
        ["order_id"],
    ),
    "convert_units": _fn(
        "convert_units",
        "Convert a value between units of length, mass, volume or temperature.",
        {
            "value": {"type": "number"},
            "from_unit": {"type": "string", "enum": LENGTH_UNITS + MASS_UNITS + VOLUME_UNITS + TEMP_UNITS},
            "to_unit": {"type": "string", "enum": LENGTH_UNITS + MASS_UNITS + VOLUME_UNITS + TEMP_UNITS},
        },
        ["value", "from_unit", "to_unit"],
    ),
    "send_email": _fn(
        "send_email",
        "Send an email from the user's account.",
        {
            "to": {"type": "array", "items": {"type": "string"}, "description": "Recipient addresses"},
            "subject": _s("Subject line"),
            "body": _s("Message text"),
            "cc": {"type": "array", "items": {"type": "string"}, "description": "Copy recipients"},
        },
        ["to", "subject", "body"],
    ),
    "get_stock_price": _fn(
        "get_stock_price",
        "Get the latest trading price of a stock.",
        {"symbol": _s("Ticker symbol, e.g. 'AAPL'")},
        ["symbol"],
    ),
    "set_reminder": _fn(
        "set_reminder",
        "Set a reminder that notifies the user at a given time.",
        {"message": _s("What to remind about"), "time": _s("Local time as YYYY-MM-DDTHH:MM")},
        ["message", "time"],
    ),
    "translate_text": _fn(
        "translate_text",
        "Translate text into another language.",
        {"text": _s("Text to translate"), "target_language": _s("ISO 639-1 code, e.g. 'fr'")},
        ["text", "target_language"],
    ),
    "search_products": _fn(
        "search_products",
        "Search the shop's catalogue.",
        {
            "query": _s("Search words"),
            "category": {"type": "string", "enum": ["electronics", "books", "clothing", "home", "toys"]},
            "max_price": {"type": "number", "description": "Highest price in dollars"},
            "sort_by": {"type": "string", "enum": ["relevance", "price_asc", "price_desc", "rating"], "description": "Default relevance"},
        },
        ["query"],
    ),
    "book_table": _fn(
        "book_table",
        "Book a table at a restaurant.",
        {
            "restaurant": _s("Restaurant name"),
            "date": _s("Date as YYYY-MM-DD"),
            "time": _s("Time as HH:MM, 24-hour clock"),
            "party_size": {"type": "integer", "minimum": 1},
        },
        ["restaurant", "date", "time", "party_size"],
    ),
}  # fmt: skip


def any_(*values: Any) -> dict[str, Any]:
    """An argument with several acceptable values (``ABSENT``: may be left out)."""
    return {"$any": list(values)}


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def city(name: str, country: str) -> dict[str, Any]:
    return any_(name, f"{name}, {country}")


ANY_UNIT = any_(ABSENT, "celsius", "fahrenheit")

# Single call, one function offered: (id, prompt, tools, expected calls)
SIMPLE: list[tuple[str, str, list[str], list[dict[str, Any]]]] = [
    ("weather-tokyo", "What's the weather like in Tokyo right now?", ["get_weather"],
     [call("get_weather", city=city("Tokyo", "Japan"), unit=ANY_UNIT)]),
    ("weather-oslo-f", "How warm is it in Oslo at the moment? Give it to me in Fahrenheit.", ["get_weather"],
     [call("get_weather", city=city("Oslo", "Norway"), unit="fahrenheit")]),
    ("forecast-lima", "Give me the 5-day forecast for Lima in Celsius.", ["get_forecast"],
     [call("get_forecast", city=city("Lima", "Peru"), days=5, unit="celsius")]),
    ("order-status", "Where is my order 48213? Has it shipped?", ["get_order_status"],
     [call("get_order_status", order_id="48213")]),
    ("order-status-alnum", "Can you check the status of order AB-7731?", ["get_order_status"],
     [call("get_order_status", order_id="AB-7731")]),
    ("currency-usd-eur", "Convert 250 US dollars to euros.", ["convert_currency"],
     [call("convert_currency", amount=250, from_currency="USD", to_currency="EUR")]),
    ("currency-jpy-gbp", "How much is 12000 Japanese yen in British pounds?", ["convert_currency"],
     [call("convert_currency", amount=12000, from_currency="JPY", to_currency="GBP")]),
    ("stock-msft", "What is Microsoft's share price right now? Its ticker is MSFT.", ["get_stock_price"],
     [call("get_stock_price", symbol="MSFT")]),
    ("stock-tsla", "Look up the current TSLA stock price.", ["get_stock_price"],
     [call("get_stock_price", symbol="TSLA")]),
    ("units-miles", "Convert 26.2 miles to kilometers.", ["convert_units"],
     [call("convert_units", value=26.2, from_unit="mile", to_unit="kilometer")]),
    ("units-pounds", "How many kilograms is 150 pounds?", ["convert_units"],
     [call("convert_units", value=150, from_unit="pound", to_unit="kilogram")]),
    ("units-temp", "Convert 350 degrees Fahrenheit to Celsius for my oven.", ["convert_units"],
     [call("convert_units", value=350, from_unit="fahrenheit", to_unit="celsius")]),
    ("reminder", "Remind me to call the plumber on 2025-06-03 at 09:30.", ["set_reminder"],
     [call("set_reminder", message=any_("call the plumber", "Call the plumber"), time="2025-06-03T09:30")]),
    ("translate-es", "Translate 'good morning' into Spanish.", ["translate_text"],
     [call("translate_text", text="good morning", target_language=any_("es", "Spanish"))]),
    ("translate-de", "Please translate 'Where is the train station?' into German.", ["translate_text"],
     [call("translate_text", text="Where is the train station?", target_language=any_("de", "German"))]),
    ("list-events", "What's on my calendar on 2025-09-12?", ["list_events"],
     [call("list_events", date="2025-09-12", calendar=any_(ABSENT))]),
    ("list-events-work", "Show me my work calendar for 2025-02-20.", ["list_events"],
     [call("list_events", date="2025-02-20", calendar="work")]),
    ("cancel-order", "Cancel order 90077, I ordered it by mistake.", ["cancel_order"],
     [call("cancel_order", order_id="90077", reason="ordered_by_mistake")]),
    ("book-table", "Book a table for 4 at Luigi's Trattoria on 2025-05-17 at 19:30.", ["book_table"],
     [call("book_table", restaurant=any_("Luigi's Trattoria", "Luigis Trattoria"), date="2025-05-17", time="19:30", party_size=4)]),
    ("email-simple", "Send an email to sam@example.com with the subject 'Lunch' and the body 'See you at noon.'", ["send_email"],
     [call("send_email", to=["sam@example.com"], subject="Lunch", body="See you at noon.", cc=any_(ABSENT))]),
    ("flight-simple", "Find flights from LHR to JFK on 2025-08-01.", ["search_flights"],
     [call("search_flights", origin="LHR", destination="JFK", departure_date="2025-08-01",
           return_date=any_(ABSENT), passengers=any_(ABSENT, 1), cabin=any_(ABSENT, "economy"))]),
    ("products-simple", "Search the shop for wireless headphones.", ["search_products"],
     [call("search_products", query=any_("wireless headphones", "headphones"), category=any_(ABSENT, "electronics"),
           max_price=any_(ABSENT), sort_by=any_(ABSENT, "relevance"))]),
]  # fmt: skip

# Several functions offered, one is right.
MULTIPLE: list[tuple[str, str, list[str], list[dict[str, Any]]]] = [
    ("pick-weather", "Is it raining in Dublin right now?", ["get_weather", "get_forecast", "search_flights"],
     [call("get_weather", city=city("Dublin", "Ireland"), unit=ANY_UNIT)]),
    ("pick-forecast", "What will the weather be in Seoul over the next 3 days?", ["get_weather", "get_forecast", "set_reminder"],
     [call("get_forecast", city=city("Seoul", "South Korea"), days=3, unit=ANY_UNIT)]),
    ("pick-currency", "I have 80 Swiss francs. How many US dollars is that?", ["convert_units", "convert_currency", "get_stock_price"],
     [call("convert_currency", amount=80, from_currency="CHF", to_currency="USD")]),
    ("pick-units", "How many liters are in 5 gallons?", ["convert_units", "convert_currency", "search_products"],
     [call("convert_units", value=5, from_unit="gallon", to_unit="liter")]),
    ("pick-order-status", "Has order 31337 been delivered yet?", ["get_order_status", "cancel_order", "place_order"],
     [call("get_order_status", order_id="31337")]),
    ("pick-cancel", "Please cancel order 55120. I found it cheaper elsewhere.", ["get_order_status", "cancel_order", "place_order"],
     [call("cancel_order", order_id="55120", reason="found_cheaper")]),
    ("pick-stock", "What's the stock price of AMZN?", ["get_stock_price", "convert_currency", "search_products"],
     [call("get_stock_price", symbol="AMZN")]),
    ("pick-event", "Add 'Dentist' to my calendar on 2025-04-08 at 15:00.", ["list_events", "create_event", "set_reminder"],
     [call("create_event", title="Dentist", date="2025-04-08", start_time="15:00", duration_minutes=any_(ABSENT, 60),
           attendees=any_(ABSENT), location=any_(ABSENT))]),
    ("pick-list", "Do I have anything in my personal calendar on 2025-12-24?", ["list_events", "create_event", "set_reminder"],
     [call("list_events", date="2025-12-24", calendar="personal")]),
    ("pick-reminder", "Set a reminder for 2025-03-01T08:00 to water the plants.", ["create_event", "set_reminder", "send_email"],
     [call("set_reminder", message=any_("water the plants", "Water the plants"), time="2025-03-01T08:00")]),
    ("pick-translate", "How do you say 'thank you very much' in Japanese?", ["translate_text", "send_email", "search_products"],
     [call("translate_text", text="thank you very much", target_language=any_("ja", "Japanese"))]),
    ("pick-flight", "Find me a business class flight from CDG to SIN on 2025-10-05.", ["search_flights", "book_table", "convert_currency"],
     [call("search_flights", origin="CDG", destination="SIN", departure_date="2025-10-05", cabin="business",
           return_date=any_(ABSENT), passengers=any_(ABSENT, 1))]),
    ("pick-table", "Reserve a table for two at Blue Harbor on 2025-07-04 at 20:00.", ["book_table", "create_event", "search_flights"],
     [call("book_table", restaurant="Blue Harbor", date="2025-07-04", time="20:00", party_size=2)]),
    ("pick-products", "Show me board games under 30 dollars, cheapest first.", ["search_products", "place_order", "get_order_status"],
     [call("search_products", query=any_("board games", "board game"), category=any_(ABSENT, "toys"), max_price=30, sort_by="price_asc")]),
    ("pick-email", "Email tom@example.com with subject 'Report' and body 'The report is attached.' and copy lisa@example.com.",
     ["send_email", "create_event", "translate_text"],
     [call("send_email", to=["tom@example.com"], subject="Report", body="The report is attached.", cc=["lisa@example.com"])]),
    ("pick-temp-units", "What is 100 degrees Celsius in Fahrenheit?", ["get_weather", "convert_units", "convert_currency"],
     [call("convert_units", value=100, from_unit="celsius", to_unit="fahrenheit")]),
    ("pick-books", "Find books about astronomy sorted by rating.", ["search_products", "translate_text", "get_stock_price"],
     [call("search_products", query=any_("astronomy", "astronomy books", "books about astronomy"), category=any_(ABSENT, "books"),
           sort_by="rating", max_price=any_(ABSENT))]),
    ("pick-weather-c", "What's the temperature in Cairo right now in Celsius?", ["get_weather", "get_forecast", "convert_units"],
     [call("get_weather", city=city("Cairo", "Egypt"), unit="celsius")]),
    ("pick-forecast-week", "I need the full 7-day forecast for Toronto.", ["get_forecast", "get_weather", "list_events"],
     [call("get_forecast", city=city("Toronto", "Canada"), days=7, unit=ANY_UNIT)]),
    ("pick-currency-big", "Convert 1,500,000 Korean won to Japanese yen.", ["convert_currency", "get_stock_price", "convert_units"],
     [call("convert_currency", amount=1500000, from_currency="KRW", to_currency="JPY")]),
]  # fmt: skip

# Several calls expected at once.
PARALLEL: list[tuple[str, str, list[str], list[dict[str, Any]]]] = [
    ("weather-two-cities", "What's the weather in Paris and in Berlin right now?", ["get_weather"],
     [call("get_weather", city=city("Paris", "France"), unit=ANY_UNIT),
      call("get_weather", city=city("Berlin", "Germany"), unit=ANY_UNIT)]),
    ("weather-three-cities", "Check the current weather in Rome, Madrid and Vienna, in Celsius.", ["get_weather", "get_forecast"],
     [call("get_weather", city=city("Rome", "Italy"), unit="celsius"),
      call("get_weather", city=city("Madrid", "Spain"), unit="celsius"),
      call("get_weather", city=city("Vienna", "Austria"), unit="celsius")]),
    ("stocks-three", "Get me the prices of AAPL, MSFT and NVDA.", ["get_stock_price"],
     [call("get_stock_price", symbol="AAPL"), call("get_stock_price", symbol="MSFT"), call("get_stock_price", symbol="NVDA")]),
    ("orders-two", "Check the status of orders 1001 and 1002.", ["get_order_status", "cancel_order"],
     [call("get_order_status", order_id="1001"), call("get_order_status", order_id="1002")]),
    ("currency-two", "Convert 100 euros to US dollars and 100 euros to British pounds.", ["convert_currency"],
     [call("convert_currency", amount=100, from_currency="EUR", to_currency="USD"),
      call("convert_currency", amount=100, from_currency="EUR", to_currency="GBP")]),
    ("weather-and-stock", "What's the weather in Sydney, and what is AAPL trading at?", ["get_weather", "get_stock_price", "get_forecast"],
     [call("get_weather", city=city("Sydney", "Australia"), unit=ANY_UNIT), call("get_stock_price", symbol="AAPL")]),
    ("units-two", "Convert 10 kilometers to miles and 10 kilograms to pounds.", ["convert_units"],
     [call("convert_units", value=10, from_unit="kilometer", to_unit="mile"),
      call("convert_units", value=10, from_unit="kilogram", to_unit="pound")]),
    ("flights-both-ways", "Search flights from SFO to NRT on 2025-11-10 and, separately, from NRT to SFO on 2025-11-20.", ["search_flights"],
     [call("search_flights", origin="SFO", destination="NRT", departure_date="2025-11-10", return_date=any_(ABSENT), passengers=any_(ABSENT, 1), cabin=any_(ABSENT, "economy")),
      call("search_flights", origin="NRT", destination="SFO", departure_date="2025-11-20", return_date=any_(ABSENT), passengers=any_(ABSENT, 1), cabin=any_(ABSENT, "economy"))]),
    ("calendars-two-days", "What do I have on 2025-01-06 and on 2025-01-07?", ["list_events", "create_event"],
     [call("list_events", date="2025-01-06", calendar=any_(ABSENT)), call("list_events", date="2025-01-07", calendar=any_(ABSENT))]),
    ("translate-two", "Translate 'hello' into French and into Italian.", ["translate_text"],
     [call("translate_text", text="hello", target_language=any_("fr", "French")),
      call("translate_text", text="hello", target_language=any_("it", "Italian"))]),
    ("reminder-and-weather", "Remind me on 2025-05-05T07:00 to bring an umbrella, and tell me the weather in London now.",
     ["set_reminder", "get_weather", "send_email"],
     [call("set_reminder", message=any_("bring an umbrella", "Bring an umbrella"), time="2025-05-05T07:00"),
      call("get_weather", city=city("London", "United Kingdom"), unit=ANY_UNIT)]),
    ("forecast-two", "Give me 2-day forecasts for Nairobi and Accra.", ["get_forecast"],
     [call("get_forecast", city=city("Nairobi", "Kenya"), days=2, unit=ANY_UNIT),
      call("get_forecast", city=city("Accra", "Ghana"), days=2, unit=ANY_UNIT)]),
]  # fmt: skip

# Object and array arguments.
NESTED: list[tuple[str, str, list[str], list[dict[str, Any]]]] = [
    ("order-two-items", "Order 2 of product BK-1042 and 1 of MUG-7, shipped to Hauptstrasse 5, 10115 Berlin, Germany.",
     ["place_order", "get_order_status"],
     [call("place_order", items=[{"sku": "BK-1042", "quantity": 2}, {"sku": "MUG-7", "quantity": 1}],
           shipping_address={"street": "Hauptstrasse 5", "city": "Berlin", "postal_code": "10115", "country": "Germany"},
           express_shipping=any_(ABSENT, False))]),
    ("order-express", "Place an express order for 3 units of TEA-22 to 12 Rue de Rivoli, 75001 Paris, France.",
     ["place_order", "search_products"],
     [call("place_order", items=[{"sku": "TEA-22", "quantity": 3}],
           shipping_address={"street": "12 Rue de Rivoli", "city": "Paris", "postal_code": "75001", "country": "France"},
           express_shipping=True)]),
    ("order-three-items", "Buy 1 LAMP-3, 4 BULB-60 and 2 CORD-2M. Ship to 221 Baker Street, NW1 6XE London, United Kingdom. No rush.",
     ["place_order"],
     [call("place_order", items=[{"sku": "LAMP-3", "quantity": 1}, {"sku": "BULB-60", "quantity": 4}, {"sku": "CORD-2M", "quantity": 2}],
           shipping_address={"street": "221 Baker Street", "city": "London", "postal_code": "NW1 6XE", "country": "United Kingdom"},
           express_shipping=any_(ABSENT, False))]),
    ("event-attendees", "Create a meeting called 'Budget review' on 2025-03-14 at 10:00 for 45 minutes with ana@example.com and raj@example.com.",
     ["create_event", "send_email"],
     [call("create_event", title="Budget review", date="2025-03-14", start_time="10:00", duration_minutes=45,
           attendees=["ana@example.com", "raj@example.com"], location=any_(ABSENT))]),
    ("event-location", "Schedule 'Team lunch' on 2025-06-20 at 12:30 at Cafe Nord, 90 minutes, inviting kim@example.com.",
     ["create_event", "book_table"],
     [call("create_event", title="Team lunch", date="2025-06-20", start_time="12:30", duration_minutes=90,
           attendees=["kim@example.com"], location="Cafe Nord")]),
    ("email-many", "Send an email to ana@example.com and raj@example.com, subject 'Agenda', body 'Agenda attached.', cc boss@example.com.",
     ["send_email"],
     [call("send_email", to=["ana@example.com", "raj@example.com"], subject="Agenda", body="Agenda attached.", cc=["boss@example.com"])]),
    ("email-cc-two", "Email ops@example.com with subject 'Outage' and body 'The site is down.' and cc dev@example.com and qa@example.com.",
     ["send_email", "set_reminder"],
     [call("send_email", to=["ops@example.com"], subject="Outage", body="The site is down.", cc=["dev@example.com", "qa@example.com"])]),
    ("order-single-address", "Order 5 of PEN-BLK to 350 Fifth Avenue, 10118 New York, United States, with express shipping.",
     ["place_order", "get_order_status", "cancel_order"],
     [call("place_order", items=[{"sku": "PEN-BLK", "quantity": 5}],
           shipping_address={"street": "350 Fifth Avenue", "city": "New York", "postal_code": "10118", "country": "United States"},
           express_shipping=True)]),
    ("event-three-attendees", "Book 'Design sync' on 2025-08-11 at 16:00 with a@example.com, b@example.com and c@example.com.",
     ["create_event"],
     [call("create_event", title="Design sync", date="2025-08-11", start_time="16:00", duration_minutes=any_(ABSENT, 60),
           attendees=["a@example.com", "b@example.com", "c@example.com"], location=any_(ABSENT))]),
    ("order-gift", "Send 1 GIFT-BOX and 2 CARD-BDAY to Calle Mayor 10, 28013 Madrid, Spain.",
     ["place_order", "send_email"],
     [call("place_order", items=[{"sku": "GIFT-BOX", "quantity": 1}, {"sku": "CARD-BDAY", "quantity": 2}],
           shipping_address={"street": "Calle Mayor 10", "city": "Madrid", "postal_code": "28013", "country": "Spain"},
           express_shipping=any_(ABSENT, False))]),
]  # fmt: skip

# Enums and optional parameters that the request does or does not mention.
OPTIONAL: list[tuple[str, str, list[str], list[dict[str, Any]]]] = [
    ("flight-round-trip", "Find round-trip flights from MAD to BOS leaving 2025-09-01 and returning 2025-09-15 for 3 passengers.",
     ["search_flights"],
     [call("search_flights", origin="MAD", destination="BOS", departure_date="2025-09-01", return_date="2025-09-15",
           passengers=3, cabin=any_(ABSENT, "economy"))]),
    ("flight-premium", "Search premium economy flights from SYD to AKL on 2025-12-02 for 2 people.", ["search_flights"],
     [call("search_flights", origin="SYD", destination="AKL", departure_date="2025-12-02", passengers=2,
           cabin="premium_economy", return_date=any_(ABSENT))]),
    ("flight-first", "Any first class seats from DXB to LHR on 2025-04-22?", ["search_flights"],
     [call("search_flights", origin="DXB", destination="LHR", departure_date="2025-04-22", cabin="first",
           return_date=any_(ABSENT), passengers=any_(ABSENT, 1))]),
    ("products-category", "Look for cotton t-shirts in clothing under 20 dollars.", ["search_products"],
     [call("search_products", query=any_("cotton t-shirts", "cotton t-shirt", "t-shirts", "cotton tshirts"), category="clothing",
           max_price=20, sort_by=any_(ABSENT, "relevance"))]),
    ("products-expensive-first", "Search electronics for 'laptop', most expensive first.", ["search_products"],
     [call("search_products", query="laptop", category="electronics", sort_by="price_desc", max_price=any_(ABSENT))]),
    ("cancel-no-reason", "Cancel order 77001.", ["cancel_order", "get_order_status"],
     [call("cancel_order", order_id="77001", reason=any_(ABSENT))]),
    ("cancel-too-slow", "Cancel order 66002 because delivery is taking too long.", ["cancel_order"],
     [call("cancel_order", order_id="66002", reason="too_slow")]),
    ("event-minimal", "Put 'Yoga' on my calendar on 2025-02-02 at 07:15.", ["create_event"],
     [call("create_event", title="Yoga", date="2025-02-02", start_time="07:15", duration_minutes=any_(ABSENT, 60),
           attendees=any_(ABSENT), location=any_(ABSENT))]),
    ("forecast-f", "3-day forecast for Chicago in Fahrenheit, please.", ["get_forecast"],
     [call("get_forecast", city=city("Chicago", "United States"), days=3, unit="fahrenheit")]),
    ("units-kelvin", "Convert 300 kelvin to celsius.", ["convert_units"],
     [call("convert_units", value=300, from_unit="kelvin", to_unit="celsius")]),
]  # fmt: skip

# The right answer is no call: (id, prompt, tools, a fitting plain reply)
RELEVANCE: list[tuple[str, str, list[str], str]] = [
    ("joke", "Tell me a short joke about penguins.", ["get_weather", "get_forecast"],
     "Why don't penguins like talking to strangers? They find it hard to break the ice."),
    ("arithmetic", "What is 12 times 12?", ["convert_currency", "get_stock_price"], "12 times 12 is 144."),
    ("hamlet", "Who wrote Hamlet?", ["search_flights", "book_table"], "William Shakespeare wrote Hamlet."),
    ("haiku", "Write a haiku about autumn leaves.", ["send_email", "set_reminder"],
     "Red leaves drift and fall\nquiet paths of gold and rust\nthe year breathes out slow"),
    ("greeting", "Hi! How are you today?", ["get_order_status", "place_order"],
     "I'm doing well, thank you! How can I help you today?"),
    ("definition", "What does the word 'ephemeral' mean?", ["translate_text", "search_products"],
     "'Ephemeral' means lasting for a very short time."),
    ("hotel", "Book me a hotel room in Rome for next weekend.", ["search_flights", "get_weather"],
     "I can't book hotels with the tools I have, but I can search for flights or check the weather in Rome."),
    ("capital", "What is the capital of Canada?", ["get_weather", "convert_units"], "The capital of Canada is Ottawa."),
    ("recipe", "How long should I boil an egg for a soft yolk?", ["set_reminder", "list_events"],
     "About six minutes in boiling water gives a soft, runny yolk."),
    ("history", "When did the Berlin Wall fall?", ["get_stock_price", "convert_currency"], "The Berlin Wall fell in 1989."),
    ("poem-request", "Give me three tips for better sleep.", ["create_event", "send_email"],
     "Keep a regular bedtime, avoid screens before bed, and keep your bedroom cool and dark."),
    ("math-units-no-tool", "Is a kilometre longer than a mile?", ["get_order_status", "cancel_order"],
     "No, a mile (about 1.609 km) is longer than a kilometre."),
]  # fmt: skip


def _assistant_call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    fn = {"name": name, "arguments": json.dumps(arguments)}
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": call_id, "type": "function", "function": fn}],
    }


# A tool result is already in the conversation; the next call uses it.
# (id, user prompt, first call (name, args), tool result, tools, expected calls)
MULTI_TURN: list[tuple[str, str, tuple[str, dict[str, Any]], dict[str, Any], list[str], list[dict[str, Any]]]] = [
    ("order-total-in-eur", "What was the total of my order 55812 in euros?", ("get_order_status", {"order_id": "55812"}),
     {"order_id": "55812", "status": "delivered", "total": 129.99, "currency": "USD"},
     ["get_order_status", "convert_currency"],
     [call("convert_currency", amount=129.99, from_currency="USD", to_currency="EUR")]),
    ("cancel-if-not-shipped", "Cancel order 42424 if it hasn't shipped yet; I changed my mind.", ("get_order_status", {"order_id": "42424"}),
     {"order_id": "42424", "status": "processing", "shipped": False},
     ["get_order_status", "cancel_order"],
     [call("cancel_order", order_id="42424", reason="changed_mind")]),
    ("free-slot-event", "Check my work calendar on 2025-10-01 and, if 14:00 is free, add 'Interview' then.",
     ("list_events", {"date": "2025-10-01", "calendar": "work"}),
     {"date": "2025-10-01", "events": [{"title": "Standup", "start_time": "09:00", "duration_minutes": 15}]},
     ["list_events", "create_event"],
     [call("create_event", title="Interview", date="2025-10-01", start_time="14:00", duration_minutes=any_(ABSENT, 60),
           attendees=any_(ABSENT), location=any_(ABSENT))]),
    ("rain-reminder", "Check the weather in Lisbon. If it is raining, remind me on 2025-05-10T08:00 to take an umbrella.",
     ("get_weather", {"city": "Lisbon"}),
     {"city": "Lisbon", "temperature": 17, "unit": "celsius", "conditions": "rain"},
     ["get_weather", "set_reminder"],
     [call("set_reminder", message=any_("take an umbrella", "Take an umbrella"), time="2025-05-10T08:00")]),
]  # fmt: skip


def _sample(
    sid: str, messages: list[dict[str, Any]], tools: list[str], expected: Any, tags: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": sid,
        "messages": messages,
        "tools": [FUNCTIONS[name] for name in tools],
        "tool_choice": "auto",
    }
    if "parallel" in tags:
        out["parallel_tool_calls"] = True
    out["expected"] = expected
    out["tags"] = tags
    return out


def items() -> list[dict[str, Any]]:
    """Every tools item, in file order."""
    out: list[dict[str, Any]] = []
    groups = [
        ("simple", SIMPLE),
        ("multiple", MULTIPLE),
        ("parallel", PARALLEL),
        ("nested", NESTED),
        ("optional", OPTIONAL),
    ]
    for tag, table in groups:
        for sid, prompt, tools, calls in table:
            msgs = [{"role": "user", "content": prompt}]
            out.append(_sample(f"{tag}-{sid}", msgs, tools, {"tool_calls": calls}, [tag]))
    for sid, prompt, tools, reply in RELEVANCE:
        msgs = [{"role": "user", "content": prompt}]
        sample = _sample(f"relevance-{sid}", msgs, tools, {"tool_calls": []}, ["relevance"])
        sample["metadata"] = {"reference": reply}
        out.append(sample)
    for sid, prompt, (name, args), result, tools, calls in MULTI_TURN:
        msgs = [
            {"role": "user", "content": prompt},
            _assistant_call("call_1", name, args),
            {"role": "tool", "tool_call_id": "call_1", "content": json.dumps(result)},
        ]
        out.append(_sample(f"multiturn-{sid}", msgs, tools, {"tool_calls": calls}, ["multi-turn"]))
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
    print(write(parser.parse_args().out))


if __name__ == "__main__":
    main()
