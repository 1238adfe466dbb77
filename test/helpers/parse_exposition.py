"""Parses an exposition from stdin with the Python client's parsers and prints its families as JSON.

Usage: /usr/bin/python3 parse_exposition.py text|openmetrics < body
The OpenMetrics parser is strict (it raises on any violation of the spec); the text one is the
client's own reading of the Prometheus text format. A failure prints the parser's message on
stderr and exits 1; a missing module exits 3, so the caller can say how to install it.
"""

import json
import math
import sys

try:
    from prometheus_client import parser as text_parser
    from prometheus_client.openmetrics import parser as openmetrics_parser
except ImportError as error:
    print(f"prometheus_client is missing ({error})", file=sys.stderr)
    sys.exit(3)

PARSERS = {
    "text": text_parser.text_string_to_metric_families,
    "openmetrics": openmetrics_parser.text_string_to_metric_families,
}


def number(value):
    """JSON has no NaN or infinities: those travel as the exposition spells them."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


def family_json(family):
    return {
        "name": family.name,
        "type": family.type,
        "help": family.documentation,
        "unit": family.unit,
        "samples": [
            {
                "name": sample.name,
                "labels": sample.labels,
                "value": number(sample.value),
                "timestamp": None if sample.timestamp is None else str(sample.timestamp),
            }
            for sample in family.samples
        ],
    }


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in PARSERS:
        print("usage: parse_exposition.py text|openmetrics < body", file=sys.stderr)
        sys.exit(2)
    try:
        body = sys.stdin.buffer.read().decode("utf-8")
        families = [family_json(f) for f in PARSERS[sys.argv[1]](body)]
    except Exception as error:  # the parsers raise ValueError, and sometimes other errors
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
    json.dump(families, sys.stdout, ensure_ascii=False)


main()
