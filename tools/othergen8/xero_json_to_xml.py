#!/usr/bin/env python3
"""Writes the helper's Xero JSON answers (fixtures/othergen8/api-responses/xero-*.json) as the
XML Xero sends for `Accept: application/xml`, which is what incasso asks for: the same elements
and values, lists as a plural element of singular ones, `/Date(ms+0000)/` as the ISO date-time
the JSON's `...String` twin (or the instant) gives, amounts with two decimals."""
import datetime
import json
import sys
from xml.sax.saxutils import escape

SINGULAR = {"Addresses": "Address", "Tracking": "TrackingCategory"}


def singular(name):
    return SINGULAR.get(name, name[:-1] if name.endswith("s") else name)


def value(key, v, obj):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.2f}" if key not in ("CurrencyRate", "Quantity", "UnitAmount") else repr(v)
    if isinstance(v, str) and v.startswith("/Date("):
        twin = obj.get(key + "String")
        if twin:
            return twin.rstrip("Z")
        ms = int(v[6:].split("+")[0].split(")")[0])
        return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return str(v)


def element(name, v, obj, out, depth):
    pad = "  " * depth
    if isinstance(v, dict):
        out.append(f"{pad}<{name}>")
        for k, x in v.items():
            if k.endswith("String") and k[:-6] in v or k == "pagination":
                continue
            element(k, x, v, out, depth + 1)
        out.append(f"{pad}</{name}>")
    elif isinstance(v, list):
        if not v:
            return
        out.append(f"{pad}<{name}>")
        for x in v:
            element(singular(name), x, {}, out, depth + 1)
        out.append(f"{pad}</{name}>")
    elif v is not None:
        out.append(f"{pad}<{name}>{escape(value(name, v, obj))}</{name}>")


for path in sys.argv[1:]:
    data = json.load(open(path))
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    element("Response", data, data, out, 0)
    open(path[:-5] + ".xml", "w").write("\n".join(out) + "\n")
