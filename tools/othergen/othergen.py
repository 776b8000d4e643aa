#!/usr/bin/env python3
"""othergen: independent, noisy test data for incasso's import and payment matching.

Writes a ledger (invoices and credit notes), one bank statement of the same period and a
truth file saying what every bank line really paid. Standard library only; deterministic per
seed. See README.md beside this file.

    python3 othergen.py --invoices N --seed S --dialect nl|en --bank camt|rabo-csv \
        [--partial] --as-of YYYY-MM-DD --out DIR
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import unicodedata
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

Date = dt.date
START = Date(2025, 1, 1)  # first day of the bank statement

# Every class a bank line can have (truth/lines.csv).
CLASSES = ["exact", "no-year", "typo", "name-only", "instalments", "several",
           "names-missing", "ambiguous", "unrelated"]


# --------------------------------------------------------------------------- money and dates

def money(c: int) -> str:
    """Cents as a plain decimal with a point: -1234.5 EUR -> '-1234.50'."""
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


def money_nl(c: int, thousands: bool = True) -> str:
    sign = "-" if c < 0 else ""
    c = abs(c)
    whole = f"{c // 100:,}" if thousands else str(c // 100)
    return f"{sign}{whole.replace(',', '.')},{c % 100:02d}"


def money_en(c: int, thousands: bool = True) -> str:
    sign = "-" if c < 0 else ""
    c = abs(c)
    whole = f"{c // 100:,}" if thousands else str(c // 100)
    return f"{sign}{whole}.{c % 100:02d}"


def easter(year: int) -> Date:
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return Date(year, month, day)


def bank_holiday(d: Date) -> bool:
    """TARGET2 closing days: the days a euro bank books nothing."""
    if (d.month, d.day) in ((1, 1), (5, 1), (12, 25), (12, 26)):
        return True
    e = easter(d.year)
    return d in (e - dt.timedelta(days=2), e + dt.timedelta(days=1))


def business_day(d: Date) -> bool:
    return d.weekday() < 5 and not bank_holiday(d)


def next_bd(d: Date) -> Date:
    while not business_day(d):
        d += dt.timedelta(days=1)
    return d


def prev_bd(d: Date) -> Date:
    while not business_day(d):
        d -= dt.timedelta(days=1)
    return d


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# --------------------------------------------------------------------------- check digits

def kenmerk(body15: str) -> str:
    """Dutch 16-digit betalingskenmerk: check digit (mod 11, weights 2^i mod 11) + 15 digits."""
    weights = [2, 4, 8, 5, 10, 9, 7, 3, 6, 1, 2, 4, 8, 5, 10]
    total = sum(int(ch) * w for ch, w in zip(reversed(body15), weights))
    check = 11 - total % 11
    check = {10: 1, 11: 0}.get(check, check)
    return f"{check}{body15}"


def kenmerk_ok(k: str) -> bool:
    return len(k) == 16 and k.isdigit() and kenmerk(k[1:]) == k


def iban_check(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def iban_ok(iban: str) -> bool:
    s = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in s)) % 97 == 1


NL_BANKS = [("RABO", "RABONL2U"), ("INGB", "INGBNL2A"), ("ABNA", "ABNANL2A"), ("TRIO", "TRIONL2U"),
            ("SNSB", "SNSBNL2A"), ("ASNB", "ASNBNL21"), ("KNAB", "KNABNL2H"), ("BUNQ", "BUNQNL2A"),
            ("RBRB", "RBRBNL21")]
NL_BANK_WEIGHTS = [30, 30, 20, 4, 5, 3, 3, 4, 1]
BE_BANKS = [("001", "GEBABEBB"), ("310", "BBRUBEBB"), ("734", "KREDBEBB"), ("063", "GKCCBEBB")]
GB_BANKS = [("NWBK", "NWBKGB2L"), ("BARC", "BARCGB22"), ("HBUK", "HBUKGB4B"), ("LOYD", "LOYDGB2L")]


class Ibans:
    """Makes valid, never repeated IBANs (NL accounts pass the old 11-test too)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def _fresh(self, make) -> tuple[str, str]:
        while True:
            iban, bic = make()
            if iban not in self.used:
                self.used.add(iban)
                return iban, bic

    def nl(self, bank: str | None = None) -> tuple[str, str]:
        def make():
            code, bic = (bank, dict(NL_BANKS)[bank]) if bank else \
                self.rng.choices(NL_BANKS, NL_BANK_WEIGHTS)[0]
            while True:
                acct = f"{self.rng.randrange(10**8, 10**10):010d}"
                if sum(int(ch) * w for ch, w in zip(acct, range(10, 0, -1))) % 11 == 0:
                    break
            return iban_check("NL", code + acct), bic
        return self._fresh(make)

    def be(self) -> tuple[str, str]:
        def make():
            code, bic = self.rng.choice(BE_BANKS)
            body = code + f"{self.rng.randrange(10**7):07d}"
            check = int(body) % 97 or 97
            return iban_check("BE", f"{body}{check:02d}"), bic
        return self._fresh(make)

    def gb(self) -> tuple[str, str]:
        def make():
            code, bic = self.rng.choice(GB_BANKS)
            bban = code + f"{self.rng.randrange(10**6):06d}{self.rng.randrange(10**8):08d}"
            return iban_check("GB", bban), bic
        return self._fresh(make)

    def for_country(self, country: str) -> tuple[str, str]:
        return {"NL": self.nl, "BE": self.be, "GB": self.gb}[country]()


# --------------------------------------------------------------------------- names

TRADES = ["Bakkerij", "Installatiebedrijf", "Transportbedrijf", "Bouwbedrijf", "Schildersbedrijf",
          "Hoveniersbedrijf", "Autobedrijf", "Administratiekantoor", "Dakdekkersbedrijf",
          "Drukkerij", "Restaurant", "Café", "Timmerfabriek", "Schoonmaakbedrijf", "Adviesbureau",
          "Architectenbureau", "Tandartspraktijk", "Fietsenmaker", "Bloemenhandel", "Groothandel",
          "Metaalbewerking", "Elektrotechniek", "Kinderopvang", "Slagerij", "Garage", "Loodgieter",
          "Verhuisbedrijf", "Glazenwassersbedrijf", "Kapsalon", "Brasserie"]
TRADE_NAMES = ["De Zon", "Het Anker", "De Molen", "Noord", "Van Dijk", "Jansen", "De Vries",
               "Bakker", "Visser", "Smit", "Meijer", "De Boer", "Mulder", "De Groot", "Bos", "Vos",
               "Peters", "Hendriks", "Van Leeuwen", "Dekker", "Brouwer", "De Wit", "Dijkstra",
               "De Graaf", "Van der Meer", "Van der Linden", "Kok", "Jacobs", "De Haan",
               "Vermeulen", "Van den Berg", "Van der Heijden", "Schouten", "Van Beek", "Willems",
               "Van Vliet", "Hoekstra", "Maas", "Verhoeven", "Koster", "Prins", "Blom", "Huisman",
               "Kuipers", "Van Wijk", "Noël", "Müller", "Ter Horst", "Het Hoekje", "De Eendracht",
               "Zeeland", "Oranje", "Lindeboom", "De Kastanje", "De Linde", "Sterk", "Snel",
               "Westland", "Het Gooi", "De Kempen", "Veluwe", "Twente", "De Brug", "Overvecht"]
BE_NAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
            "Wouters", "De Smet", "Dubois", "Lambert", "Vermeersch", "Van Damme", "Hermans"]
GB_FIRST = ["Thames", "Northern", "Atlas", "Crown", "Harbour", "Oakwood", "Kingsway", "Bridge",
            "Riverside", "Summit", "Pennine", "Albion", "Redbrick", "Westfield", "Meridian"]
GB_SECOND = ["Trading", "Supplies", "Logistics", "Consulting", "Engineering", "Foods",
             "Components", "Print", "Systems", "Textiles"]
FIRST = ["Jan", "Piet", "Kees", "Anna", "Sanne", "Eva", "Mark", "Thomas", "Lotte", "Fleur", "Daan",
         "Sem", "Lucas", "Emma", "Julia", "Bram", "Henk", "Ingrid", "Renée", "Joëlle", "Gerrit",
         "Wilma", "Mohamed", "Fatima", "Yusuf", "Ayşe", "Priya", "Karin", "Ruud", "Marieke",
         "Willem", "Noor", "Stijn", "Ilse", "Frank", "Zoë"]
LAST = [("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("", "Bakker"), ("", "Visser"),
        ("", "Smit"), ("", "Meijer"), ("de", "Boer"), ("", "Mulder"), ("de", "Groot"),
        ("", "Bos"), ("", "Vos"), ("", "Peters"), ("", "Hendriks"), ("van", "Leeuwen"),
        ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"), ("van der", "Meer"),
        ("", "Kok"), ("", "Jacobs"), ("de", "Haan"), ("", "Vermeulen"), ("van", "Dam"),
        ("", "El Amrani"), ("", "Yılmaz"), ("", "Özdemir"), ("", "Çelik"), ("", "Kaya"),
        ("ter", "Horst"), ("van", "Beek"), ("", "Kuipers"), ("op de", "Weegh"), ("", "Postma")]


def strip_accents(s: str) -> str:
    s = s.replace("ı", "i").replace("ş", "s")
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def name_key(s: str) -> str:
    """A crude identity of a name (no case, accents, punctuation or legal form)."""
    s = strip_accents(s).lower()
    for form in ["b.v.", "n.v.", "v.o.f.", "bvba", "ltd", " bv", " nv", " vof"]:
        s = s.replace(form, " ")
    return "".join(ch for ch in s if ch.isalnum())


LEGAL_VARIANTS = {
    "B.V.": ["BV", "bv", "B.V", "B.V.", ""],
    "BV": ["B.V.", "bv", "B V", ""],
    "N.V.": ["NV", "nv", ""],
    "V.O.F.": ["VOF", "vof", "v.o.f.", ""],
    "bvba": ["BVBA", "B.V.B.A.", "bv", ""],
    "Ltd": ["LTD", "Limited", "Ltd.", "ltd"],
}


@dataclass
class Debtor:
    id: str
    name: str  # as in the ledger
    kind: str  # company | person
    country: str
    legal: str = ""
    core: str = ""  # company: name without legal form
    first: str = ""
    tussen: str = ""
    last: str = ""
    behaviour: str = "good"  # good | late | bad
    accounts: list = field(default_factory=list)  # [(iban, bic, holder name)]
    sub_amount: int = 0  # recurring amount excl. VAT (subscriptions)
    weight: float = 1.0
    docs: list = field(default_factory=list)


def name_variant(d: Debtor, rng: random.Random) -> str:
    """The debtor's name written differently: case, punctuation, legal form, word order."""
    for _ in range(20):
        if d.kind == "person":
            ini = strip_accents(d.first[0]) + "."
            tus = f"{d.tussen} " if d.tussen else ""
            options = [
                f"{ini} {tus}{d.last}",
                f"{d.last} {ini}" + (f" {d.tussen}" if d.tussen else ""),
                f"{tus}{d.last} {ini}".strip(),
                f"{tus.capitalize()}{d.last}, {ini}",
                f"{ini[0]} {tus}{d.last}".upper(),
                f"{d.last} {ini[0]}{(' ' + d.tussen) if d.tussen else ''}".upper(),
                f"Hr. {ini} {tus}{d.last}" if rng.random() < 0.5 else f"Mw. {ini} {tus}{d.last}",
                f"{d.first} {tus}{d.last}".lower(),
                strip_accents(f"{d.first} {tus}{d.last}"),
                f"{ini} {tus}{d.last} eo",
            ]
            v = rng.choice(options)
        else:
            core, legal = d.core, d.legal
            if legal and rng.random() < 0.75:
                legal = rng.choice(LEGAL_VARIANTS[legal])
            r = rng.random()
            if r < 0.3:
                core = core.upper()
                legal = legal.upper()
            elif r < 0.4:
                core = core.lower()
            elif r < 0.5:
                core = strip_accents(core)
            elif r < 0.58 and " " in core:
                first, rest = core.split(" ", 1)
                core = f"{rest} {first}"  # "De Zon Bakkerij"
            elif r < 0.66:
                core = core.replace("&", "en").replace("Gebr.", "Gebroeders")
            elif r < 0.72 and " " in core:
                first, rest = core.split(" ", 1)
                core = f"{rest}, {first}"
            if r >= 0.3 and rng.random() < 0.2:
                core = core.replace("De ", "de ").replace("Van ", "van ").replace("Het ", "het ")
            v = f"{core} {legal}".strip()
        if v != d.name:
            return v
    return d.name.upper()


def make_debtors(rng: random.Random, n: int, dialect: str, ibans: Ibans) -> list[Debtor]:
    debtors: list[Debtor] = []
    keys: set[str] = set()
    while len(debtors) < n:
        i = len(debtors)
        did = f"D{10001 + i * 3 + rng.randrange(3)}" if dialect == "nl" else f"C-{i + 1:04d}"
        if rng.random() < 0.30:
            first = rng.choice(FIRST)
            tussen, last = rng.choice(LAST)
            full_last = f"{tussen} {last}".strip()
            r = rng.random()
            if r < 0.6:
                name = f"{first} {full_last}"
            elif r < 0.8:
                name = f"{first[0]}. {full_last}"
            elif r < 0.9:
                name = f"{full_last[0].upper()}{full_last[1:]}, {first}"
            elif r < 0.95:
                name = f"Fam. {full_last}"
            else:
                name = f"{first[0]}.{rng.choice('AJMPW')}. {full_last}"
            d = Debtor(did, name, "person", "NL", first=first, tussen=tussen, last=last)
        else:
            r = rng.random()
            if r < 0.07:
                core, legal, country = f"{rng.choice(TRADES[:20])} {rng.choice(BE_NAMES)}", "bvba", "BE"
            elif r < 0.15:
                core, legal, country = f"{rng.choice(GB_FIRST)} {rng.choice(GB_SECOND)}", "Ltd", "GB"
            else:
                country = "NL"
                core = f"{rng.choice(TRADES)} {rng.choice(TRADE_NAMES)}"
                if rng.random() < 0.08:
                    core = f"Gebr. {rng.choice(TRADE_NAMES)}"
                elif rng.random() < 0.08:
                    core += " & Zn."
                legal = rng.choices(["B.V.", "BV", "N.V.", "V.O.F.", ""], [55, 12, 4, 14, 15])[0]
            name = f"{core} {legal}".strip()
            if rng.random() < 0.01:
                name = f'{core} "{rng.choice(["Het Atelier", "Warm", "Noord"])}"; {legal}'.strip()
            d = Debtor(did, name, "company", country, legal=legal, core=core)
            if rng.random() < 0.15:
                d.sub_amount = rng.choice([4900, 7500, 9900, 12500, 14900, 25000, 39500])
        key = name_key(d.name if d.kind == "company" else f"{d.first}{d.tussen}{d.last}")
        if key in keys or any(name_key(x.name) == name_key(d.name) for x in debtors):
            continue
        keys.add(key)
        d.behaviour = rng.choices(["good", "late", "bad"], [68, 22, 10])[0]
        d.weight = min(rng.paretovariate(1.3), 12.0) * (0.35 if d.kind == "person" else 1.0)
        # Primary account; the bank's spelling of the holder is the ledger's or a variant.
        iban, bic = ibans.for_country(d.country)
        holder = d.name if rng.random() < 0.55 else name_variant(d, rng)
        d.accounts.append((iban, bic, holder))
        if rng.random() < 0.25:
            iban, bic = ibans.for_country(d.country)
            d.accounts.append((iban, bic, name_variant(d, rng)))
        debtors.append(d)
    return debtors


# --------------------------------------------------------------------------- documents

@dataclass
class Doc:
    kind: str  # invoice | credit
    date: Date
    debtor: Debtor
    excl: int
    vat: int
    due: Date | None = None
    year: int = 0
    seq: int = 0
    number: str = ""
    kenmerk: str = ""
    rate: int = 21  # VAT percentage
    credited: "Doc | None" = None  # credit note -> the invoice it corrects
    credits: list = field(default_factory=list)  # invoice -> its credit notes
    status: str = ""
    visible: bool = True
    plan: str = ""  # unpaid | paid | disputed | credited | ambiguous | omitted
    pay_date: Date | None = None
    cls: str = ""
    order: int = 0

    @property
    def total(self) -> int:
        return self.excl + self.vat

    @property
    def net(self) -> int:
        """What the debtor owes on it: the total less its credit notes."""
        return self.total + sum(c.total for c in self.credits)


def vat_of(excl: int, rate: int) -> int:
    return (excl * rate + 50) // 100 if excl >= 0 else -((-excl * rate + 50) // 100)


def random_amount(rng: random.Random, d: Debtor) -> int:
    if d.sub_amount and rng.random() < 0.6:
        return d.sub_amount
    median = 15000 if d.kind == "person" else 60000
    c = int(rng.lognormvariate(0, 1.0) * median)
    c = max(2500, min(c, 2_500_000))
    if rng.random() < 0.45:
        c = c // 100 * 100
    return c


def number_of(dialect: str, kind: str, year: int, seq: int) -> str:
    if dialect == "nl":
        return f"{'F' if kind == 'invoice' else 'C'}{year}-{seq:06d}"
    return f"{'INV' if kind == 'invoice' else 'CN'}-{year}-{seq:04d}"


# --------------------------------------------------------------------------- bank lines

@dataclass
class Line:
    date: Date
    amount: int  # cents, negative = money out
    name: str
    iban: str
    bic: str
    text: str = ""  # unstructured remittance
    sref: str = ""  # structured creditor reference (betalingskenmerk)
    cls: str = "unrelated"
    kind: str = ""  # sub-kind (instalment, duplicate, short, overpaid; number, kenmerk, ...)
    applied: list = field(default_factory=list)  # [(Doc, cents)]
    note: str = ""
    debtor: Debtor | None = None
    intended: Doc | None = None
    btc: tuple = ("PMNT", "RCDT", "ESCT")  # camt bank transaction code
    rabo_code: str = "cb"
    mandate: str = ""
    creditor_id: str = ""
    e2e: str = "NOTPROVIDED"
    ref: str = ""
    tiebreak: float = 0.0
    balance_after: int = 0


class Generator:
    def __init__(self, args):
        self.args = args
        self.n = args.invoices
        self.dialect = args.dialect
        self.as_of: Date = dt.date.fromisoformat(args.as_of)
        self.rng = random.Random(f"othergen:{args.seed}")
        self.ibans = Ibans(self.rng)
        self.lines: list[Line] = []
        self.docs: list[Doc] = []
        self.invoices: list[Doc] = []
        self.credits: list[Doc] = []
        self.dropped: list[str] = []

    # ---------------- helpers
    def lang(self) -> str:
        """Language the payer writes in: Dutch for an nl ledger, mostly English for en."""
        if self.dialect == "nl":
            return "nl" if self.rng.random() < 0.95 else "en"
        return "en" if self.rng.random() < 0.7 else "nl"

    def amt_text(self, c: int, lang: str) -> str:
        return money_nl(c) if lang == "nl" else money_en(c)

    def visible_docs(self) -> list[Doc]:
        return [d for d in self.docs if d.visible]

    def account(self, d: Debtor) -> tuple[str, str, str]:
        """The account a debtor pays from: mostly the first, sometimes the second."""
        if len(d.accounts) > 1 and self.rng.random() < 0.3:
            return d.accounts[1]
        return d.accounts[0]

    def pay_line(self, doc: Doc, date: Date, amount: int, text: str = "", sref: str = "",
                 acct: tuple | None = None) -> Line:
        iban, bic, holder = acct or self.account(doc.debtor)
        e2e = "NOTPROVIDED"
        if doc.debtor.kind == "company" and self.rng.random() < 0.4:
            e2e = f"E2E{self.rng.randrange(10**9, 10**10)}"
        return Line(date, amount, holder, iban, bic, text=text, sref=sref, debtor=doc.debtor,
                    intended=doc, e2e=e2e)

    # ---------------- the ledger
    def build_ledger(self):
        rng = self.rng
        n_deb = max(12, self.n // 6)
        self.debtors = make_debtors(rng, n_deb, self.dialect, self.ibans)
        weights = [d.weight for d in self.debtors]
        span = (self.as_of - START).days
        for _ in range(self.n):
            d = rng.choices(self.debtors, weights)[0]
            if rng.random() < 0.03:
                date = Date(2024, 11, 1) + days(rng.randrange(61))
            else:
                date = START + days(rng.randrange(span + 1))
            date = prev_bd(date)
            excl = random_amount(rng, d)
            rate = 0 if d.country != "NL" else rng.choices([21, 9, 0], [85, 10, 5])[0]
            doc = Doc("invoice", date, d, excl, vat_of(excl, rate), rate=rate)
            doc.due = date + days(rng.choice([14, 14, 21, 30, 30, 30]))
            self.invoices.append(doc)
        self.invoices.sort(key=lambda x: (x.date, x.debtor.id))
        # Yearly sequences; a late-2024 invoice continues the 2024 numbering.
        seq = {2024: rng.randrange(700, 900), 2025: 0, 2026: 0}
        for doc in self.invoices:
            seq[doc.date.year] = seq.get(doc.date.year, 0) + 1
            doc.year, doc.seq = doc.date.year, seq[doc.date.year]
            doc.number = number_of(self.dialect, "invoice", doc.year, doc.seq)
            if rng.random() < (0.65 if self.dialect == "nl" else 0.5):
                body = f"{rng.randrange(1, 10)}{rng.randrange(100):02d}{doc.year}{doc.seq:06d}{rng.randrange(100):02d}"
                doc.kenmerk = kenmerk(body)
            doc.debtor.docs.append(doc)

    def reserve_ambiguous(self):
        """Debtors with two open items of the same amount, paid once without a reference."""
        rng = self.rng
        want = max(2, self.n // 120)
        self.ambiguous_pairs = []
        candidates = [d for d in self.debtors if len(d.docs) >= 3 and d.behaviour != "bad"]
        rng.shuffle(candidates)
        for d in candidates:
            if len(self.ambiguous_pairs) >= want:
                break
            docs = [x for x in d.docs if not x.plan and x.date >= START]
            pairs = [(a, b) for i, a in enumerate(docs) for b in docs[i + 1:]
                     if 0 < (b.date - a.date).days <= 75]
            if not pairs:
                continue
            a, b = rng.choice(pairs)
            b.excl, b.vat = a.excl, a.vat
            b.rate = a.rate
            a.plan = b.plan = "ambiguous"
            self.ambiguous_pairs.append((a, b))

    def build_credits(self):
        rng = self.rng
        for inv in self.invoices:
            if inv.plan or rng.random() > 0.05 or inv.date > self.as_of - days(10):
                continue
            date = next_bd(inv.date + days(rng.randrange(3, 40)))
            if date > self.as_of:
                continue
            if rng.random() < 0.35:
                excl, vat = -inv.excl, -inv.vat
                inv.plan = "credited"
            else:
                excl = -max(500, (inv.excl * rng.randrange(10, 50) // 100) // 100 * 100)
                vat = vat_of(excl, inv.rate)
            cn = Doc("credit", date, inv.debtor, excl, vat, due=date, credited=inv)
            inv.credits.append(cn)
            self.credits.append(cn)
        self.credits.sort(key=lambda x: (x.date, x.debtor.id))
        seq: dict[int, int] = {}
        for cn in self.credits:
            seq[cn.date.year] = seq.get(cn.date.year, 0) + 1
            cn.year, cn.seq = cn.date.year, seq[cn.date.year]
            cn.number = number_of(self.dialect, "credit", cn.year, cn.seq)
            cn.debtor.docs.append(cn)
        self.docs = sorted(self.invoices + self.credits, key=lambda x: (x.date, x.number))
        for i, doc in enumerate(self.docs):
            doc.order = i

    # ---------------- who pays what, when
    def plan_payments(self):
        rng = self.rng
        for inv in self.invoices:
            if inv.plan:
                continue
            b = inv.debtor.behaviour
            if b == "bad" and rng.random() < 0.8:
                inv.plan = "unpaid"
                continue
            delay = {"good": rng.randrange(-8, 15), "late": rng.randrange(5, 95),
                     "bad": rng.randrange(20, 150)}[b]
            pay = inv.due + days(delay)
            pay = max(pay, inv.date + days(rng.randrange(1, 5)))
            if pay < START:  # due in 2024: paid in the first weeks of the statement
                pay = START + days(rng.randrange(1, 25))
            if inv.credits:
                pay = max(pay, inv.credits[0].date + days(rng.randrange(1, 10)))
            pay = next_bd(pay)
            if pay > self.as_of:
                inv.plan = "unpaid"
                continue
            inv.plan, inv.pay_date = "paid", pay
        for inv in self.invoices:
            if inv.plan == "paid" and rng.random() < 0.015 and inv.due < self.as_of:
                inv.plan = "disputed"
        # Many invoices simply stay unpaid: about 30% of the ledger.
        target = int(self.n * rng.uniform(0.28, 0.31))
        unpaid = [i for i in self.invoices if i.plan in ("unpaid", "disputed", "ambiguous")]
        paid = [i for i in self.invoices if i.plan == "paid"]
        rng.shuffle(paid)
        for inv in paid[: max(0, target - len(unpaid))]:
            inv.plan = "unpaid"
        for inv in self.invoices:
            if inv.plan == "disputed" or (inv.plan == "unpaid" and rng.random() < 0.01):
                inv.status = "Betwist" if self.dialect == "nl" else "Disputed"
                inv.plan = "disputed"

    def choose_classes(self):
        rng = self.rng
        kinds = ["exact", "no-year", "typo", "name-only", "instalment", "short", "duplicate",
                 "overpaid", "several"]
        weights = [36, 15, 9, 13, 6, 3, 3, 1, 18]
        for inv in self.invoices:
            if inv.plan == "paid":
                inv.cls = rng.choices(kinds, weights)[0]
        if self.args.partial:
            # The export misses ~10% of the invoices that payments name by their number.
            named = [i for i in self.invoices if i.plan == "paid" and i.cls == "exact"
                     and not i.credits]
            target = round(0.10 * len([i for i in self.invoices if i.plan == "paid"]))
            rng.shuffle(named)
            for inv in named:
                if target <= 0:
                    break
                others = [x for x in inv.debtor.docs if x is not inv and x.kind == "invoice"]
                if any(x.net == inv.total for x in others) or not others:
                    continue
                inv.plan, inv.cls, inv.visible = "omitted", "names-missing", False
                target -= 1

    # ---------------- remittance texts
    def number_text(self, inv: Doc, lang: str) -> str:
        r = self.rng.random()
        num = inv.number if self.rng.random() < 0.9 else inv.number.lower()
        if lang == "nl":
            forms = [num, f"Factuur {num}", f"factuurnr. {num}", f"{num} {inv.debtor.name}",
                     f"Betaling factuur {num}", f"fact. {num}", f"{num} dank u"]
        else:
            forms = [num, f"Invoice {num}", f"inv. {num}", f"{num} {inv.debtor.name}",
                     f"Payment {num}", f"{num} thank you"]
        if inv.credits and r < 0.5:
            cn = inv.credits[0]
            return f"{num} / {cn.number}" if lang == "en" else f"{num} min creditnota {cn.number}"
        return self.rng.choice(forms)

    def seq_shared(self, inv: Doc) -> list[Doc]:
        return [x for x in self.visible_docs() if x.seq == inv.seq and x is not inv]

    def noyear_text(self, inv: Doc, lang: str) -> str:
        s, y = inv.seq, inv.year
        width = 6 if self.dialect == "nl" else 4
        if lang == "nl":
            forms = [f"fact nr {s}", f"factuur {y}-{s}", f"{s}", f"factuurnummer {s:0{width}d}",
                     f"fn {s}", f"factuur {s}"]
        else:
            forms = [f"inv {s}", f"invoice {s}", f"{y}-{s:0{width}d}", f"{s}", f"inv no {s}"]
        return self.rng.choice(forms)

    def typo_candidates(self, inv: Doc) -> list[tuple[str, Doc, str]]:
        """Numbers one transposition or one changed digit away that are another real document."""
        by_number = {x.number: x for x in self.visible_docs()}
        out = []
        num = inv.number
        variants = set()
        for i in range(len(num) - 1):
            if num[i].isdigit() and num[i + 1].isdigit() and num[i] != num[i + 1]:
                variants.add(num[:i] + num[i + 1] + num[i] + num[i + 2:])
        for i, ch in enumerate(num):
            if ch.isdigit():
                for other in "0123456789":
                    if other != ch:
                        variants.add(num[:i] + other + num[i + 1:])
        for v in sorted(variants):
            y = by_number.get(v)
            if y is None or y is inv or y.kind != "invoice" or y.date > inv.pay_date:
                continue
            if y.debtor is not inv.debtor:
                why = f"debtor {y.debtor.id} ({y.debtor.name})'s invoice of {money(y.total)}"
            elif y.net != inv.net:
                why = f"the same debtor's invoice of another amount ({money(y.total)})"
            else:
                continue
            # No other document near the written number may fit this payer and amount.
            near = self.near_numbers(v, by_number)
            if any(z is not inv and z.debtor is inv.debtor and z.net == inv.net for z in near):
                continue
            out.append((v, y, why))
        return out

    @staticmethod
    def near_numbers(v: str, by_number: dict) -> list[Doc]:
        near = []
        for i in range(len(v) - 1):
            if v[i].isdigit() and v[i + 1].isdigit():
                z = by_number.get(v[:i] + v[i + 1] + v[i] + v[i + 2:])
                if z:
                    near.append(z)
        for i, ch in enumerate(v):
            if ch.isdigit():
                for other in "0123456789":
                    z = by_number.get(v[:i] + other + v[i + 1:])
                    if z:
                        near.append(z)
        return near

    def exact_line(self, inv: Doc, date: Date, amount: int | None = None) -> Line:
        lang = self.lang()
        amount = inv.net if amount is None else amount
        if inv.kenmerk and self.rng.random() < 0.6:
            k = inv.kenmerk
            if self.rng.random() < 0.7:
                ln = self.pay_line(inv, date, amount, sref=k)
                if self.args.bank == "camt" and self.rng.random() < 0.5:
                    ln.sref = " ".join(k[i:i + 4] for i in range(0, 16, 4))
                ln.kind = "kenmerk"
                ln.note = f"pays {inv.number} by its betalingskenmerk {k} (structured)"
            else:
                ln = self.pay_line(inv, date, amount, text=k if self.rng.random() < 0.6 else f"kenmerk {k}")
                ln.kind = "kenmerk-text"
                ln.note = f"pays {inv.number} with its betalingskenmerk {k} typed in the description"
        else:
            ln = self.pay_line(inv, date, amount, text=self.number_text(inv, lang))
            ln.kind = "number"
            ln.note = f"pays {inv.number} naming its full number"
        if inv.credits:
            ln.note += f"; pays the total less credit note(s) {', '.join(c.number for c in inv.credits)}"
        ln.cls = "exact"
        ln.applied = [(inv, amount)]
        return ln

    # ---------------- lines per class
    def build_payment_lines(self):
        rng = self.rng
        several: dict[str, list[Doc]] = {}
        for inv in self.invoices:
            if inv.plan not in ("paid", "omitted"):
                continue
            date = inv.pay_date
            c = inv.cls
            if c == "names-missing":
                lang = self.lang()
                ln = self.pay_line(inv, date, inv.total, text=self.number_text(inv, lang),
                                   acct=inv.debtor.accounts[0])
                ln.cls, ln.kind = "names-missing", "number"
                ln.note = f"names {inv.number}, which is not in the ledger"
                self.lines.append(ln)
                continue
            if c == "no-year":
                shared = self.seq_shared(inv)
                amounts = {abs(x.total) for x in shared} | {abs(x.net) for x in shared}
                same_debtor = any(x.debtor is inv.debtor for x in shared)
                if shared and inv.net not in amounts and not same_debtor:
                    lang = self.lang()
                    ln = self.pay_line(inv, date, inv.net, text=self.noyear_text(inv, lang),
                                       acct=inv.debtor.accounts[0])
                    ln.cls, ln.kind = "no-year", "sequence"
                    ln.applied = [(inv, inv.net)]
                    others = ", ".join(f"{x.number} ({x.debtor.id}, {money(x.total)})" for x in shared[:4])
                    ln.note = (f"writes '{ln.text}' for {inv.number}; the number {inv.seq} is also "
                               f"{others}; only {inv.number} is this payer's item of {money(inv.net)}")
                    self.lines.append(ln)
                    continue
                c = inv.cls = "exact"
            if c == "typo":
                cands = self.typo_candidates(inv)
                if cands:
                    written, other, why = rng.choice(cands)
                    lang = self.lang()
                    if lang == "nl":
                        text = rng.choice([written, f"Factuur {written}", f"fact {written}"])
                    else:
                        text = rng.choice([written, f"Invoice {written}", f"inv {written}"])
                    ln = self.pay_line(inv, date, inv.net, text=text, acct=inv.debtor.accounts[0])
                    ln.cls, ln.kind = "typo", "typo"
                    ln.applied = [(inv, inv.net)]
                    ln.typo_other = other
                    ln.note = (f"meant {inv.number} ({money(inv.net)}) but wrote {written}, which is "
                               f"{why}")
                    self.lines.append(ln)
                    continue
                c = inv.cls = "exact"
            if c == "name-only":
                lang = self.lang()
                iban, bic = self.ibans.for_country(inv.debtor.country)
                holder = name_variant(inv.debtor, rng)
                texts = (["", "betaling", "zie factuur", "factuur", "bedankt", "betaling openstaand",
                          "Overboeking"] if lang == "nl" else
                         ["", "payment", "see invoice", "invoice", "thanks", "payment outstanding"])
                ln = self.pay_line(inv, date, inv.net, text=rng.choice(texts), acct=(iban, bic, holder))
                ln.cls, ln.kind = "name-only", "name"
                ln.applied = [(inv, inv.net)]
                ln.note = (f"pays {inv.number} ({money(inv.net)}) without a usable reference from an "
                           f"unknown account, as '{holder}' (ledger: '{inv.debtor.name}')")
                self.lines.append(ln)
                continue
            if c == "several":
                several.setdefault(inv.debtor.id, []).append(inv)
                continue
            if c == "instalment" and inv.net >= 10000:
                self.instalments(inv)
                continue
            if c == "short":
                fee = rng.randrange(50, 251)
                ln = self.exact_line(inv, date, inv.net - fee)
                ln.cls, ln.kind = "instalments", "short"
                ln.note = (f"short payment: pays {inv.number} less {money(fee)} bank costs; "
                           f"{money(fee)} stays open")
                self.lines.append(ln)
                continue
            if c == "overpaid":
                extra = rng.choice([100, 500, 1000, 2500]) if inv.net % 1000 else 1000
                amount = (inv.net + extra) // 1000 * 1000 if inv.net % 1000 else inv.net + extra
                if amount <= inv.net:
                    amount += 1000
                ln = self.exact_line(inv, date, amount)
                ln.applied = [(inv, inv.net)]
                ln.cls, ln.kind = "instalments", "overpaid"
                ln.note = (f"overpayment: pays {money(amount)} for {inv.number} of {money(inv.net)}; "
                           f"{money(amount - inv.net)} stays unapplied on the debtor")
                self.lines.append(ln)
                continue
            if c == "duplicate":
                ln = self.exact_line(inv, date)
                self.lines.append(ln)
                dup_date = next_bd(date + days(rng.randrange(1, 15)))
                if dup_date <= self.as_of:
                    dup = Line(dup_date, ln.amount, ln.name, ln.iban, ln.bic, text=ln.text,
                               sref=ln.sref, cls="instalments", kind="duplicate", debtor=inv.debtor,
                               intended=inv, e2e=ln.e2e)
                    dup.original = ln
                    dup.note = (f"duplicate: the same transfer of {money(ln.amount)} for {inv.number} "
                                f"again by mistake; the whole amount stays unapplied (overpayment)")
                    self.lines.append(dup)
                continue
            inv.cls = "exact"
            self.lines.append(self.exact_line(inv, date))
        self.group_several(several)

    def instalments(self, inv: Doc):
        rng = self.rng
        n = rng.choice([2, 2, 3])
        if rng.random() < 0.5:
            part = inv.net // n // 100 * 100
        else:
            part = max(100, inv.net // n // 5000 * 5000) or inv.net // n
        parts = [part] * (n - 1) + [inv.net - part * (n - 1)]
        date = inv.pay_date
        for k, amount in enumerate(parts, 1):
            if date > self.as_of:
                break
            lang = self.lang()
            if inv.kenmerk and rng.random() < 0.3:
                ln = self.pay_line(inv, date, amount, sref=inv.kenmerk)
                how = f"betalingskenmerk {inv.kenmerk}"
            else:
                num = inv.number
                text = rng.choice([f"termijn {k} van {n} {num}", f"deelbetaling factuur {num}",
                                   f"{k}e termijn {num}", f"{num} deel {k}"] if lang == "nl" else
                                  [f"instalment {k}/{n} {num}", f"part payment {num}",
                                   f"{num} part {k} of {n}"])
                ln = self.pay_line(inv, date, amount, text=text)
                how = "its number"
            ln.cls, ln.kind = "instalments", "instalment"
            ln.applied = [(inv, amount)]
            ln.note = f"instalment {k} of {n} for {inv.number} ({money(inv.net)}), naming {how}"
            self.lines.append(ln)
            date = next_bd(date + days(rng.randrange(25, 45)))

    def group_several(self, several: dict[str, list[Doc]]):
        rng = self.rng
        for did in sorted(several):
            group_pool = sorted(several[did], key=lambda x: x.pay_date)
            while group_pool:
                size = min(len(group_pool), rng.choice([2, 2, 2, 3, 3, 4]))
                group = group_pool[:size]
                group_pool = group_pool[size:]
                if len(group) == 1:
                    group[0].cls = "exact"
                    self.lines.append(self.exact_line(group[0], group[0].pay_date))
                    continue
                date = max(x.pay_date for x in group)
                lang = self.lang()
                total = sum(x.net for x in group)
                seqs_unique = all(not any(y.debtor is x.debtor for y in self.seq_shared(x))
                                  for x in group)
                if seqs_unique and rng.random() < 0.4:
                    seqs = [str(x.seq) for x in group]
                    amts = [self.amt_text(x.net, lang) for x in group]
                    joiner = " en " if lang == "nl" else " and "
                    word = "facturen" if lang == "nl" else "invoices"
                    text = (f"{word} {', '.join(seqs[:-1])}{joiner}{seqs[-1]}: "
                            f"{', '.join(amts[:-1])}{joiner}{amts[-1]}")
                    how = "by sequence numbers with amounts"
                    kind = "several-seq"
                else:
                    sep = rng.choice([" ", ", ", " + ", "/"])
                    text = sep.join(x.number for x in group)
                    if rng.random() < 0.4:
                        text = ("Facturen " if lang == "nl" else "Invoices ") + text
                    how = "by their numbers"
                    kind = "several"
                ln = self.pay_line(group[0], date, total, text=text, acct=group[0].debtor.accounts[0])
                ln.cls, ln.kind = "several", kind
                ln.applied = [(x, x.net) for x in group]
                ln.note = (f"pays {len(group)} invoices in one transfer, named {how}: "
                           + ", ".join(f"{x.number} {money(x.net)}" for x in group))
                self.lines.append(ln)

    def ambiguous_lines(self):
        rng = self.rng
        for a, b in self.ambiguous_pairs:
            date = next_bd(max(b.date, a.due) + days(rng.randrange(3, 40)))
            if date > self.as_of:
                date = prev_bd(self.as_of)
            if date < b.date:
                continue
            lang = self.lang()
            text = rng.choice(["", "betaling", "factuur", "zie factuur"] if lang == "nl"
                              else ["", "payment", "invoice"])
            ln = self.pay_line(a, date, a.net, text=text, acct=a.debtor.accounts[0])
            ln.cls, ln.kind = "ambiguous", "ambiguous"
            ln.intended = None
            self.lines.append(ln)

    # ---------------- money that pays no invoice
    def unrelated_lines(self):
        rng = self.rng
        own = self.ibans.nl

        supplier_accounts: dict[str, tuple[str, str]] = {}

        def out(date, amount, name, text, code="bg", btc=("PMNT", "ICDT", "ESCT"), note=""):
            if name not in supplier_accounts:
                supplier_accounts[name] = own()
            iban, bic = supplier_accounts[name]
            ln = Line(next_bd(date), -amount, name, iban, bic, text=text, rabo_code=code, btc=btc,
                      note=note or f"outgoing payment to {name}; pays no invoice")
            self.lines.append(ln)
            return ln

        month = Date(2025, 1, 1)
        landlord = self.ibans.nl()
        energy = self.ibans.nl("INGB")
        while month <= self.as_of:
            d = month + days(rng.randrange(0, 3))
            if next_bd(d) <= self.as_of:
                ln = Line(next_bd(d), -285000, "Vastgoed Beheer Utrecht BV", landlord[0], landlord[1],
                          text=f"Huur {month:%m-%Y} bedrijfsruimte", rabo_code="bg",
                          btc=("PMNT", "ICDT", "ESCT"), note="outgoing: rent; pays no invoice")
                self.lines.append(ln)
            d = month + days(rng.randrange(18, 25))
            if next_bd(d) <= self.as_of:
                amt = rng.randrange(21000, 39000)
                ln = Line(next_bd(d), -amt, "Energie Direct NV", energy[0], energy[1],
                          text=f"Termijnbedrag energie {month:%m-%Y} klantnr 88123",
                          rabo_code="ei", btc=("PMNT", "IDDT", "ESDD"),
                          mandate="ED-88123-01", creditor_id="NL27ZZZ302514290000",
                          note="outgoing direct debit: energy; pays no invoice")
                self.lines.append(ln)
            if month.month in (1, 4, 7, 10):
                d = month + days(rng.randrange(2, 6))
                if next_bd(d) <= self.as_of:
                    q = (month.month - 1) // 3
                    q_prev = 4 if q == 0 else q
                    y_prev = month.year - 1 if q == 0 else month.year
                    self.lines.append(Line(next_bd(d), -rng.randrange(2500, 4500), "", "", "",
                                           text=f"Kosten Rabo Bedrijfspakket {q_prev}e kwartaal {y_prev}",
                                           rabo_code="db", btc=("ACMT", "MDOP", "CHRG"),
                                           note="bank costs; pays no invoice"))
                    self.lines.append(Line(next_bd(d), rng.randrange(100, 4000), "", "", "",
                                           text=f"Rente {q_prev}e kwartaal {y_prev}",
                                           rabo_code="db", btc=("ACMT", "MDOP", "INTR"),
                                           note="credit interest; pays no invoice"))
            month = Date(month.year + month.month // 12, month.month % 12 + 1, 1)
        suppliers = ["Kantoorartikelen BV", "Groothandel Techniek Noord B.V.", "Drukwerkdeal.nl",
                     "Lease Auto Nederland BV", "Accountantskantoor Vermeer"]
        for i in range(max(6, self.n // 100)):
            d = START + days(rng.randrange((self.as_of - START).days))
            out(d, rng.randrange(5000, 400000), rng.choice(suppliers),
                f"Inkoopfactuur {rng.randrange(10000, 99999)}")
        belasting = ("NL86INGB0002445588", "INGBNL2A")
        for d, text, amt in [(Date(2025, 5, 14), "Teruggaaf omzetbelasting 1e kwartaal 2025", 31200),
                             (Date(2026, 2, 9), "Teruggaaf omzetbelasting 4e kwartaal 2025", 184577)]:
            if d <= self.as_of:
                self.lines.append(Line(next_bd(d), amt, "Belastingdienst", *belasting, text=text,
                                       note="tax refund; pays no invoice"))
        # Salary-like incoming transfers from an unrelated party; one amount equals an open item.
        iban, bic = self.ibans.nl("ABNA")
        open_items = [i for i in self.invoices if i.plan in ("unpaid", "disputed") and i.visible]
        for k, d in enumerate([Date(2025, 8, 25), Date(2026, 3, 25)]):
            if d > self.as_of:
                continue
            amt = open_items[k * 7 % len(open_items)].net if open_items and k == 1 else 243817
            self.lines.append(Line(next_bd(d), amt, "Uitzendbureau Flexwerk BV", iban, bic,
                                   text=f"Salaris {d:%m-%Y} periode {d.month:02d} pers.nr 4471",
                                   note="salary-like incoming transfer from an unrelated party; "
                                        "pays no invoice" + (f" (the amount equals {money(amt)}, "
                                                              "an open item of another party)"
                                                              if k == 1 and open_items else "")))
        iban, bic = self.ibans.nl("RABO")
        d = Date(2025, 10, 7)
        if d <= self.as_of:
            self.lines.append(Line(next_bd(d), 4235, "Kantoorartikelen BV", iban, bic,
                                   text="Creditnota 2025-0117 retour toner",
                                   note="refund from a supplier; pays no invoice"))

    # ---------------- time line: decide what truly happened, in date order
    def simulate(self):
        rng = self.rng
        for ln in self.lines:
            ln.tiebreak = rng.random()
        self.lines.sort(key=lambda x: (x.date, x.tiebreak))
        remaining = {d.number: d.net for d in self.invoices if d.visible}
        kept = []
        known: dict[str, Line] = {}  # account -> the first line that names its debtor's invoice
        for ln in self.lines:
            first = known.get(ln.iban)
            if first is not None and (first.debtor is not ln.debtor or first.date >= ln.date):
                first = None
            if ln.cls in ("no-year", "typo") or ln.kind == "several-seq":
                # A bare number or a typo can only be read for the payer's own items when the
                # payer is known: its account must have paid a named invoice on an earlier day.
                if first is None and ln.kind == "several-seq":
                    ln.text = " ".join(x.number for x, _ in ln.applied)
                    ln.kind = "several"
                    ln.note = ln.note.replace("by sequence numbers with amounts", "by their numbers")
                elif first is None:
                    inv = ln.intended
                    new = self.exact_line(inv, ln.date)
                    new.tiebreak = ln.tiebreak
                    ln = new
                    inv.cls = "exact"
                else:
                    ln.known_from = first
            if ln.cls in ("name-only", "ambiguous") or ln.kind == "duplicate":
                d = ln.debtor
                same = [x for x in d.docs if x.kind == "invoice" and x.visible
                        and remaining[x.number] > 0
                        and (remaining[x.number] == ln.amount or x.net == ln.amount)]
                if ln.cls == "name-only" and [x for x in same if x is not ln.intended]:
                    # Another open item of this debtor has the same amount: make it decidable.
                    inv = ln.intended
                    new = self.exact_line(inv, ln.date)
                    new.tiebreak = ln.tiebreak
                    ln = new
                    inv.cls = "exact"
                elif ln.kind == "duplicate" and same:
                    self.dropped.append(f"duplicate of {ln.intended.number} on {ln.date}")
                    continue
                elif ln.cls == "ambiguous":
                    cands = sorted(same, key=lambda x: x.order)
                    assert len(cands) >= 2, ("ambiguous with fewer than 2 candidates", ln)
                    ln.known_from = first
                    ln.note = (f"pays {money(ln.amount)} without a reference from {d.name}'s "
                               f"{'known' if first else 'usual (not yet seen)'} account; "
                               f"{len(cands)} open items of exactly that amount: "
                               + ", ".join(x.number for x in cands) + "; cannot be decided")
            if ln.cls == "typo" and ln.typo_other.visible and remaining[ln.typo_other.number] == 0:
                ln.note += f" (already paid in full by then)"
            for doc, amt in ln.applied:
                remaining[doc.number] -= amt
                assert remaining[doc.number] >= 0, (doc.number, ln)
            if ln.cls in ("exact", "several", "instalments") and ln.kind != "duplicate" \
                    and ln.iban not in known:
                known[ln.iban] = ln
            kept.append(ln)
        self.lines = kept
        self.remaining = remaining

    # ---------------- output
    def statuses(self):
        rng = self.rng
        word = "Openstaand" if self.dialect == "nl" else "Open"
        for doc in self.docs:
            if doc.kind == "invoice" and not doc.status and doc.plan != "credited" \
                    and rng.random() < 0.4:
                doc.status = word

    def write_ledger(self, path: str):
        rng = random.Random(f"othergen-header:{self.args.seed}")
        if self.dialect == "nl":
            credit_header = rng.choice(["Gecrediteerde factuur", "Oorspronkelijke factuur"])
            header = ["Factuurnummer", "Factuurdatum", "Vervaldatum", "Debiteurnummer", "Naam",
                      "Type debiteur", "Bedrag excl. BTW", "BTW", "Bedrag incl. BTW", "Valuta",
                      "Betalingskenmerk", credit_header, "Status"]
        else:
            credit_header = rng.choice(["Original invoice", "Credited invoice", "Related invoice"])
            header = ["Invoice No", "Invoice Date", "Due Date", "Customer ID", "Customer Name",
                      "Total", "Tax", "Currency", "Payment Reference", credit_header, "Status"]
        self.credit_header = credit_header
        with open(path, "w", newline="", encoding="utf-8") as f:
            if self.dialect == "nl":
                w = csv.writer(f, delimiter=";", lineterminator="\r\n")
            else:
                w = csv.writer(f, delimiter=",", lineterminator="\n")
            w.writerow(header)
            for doc in self.docs:
                if not doc.visible:
                    continue
                ref = doc.credited.number if doc.credited else ""
                if self.dialect == "nl":
                    w.writerow([doc.number, f"{doc.date:%d-%m-%Y}", f"{doc.due:%d-%m-%Y}",
                                doc.debtor.id, doc.debtor.name,
                                "Particulier" if doc.debtor.kind == "person" else "Zakelijk",
                                money_nl(doc.excl), money_nl(doc.vat), money_nl(doc.total), "EUR",
                                doc.kenmerk, ref, doc.status])
                else:
                    w.writerow([doc.number, doc.date.isoformat(), doc.due.isoformat(),
                                doc.debtor.id, doc.debtor.name, money_en(doc.total),
                                money_en(doc.vat), "EUR", doc.kenmerk, ref, doc.status])

    def assign_refs_and_balances(self):
        rng = self.rng
        self.own_iban, _ = self.ibans.nl("RABO")
        self.opening = rng.randrange(1_500_000, 4_000_000)
        bal = self.opening
        per_day: dict[Date, int] = {}
        volgnr = rng.randrange(10_000, 90_000)
        for ln in self.lines:
            bal += ln.amount
            ln.balance_after = bal
            if self.args.bank == "camt":
                per_day[ln.date] = per_day.get(ln.date, 0) + 1
                ln.ref = f"RABO-{ln.date:%Y%m%d}-{per_day[ln.date]:04d}"
            else:
                volgnr += 1
                ln.ref = f"{volgnr:018d}"
        self.closing = bal

    def write_camt(self, path: str):
        x = escape
        now = f"{next_bd(self.as_of + days(1)):%Y-%m-%d}T06:00:00"
        cr = [ln for ln in self.lines if ln.amount > 0]
        db = [ln for ln in self.lines if ln.amount < 0]
        net = self.closing - self.opening

        def bal(code, amount, date):
            ind = "CRDT" if amount >= 0 else "DBIT"
            return (f"      <Bal>\n        <Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>\n"
                    f"        <Amt Ccy=\"EUR\">{money(abs(amount))}</Amt>\n"
                    f"        <CdtDbtInd>{ind}</CdtDbtInd>\n"
                    f"        <Dt><Dt>{date}</Dt></Dt>\n      </Bal>\n")

        out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
               '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">\n',
               "  <BkToCstmrStmt>\n    <GrpHdr>\n",
               f"      <MsgId>CAMT053-{self.args.seed}-{self.as_of:%Y%m%d}</MsgId>\n",
               f"      <CreDtTm>{now}</CreDtTm>\n    </GrpHdr>\n    <Stmt>\n",
               f"      <Id>{self.own_iban}-{START:%Y%m%d}-{self.as_of:%Y%m%d}</Id>\n",
               "      <ElctrncSeqNb>1</ElctrncSeqNb>\n",
               f"      <CreDtTm>{now}</CreDtTm>\n",
               f"      <FrToDt><FrDtTm>{START}T00:00:00</FrDtTm><ToDtTm>{self.as_of}T23:59:59</ToDtTm></FrToDt>\n",
               f"      <Acct>\n        <Id><IBAN>{self.own_iban}</IBAN></Id>\n        <Ccy>EUR</Ccy>\n"
               f"        <Svcr><FinInstnId><BIC>RABONL2U</BIC></FinInstnId></Svcr>\n      </Acct>\n",
               bal("OPBD", self.opening, START), bal("CLBD", self.closing, self.as_of),
               "      <TxsSummry>\n",
               f"        <TtlNtries><NbOfNtries>{len(self.lines)}</NbOfNtries>"
               f"<Sum>{money(sum(abs(l.amount) for l in self.lines))}</Sum>"
               f"<TtlNetNtryAmt>{money(abs(net))}</TtlNetNtryAmt>"
               f"<CdtDbtInd>{'CRDT' if net >= 0 else 'DBIT'}</CdtDbtInd></TtlNtries>\n",
               f"        <TtlCdtNtries><NbOfNtries>{len(cr)}</NbOfNtries>"
               f"<Sum>{money(sum(l.amount for l in cr))}</Sum></TtlCdtNtries>\n",
               f"        <TtlDbtNtries><NbOfNtries>{len(db)}</NbOfNtries>"
               f"<Sum>{money(-sum(l.amount for l in db))}</Sum></TtlDbtNtries>\n",
               "      </TxsSummry>\n"]
        for ln in self.lines:
            ind = "CRDT" if ln.amount > 0 else "DBIT"
            dom, fam, sub = ln.btc
            out.append("      <Ntry>\n")
            out.append(f"        <Amt Ccy=\"EUR\">{money(abs(ln.amount))}</Amt>\n")
            out.append(f"        <CdtDbtInd>{ind}</CdtDbtInd>\n        <Sts>BOOK</Sts>\n")
            out.append(f"        <BookgDt><Dt>{ln.date}</Dt></BookgDt>\n")
            out.append(f"        <ValDt><Dt>{ln.date}</Dt></ValDt>\n")
            out.append(f"        <AcctSvcrRef>{ln.ref}</AcctSvcrRef>\n")
            out.append(f"        <BkTxCd><Domn><Cd>{dom}</Cd><Fmly><Cd>{fam}</Cd>"
                       f"<SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>\n")
            if not ln.iban:
                out.append(f"        <AddtlNtryInf>{x(ln.text)}</AddtlNtryInf>\n      </Ntry>\n")
                continue
            out.append("        <NtryDtls><TxDtls>\n")
            refs = f"<EndToEndId>{x(ln.e2e)}</EndToEndId>"
            if ln.mandate:
                refs += f"<MndtId>{x(ln.mandate)}</MndtId>"
            out.append(f"          <Refs>{refs}</Refs>\n")
            role = "Dbtr" if ind == "CRDT" else "Cdtr"
            out.append("          <RltdPties>\n")
            out.append(f"            <{role}><Nm>{x(ln.name)}</Nm></{role}>\n")
            out.append(f"            <{role}Acct><Id><IBAN>{ln.iban}</IBAN></Id></{role}Acct>\n")
            out.append("          </RltdPties>\n")
            if ln.sref:
                out.append("          <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd>"
                           f"</CdOrPrtry><Issr>CUR</Issr></Tp><Ref>{x(ln.sref)}</Ref></CdtrRefInf>"
                           "</Strd></RmtInf>\n")
            elif ln.text:
                out.append(f"          <RmtInf><Ustrd>{x(ln.text)}</Ustrd></RmtInf>\n")
            out.append("        </TxDtls></NtryDtls>\n      </Ntry>\n")
        out.append("    </Stmt>\n  </BkToCstmrStmt>\n</Document>\n")
        # One space per level keeps a year and a half of lines under a megabyte.
        text = "\n".join(l[(len(l) - len(l.lstrip(" "))) // 2:] for l in "".join(out).split("\n"))
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)

    def write_rabo(self, path: str):
        header = ["IBAN/BBAN", "Munt", "BIC", "Volgnr", "Datum", "Rentedatum", "Bedrag",
                  "Saldo na trn", "Tegenrekening IBAN/BBAN", "Naam tegenpartij",
                  "Naam uiteindelijke partij", "Naam initiërende partij", "BIC tegenpartij", "Code",
                  "Batch ID", "Transactiereferentie", "Machtigingskenmerk", "Incassant ID",
                  "Betalingskenmerk", "Omschrijving-1", "Omschrijving-2", "Omschrijving-3",
                  "Reden retour", "Oorspr bedrag", "Oorspr munt", "Koers"]

        def signed(c):
            return ("+" if c >= 0 else "-") + money_nl(abs(c), thousands=False)

        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
            w.writerow(header)
            for ln in self.lines:
                desc = [ln.text, "", ""]
                if len(ln.text) > 70:  # long descriptions continue in the next column
                    cut = ln.text.rfind(" ", 0, 70)
                    cut = cut if cut > 0 else 70
                    desc = [ln.text[:cut], ln.text[cut:].strip(), ""]
                w.writerow([self.own_iban, "EUR", "RABONL2U", ln.ref, ln.date.isoformat(),
                            ln.date.isoformat(), signed(ln.amount), signed(ln.balance_after),
                            ln.iban, ln.name, "", "", ln.bic, ln.rabo_code, "",
                            "" if ln.e2e == "NOTPROVIDED" else ln.e2e, ln.mandate, ln.creditor_id,
                            ln.sref.replace(" ", ""), *desc, "", "", "", ""])

    def write_truth(self, out: str):
        tdir = os.path.join(out, "truth")
        os.makedirs(tdir, exist_ok=True)
        with open(os.path.join(tdir, "open.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["invoice", "open"])
            for doc in self.docs:
                if doc.kind == "invoice" and doc.visible:
                    w.writerow([doc.number, money(self.remaining[doc.number])])
        with open(os.path.join(tdir, "lines.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["line_ref", "amount", "class", "invoices", "note"])
            for ln in self.lines:
                known = getattr(ln, "known_from", None)
                if known is not None and ln.cls != "ambiguous":
                    ln.note += f"; the payer's account is known from line {known.ref}"
                elif known is not None:
                    ln.note = ln.note.replace("known account", f"account known from line {known.ref}")
                w.writerow([ln.ref, money(ln.amount), ln.cls,
                            ";".join(f"{d.number}={money(a)}" for d, a in ln.applied), ln.note])
        classes = {c: 0 for c in CLASSES}
        kinds: dict[str, int] = {}
        for ln in self.lines:
            classes[ln.cls] += 1
            if ln.cls == "instalments":
                kinds[ln.kind] = kinds.get(ln.kind, 0) + 1
        if not self.args.partial:
            classes.pop("names-missing")
        visible = [d for d in self.invoices if d.visible]
        with_line = {d.number for ln in self.lines for d, _ in ln.applied}
        state = {"paid": 0, "partly-paid": 0, "unpaid": 0, "credited": 0}
        for d in visible:
            rem = self.remaining[d.number]
            if d.net == 0:
                state["credited"] += 1
            elif rem == 0:
                state["paid"] += 1
            elif d.number in with_line:
                state["partly-paid"] += 1
            else:
                state["unpaid"] += 1
        summary = {
            "args": {"invoices": self.n, "seed": self.args.seed, "dialect": self.dialect,
                     "bank": self.args.bank, "partial": self.args.partial, "as_of": self.args.as_of},
            "ledger": {"invoices": len(visible),
                       "credit_notes": sum(1 for c in self.credits if c.visible),
                       "omitted_invoices": sum(1 for d in self.invoices if not d.visible),
                       "debtors": len({d.debtor.id for d in visible}),
                       "credit_note_column": self.credit_header,
                       "disputed": sum(1 for d in visible if d.plan == "disputed")},
            "bank": {"lines": len(self.lines), "opening_balance": money(self.opening),
                     "closing_balance": money(self.closing),
                     "incoming": sum(1 for l in self.lines if l.amount > 0),
                     "outgoing": sum(1 for l in self.lines if l.amount < 0)},
            "classes": classes,
            "instalments_kinds": dict(sorted(kinds.items())),
            "duplicates_not_made": len(self.dropped),
            "invoice_states": state,
            "unpaid_share": round(state["unpaid"] / max(1, len(visible)), 3),
            "open_total": money(sum(self.remaining[d.number] for d in visible)),
        }
        with open(os.path.join(tdir, "summary.json"), "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2, ensure_ascii=False)
            f.write("\n")
        return summary

    def run(self):
        self.build_ledger()
        self.reserve_ambiguous()
        self.build_credits()
        self.plan_payments()
        self.choose_classes()
        self.build_payment_lines()
        self.ambiguous_lines()
        self.unrelated_lines()
        self.simulate()
        self.statuses()
        self.assign_refs_and_balances()
        out = self.args.out
        os.makedirs(os.path.join(out, "bank"), exist_ok=True)
        self.write_ledger(os.path.join(out, "ledger.csv"))
        if self.args.bank == "camt":
            self.write_camt(os.path.join(out, "bank", f"statement-{self.as_of:%Y-%m}.camt053.xml"))
        else:
            self.write_rabo(os.path.join(out, "bank", f"rabobank-{self.as_of:%Y-%m}.csv"))
        return self.write_truth(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--invoices", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--dialect", choices=["nl", "en"], required=True)
    p.add_argument("--bank", choices=["camt", "rabo-csv"], required=True)
    p.add_argument("--partial", action="store_true",
                   help="leave ~10%% of the invoices that payments name out of the ledger")
    p.add_argument("--as-of", required=True, help="YYYY-MM-DD; the statement ends here")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.invoices < 50:
        p.error("--invoices must be at least 50 (every class must be able to appear)")
    if dt.date.fromisoformat(args.as_of) < Date(2025, 6, 1):
        p.error("--as-of must be 2025-06-01 or later (the statement starts 2025-01-01)")
    summary = Generator(args).run()
    print(json.dumps({"out": args.out, "classes": summary["classes"],
                      "unpaid_share": summary["unpaid_share"]}))


if __name__ == "__main__":
    main()
