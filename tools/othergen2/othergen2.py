#!/usr/bin/env python3
"""othergen2 - independent test data for a payment matcher.

Writes an invoice ledger (CSV), one year and a half of bank statements
(Belgian MT940 or Dutch ING CSV) and the truth: which bank line paid what,
and what is open on the as-of date.  Standard library only; the same
arguments give the same bytes.

    python3 othergen2.py --set be-mt940 --seed 20260630 --out DIR
    python3 othergen2.py --set nl-ing   --seed 20260630 --out DIR

Written from a description of how payers and bookkeepers behave, not from
the code of the tool it tests.  See README.md next to this file.
"""
import argparse
import csv
import io
import json
import os
import random
import sys
import unicodedata
from datetime import date as D, timedelta as TD

ASOF = D(2026, 6, 30)
BANK_FROM = D(2025, 1, 1)
FIRST_BOOKING = D(2025, 1, 2)
# TARGET2 closing days: no bookings
HOLIDAYS = {D(2025, 1, 1), D(2025, 4, 18), D(2025, 4, 21), D(2025, 5, 1),
            D(2025, 12, 25), D(2025, 12, 26), D(2026, 1, 1), D(2026, 4, 3),
            D(2026, 4, 6), D(2026, 5, 1)}

MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli",
             "augustus", "september", "oktober", "november", "december"]
MONTHS_NL_SHORT = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug",
                   "sep", "okt", "nov", "dec"]


# ---------------------------------------------------------------- helpers

def bday(d):
    while d.weekday() >= 5 or d in HOLIDAYS:
        d += TD(days=1)
    return d


def add_months(d, n, day=None):
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    dd = day if day is not None else d.day
    while True:
        try:
            return D(y, m, dd)
        except ValueError:
            dd -= 1


def month_iter(start, end):
    d = D(start.year, start.month, 1)
    while d <= end:
        yield d
        d = add_months(d, 1, 1)


def fmt_pt(c):
    s = "-" if c < 0 else ""
    c = abs(c)
    return f"{s}{c // 100}.{c % 100:02d}"


def fmt_comma(c, thousands=False):
    s = "-" if c < 0 else ""
    c = abs(c)
    e = c // 100
    es = f"{e:,}".replace(",", ".") if thousands else str(e)
    return f"{s}{es},{c % 100:02d}"


_TRANSLIT = {"ı": "i", "İ": "I", "ß": "ss", "ø": "o", "Ø": "O", "æ": "ae",
             "Æ": "AE", "ł": "l", "Ł": "L", "đ": "d", "œ": "oe", "Œ": "OE"}


def ascii_fold(s):
    s = "".join(_TRANSLIT.get(ch, ch) for ch in s)
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def up(s):
    return ascii_fold(s).upper()


def ogm_from_base(base10):
    assert len(base10) == 10 and base10.isdigit()
    chk = int(base10) % 97 or 97
    return base10 + f"{chk:02d}"


def ogm_fmt(d12):
    return f"+++{d12[:3]}/{d12[3:7]}/{d12[7:]}+++"


def ogm_valid(d12):
    return len(d12) == 12 and d12.isdigit() and (int(d12[:10]) % 97 or 97) == int(d12[10:])


KW = [2, 4, 8, 5, 10, 9, 7, 3, 6, 1]


def kenmerk_check(body15):
    s = sum(int(ch) * KW[i % 10] for i, ch in enumerate(reversed(body15)))
    c = 11 - s % 11
    return 0 if c == 11 else (1 if c == 10 else c)


def kenmerk_make(body15):
    assert len(body15) == 15 and body15.isdigit()
    return f"{kenmerk_check(body15)}{body15}"


def kenmerk_valid(k):
    return len(k) == 16 and k.isdigit() and kenmerk_check(k[1:]) == int(k[0])


def iban_make(cc, bban):
    num = int("".join(str(int(ch, 36)) for ch in bban + cc + "00"))
    return f"{cc}{98 - num % 97:02d}{bban}"


def iban_valid(i):
    r = i[4:] + i[:4]
    return int("".join(str(int(ch, 36)) for ch in r)) % 97 == 1


def wchoice(rng, pairs):
    tot = sum(w for _, w in pairs)
    x = rng.random() * tot
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


# ---------------------------------------------------------------- name data

FIRST_BE = [("Luc", "m"), ("Koen", "m"), ("Els", "f"), ("An", "f"), ("Griet", "f"),
            ("Sofie", "f"), ("Pieter", "m"), ("Bart", "m"), ("Wim", "m"), ("Nathalie", "f"),
            ("Frédéric", "m"), ("Hélène", "f"), ("Jérôme", "m"), ("Geneviève", "f"),
            ("Zoë", "f"), ("Chloé", "f"), ("Mathéo", "m"), ("Lotte", "f"), ("Jens", "m"),
            ("Ruben", "m"), ("Inès", "f"), ("Noémie", "f"), ("Stijn", "m"), ("Jef", "m"),
            ("Marie-Thérèse", "f"), ("Jean-Pierre", "m"), ("Kristof", "m"), ("Veerle", "f"),
            ("Dirk", "m"), ("Hilde", "f"), ("Gert", "m"), ("Lieve", "f"), ("Joke", "f"),
            ("Thibault", "m"), ("Amélie", "f"), ("Seppe", "m"), ("Fien", "f")]
SUR_BE = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes",
          "Goossens", "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Vermeulen",
          "Van den Broeck", "Van Damme", "Desmet", "Vandenberghe", "Declercq", "Lemmens",
          "Verstraete", "De Meester", "Claeys", "Dierickx", "Dejonghe", "Van Hoecke",
          "Martens", "Pauwels", "Hermans", "Aerts", "Stevens", "Verhoeven", "D'Hondt",
          "Van de Velde", "De Backer", "Segers", "Coppens", "Vercammen", "Lefèvre",
          "Çelik", "François", "Noël", "Gérard", "Dumont", "Renard", "Laurent", "Leroy",
          "Vanhoutte", "Deprez", "Van Acker", "Bogaert", "Devos", "Van Looy", "Schepens",
          "Moens", "Thys", "Vandamme", "De Clercq", "Ghekiere", "Callewaert"]
TRADES_BE = ["Bouwwerken", "Schrijnwerkerij", "Dakwerken", "Elektro", "Sanitair",
             "Garage", "Bakkerij", "Slagerij", "Transport", "Tuinaanleg",
             "Schilderwerken", "Brasserie", "Apotheek", "Architectenbureau",
             "Boekhoudkantoor", "Fietsen", "Vloeren", "Verhuur", "Grondwerken",
             "Interieur", "Optiek", "Kapsalon", "Vleeshouwerij", "Immo", "Tegelwerken",
             "Installaties", "Makelaardij", "Reclame", "Keukens", "Autobanden"]
TRADES_FR = ["Menuiserie", "Boulangerie", "Toitures", "Électricité", "Imprimerie",
             "Pharmacie", "Immobilière", "Transports", "Peinture", "Carrosserie"]
FANCY_BE = ["Brasserie Le Coq", "Café De Sportwereld", "Hotel Ter Duinen",
            "De Gouden Leeuw", "'t Hoekske", "Immo Lux", "Atelier Zoë",
            "Crèmerie Mathéo", "Les Délices de Namur", "Het Groene Huis",
            "Feestzaal De Rozenhof", "Bistro Bœuf & Co", "Frituur 't Pleintje",
            "Taverne Den Engel", "Boutique Élodie", "Zorgcentrum Sint-Jozef"]
LF_BE = [("BV", 30), ("bv", 9), ("B.V.", 5), ("bvba", 12), ("BV BA", 4), ("BVBA", 5),
         ("NV", 12), ("N.V.", 3), ("nv", 3), ("comm.v.", 4), ("CommV", 2), ("VOF", 2),
         ("SRL", 8), ("SA", 4), ("SPRL", 2), ("vzw", 2)]
# how the payer's bank may spell the legal form (Belgian forms were renamed in 2019)
LF_BANK_BE = {"BV": ["BV", "B.V.", ""], "bv": ["BV", "BV", ""], "B.V.": ["BV", "B.V."],
              "bvba": ["BV", "BVBA", "B.V.B.A.", ""], "BV BA": ["BVBA", "BV"],
              "BVBA": ["BV", "BVBA"], "NV": ["NV", "N.V.", "SA"], "N.V.": ["NV", ""],
              "nv": ["NV", "N.V."], "comm.v.": ["COMMV", "CV", "COMM.V."],
              "CommV": ["COMMV", "CV"], "VOF": ["VOF", "V.O.F."], "SRL": ["SRL", "BV", "SPRL"],
              "SA": ["SA", "NV"], "SPRL": ["SRL", "SPRL"], "vzw": ["VZW", "ASBL"]}

FIRST_NL = [("Jan", "m"), ("Piet", "m"), ("Kees", "m"), ("Anne", "f"), ("Sanne", "f"),
            ("Eva", "f"), ("Lotte", "f"), ("Daan", "m"), ("Sem", "m"), ("Femke", "f"),
            ("Mark", "m"), ("Linda", "f"), ("Renée", "f"), ("Chloë", "f"), ("Joëlle", "f"),
            ("Ömer", "m"), ("Fatima", "f"), ("Thijs", "m"), ("Bas", "m"), ("Ingrid", "f"),
            ("Willem", "m"), ("Marieke", "f"), ("Ruud", "m"), ("Noor", "f"), ("Hüseyin", "m"),
            ("Wouter", "m"), ("Esther", "f"), ("Gerrit", "m"), ("José", "m"), ("Zoë", "f")]
SUR_NL = [("de", "Vries"), ("van den", "Berg"), ("", "Bakker"), ("", "Jansen"),
          ("van", "Dijk"), ("de", "Jong"), ("", "Visser"), ("", "Smit"), ("", "Meijer"),
          ("de", "Boer"), ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"),
          ("", "Peters"), ("", "Hendriks"), ("van", "Leeuwen"), ("", "Dekker"),
          ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"),
          ("van der", "Meer"), ("van der", "Linden"), ("", "Kok"), ("", "Jacobs"),
          ("de", "Haan"), ("", "Vermeulen"), ("van den", "Heuvel"), ("van 't", "Hof"),
          ("", "Yılmaz"), ("El", "Amrani"), ("", "Öztürk"), ("", "Nguyen"), ("ter", "Horst"),
          ("", "Koçak"), ("van", "Beek"), ("", "Postma"), ("", "Hoekstra"), ("", "Kuipers")]
TRADES_NL = ["Installatiebedrijf", "Transport", "Bakkerij", "Hoveniersbedrijf",
             "Kapsalon", "Tandartspraktijk", "Schildersbedrijf", "Autobedrijf",
             "Administratiekantoor", "Bouwbedrijf", "Loodgietersbedrijf", "Slagerij",
             "Restaurant", "Fysiotherapie", "Timmerbedrijf", "Schoonmaakbedrijf",
             "Bloemisterij", "Zuivelboerderij", "Visgroothandel", "Supermarkt"]
FANCY_NL = ["Café 't Pleintje", "Brouwerij De Koperen Kat", "Hotel De Zeeuwse Stromen",
            "Lunchroom Bij Renée", "IJssalon Venezia", "Poffertjeskraam Het Zonnetje",
            "Slagerij Van Gils & Zn.", "Restaurant De Vergulde Gaper", "Eetcafé Chloë",
            "Bistro Ça Va", "Snackbar Het Hoekje", "Zorgboerderij De Hooiberg"]
LF_NL = [("B.V.", 30), ("BV", 18), ("bv", 6), ("N.V.", 3), ("NV", 2), ("V.O.F.", 10),
         ("VOF", 5), ("vof", 2), ("C.V.", 1), ("", 15)]
LF_BANK_NL = {"B.V.": ["BV", "B.V.", ""], "BV": ["BV", "B.V.", ""], "bv": ["BV", ""],
              "N.V.": ["NV", "N.V."], "NV": ["NV", ""], "V.O.F.": ["VOF", "V.O.F.", ""],
              "VOF": ["VOF", ""], "vof": ["VOF", ""], "C.V.": ["CV", "C.V."], "": [""]}

FOREIGN_BE = [("Thames Packaging", "Ltd", "GB"), ("Hallmark Print", "Ltd", "GB"),
              ("Müller & Söhne", "GmbH", "DE"), ("Nettoyage Lefèvre", "SARL", "FR"),
              ("Van Dijk Installatie", "B.V.", "NL"), ("Lux Logistics", "S.à r.l.", "LU"),
              ("Alpenblick Gastro", "AG", "CH"), ("Brighton Events", "Ltd", "GB"),
              ("Kölner Messebau", "GmbH", "DE"), ("Atelier Bérénice", "SAS", "FR")]
FOREIGN_NL = [("Hallmark Cold Chain", "Ltd", "GB"), ("Müller Logistik", "GmbH", "DE"),
              ("Brasserie Dupont", "SRL", "BE"), ("Nordsee Fisch", "GmbH", "DE"),
              ("Thames Catering", "Ltd", "GB"), ("Alpenblick Hotels", "AG", "CH"),
              ("Peeters Koeltechniek", "BV", "BE"), ("Dublin Dairy", "Ltd", "IE"),
              ("Fromagerie Lefèvre", "SAS", "FR")]

BANKS_BE = [("734", "KREDBEBB", 16), ("735", "KREDBEBB", 6), ("737", "KREDBEBB", 6),
            ("001", "GEBABEBB", 8), ("210", "GEBABEBB", 5), ("230", "GEBABEBB", 5),
            ("068", "GKCCBEBB", 7), ("063", "GKCCBEBB", 5), ("310", "BBRUBEBB", 6),
            ("363", "BBRUBEBB", 6), ("979", "ARSPBE22", 6), ("103", "NICABEBB", 4),
            ("751", "AXABBE22", 3), ("954", "CTBKBEBX", 2), ("523", "TRIOBEBB", 1)]
BANKS_NL = [("INGB", "INGBNL2A", 30), ("RABO", "RABONL2U", 28), ("ABNA", "ABNANL2A", 20),
            ("SNSB", "SNSBNL2A", 6), ("ASNB", "ASNBNL21", 4), ("TRIO", "TRIONL2U", 3),
            ("KNAB", "KNABNL2H", 4), ("BUNQ", "BUNQNL2A", 5)]
BANKS_GB = [("BARC", "BARCGB22"), ("HBUK", "HBUKGB4B"), ("LOYD", "LOYDGB2L"), ("NWBK", "NWBKGB2L")]
BANKS_DE = [("37040044", "COBADEFFXXX"), ("50070010", "DEUTDEFFXXX"), ("70020270", "HYVEDEMMXXX")]
BANKS_FR = [("30004", "BNPAFRPP"), ("30003", "SOGEFRPP"), ("30002", "CRLYFRPP")]


# Dynamics 365 Business Central style customer ledger export (English UI)
NL_HEAD = ["Invoice No.", "Document Date", "Due Date", "Customer No.", "Customer Name", "Amount Excl. VAT",
           "VAT Amount", "Amount Incl. VAT", "Currency Code", "Payment Reference", "Credited Invoice No.",
           "Document Type"]


class Acct:
    __slots__ = ("iban", "bic", "holder", "debtor", "note")

    def __init__(self, iban, bic, holder, debtor=None, note=""):
        self.iban, self.bic, self.holder, self.debtor, self.note = iban, bic, holder, debtor, note


class Debtor:
    def __init__(self):
        self.no = ""
        self.name = ""
        self.kind = "co"      # co | person | foreign
        self.size = "reg"     # big | sub | reg
        self.country = "BE"
        self.accounts = []
        self.main = None
        self.habit = "num"
        self.profile = "normal"
        self.so = False        # pays a subscription by standing order
        self.batcher = False
        self.parts = {}


class Inv:
    def __init__(self):
        self.num = ""
        self.year = 0
        self.seq = 0
        self.date = None
        self.due = None
        self.debtor = None
        self.net = 0
        self.vat = 0
        self.rate = 21
        self.ref = ""          # OGM digits (12) or kenmerk (16) or ""
        self.in_ledger = True
        self.credits = []      # CreditNote
        self.pay = None        # planned payment date (or None)
        self.role = ""         # how it is (planned to be) paid
        self.sub_idx = None

    @property
    def total(self):
        return self.net + self.vat

    def credited(self, upto=None):
        return sum(c.total for c in self.credits if upto is None or c.date <= upto)


class CreditNote:
    def __init__(self, num, d, inv, net, vat):
        self.num, self.date, self.inv, self.net, self.vat = num, d, inv, net, vat

    @property
    def total(self):
        return self.net + self.vat


class Line:
    _n = 0

    def __init__(self, d, amount, acct, text="", sref=None, eref="NOTPROVIDED", cls="",
                 alloc=None, note="", kind="tr", debtor=None):
        Line._n += 1
        self.order = Line._n
        self.date = d
        self.amount = amount
        self.acct = acct
        self.text = text
        self.sref = sref
        self.eref = eref
        self.cls = cls
        self.alloc = alloc or []
        self.note = note
        self.kind = kind          # tr | dd | fee | int
        self.debtor = debtor
        self.ref = ""
        self.meta = {}


# ---------------------------------------------------------------- generator

class Gen:
    def __init__(self, which, seed, n_invoices):
        self.which = which
        self.be = which == "be-mt940"
        self.rng = random.Random(seed * 7919 + (1 if self.be else 2))
        self.n_target = n_invoices
        self.scale = n_invoices / 1000.0
        self.ibans = set()
        self.debtors = []
        self.invoices = []
        self.credit_notes = []
        self.lines = []
        self.by_num = {}

    # ---------------- accounts
    def _uniq(self, iban):
        if iban in self.ibans:
            return None
        self.ibans.add(iban)
        return iban

    def new_iban(self, cc=None):
        r = self.rng
        cc = cc or ("BE" if self.be else "NL")
        while True:
            if cc == "BE":
                code, bic = wchoice(r, [((c, b), w) for c, b, w in BANKS_BE])
                base = code + f"{r.randrange(10**7):07d}"
                bban = base + f"{int(base) % 97 or 97:02d}"
                i = iban_make("BE", bban)
            elif cc == "NL":
                code, bic = wchoice(r, [((c, b), w) for c, b, w in BANKS_NL])
                if code == "INGB":
                    acct = f"000{r.randrange(10**6, 10**7)}"
                else:
                    while True:
                        acct = f"{r.randrange(10**8, 10**10):010d}"
                        if sum(int(ch) * (10 - k) for k, ch in enumerate(acct)) % 11 == 0:
                            break
                i = iban_make("NL", code + acct)
            elif cc == "GB":
                code, bic = r.choice(BANKS_GB)
                i = iban_make("GB", code + f"{r.randrange(10**6):06d}{r.randrange(10**8):08d}")
            elif cc == "DE":
                code, bic = r.choice(BANKS_DE)
                i = iban_make("DE", code + f"{r.randrange(10**10):010d}")
            elif cc == "FR":
                bank, bic = r.choice(BANKS_FR)
                branch = f"{r.randrange(10**5):05d}"
                acc = f"{r.randrange(10**11):011d}"
                key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(acc)) % 97
                i = iban_make("FR", bank + branch + acc + f"{key:02d}")
            elif cc == "LU":
                bic = "BCEELULL"
                i = iban_make("LU", "001" + f"{r.randrange(10**13):013d}")
            elif cc == "CH":
                bic = "UBSWCHZH80A"
                i = iban_make("CH", "00230" + f"{r.randrange(10**12):012d}")
            elif cc == "IE":
                bic = "AIBKIE2D"
                i = iban_make("IE", "AIBK" + f"{r.randrange(10**6):06d}{r.randrange(10**8):08d}")
            else:
                raise ValueError(cc)
            if self._uniq(i):
                return i, bic

    # ---------------- names
    def person_parts(self):
        r = self.rng
        if self.be:
            fn, g = r.choice(FIRST_BE)
            sn = r.choice(SUR_BE)
            pfn, pg = r.choice([x for x in FIRST_BE if x[1] != g])
            psn = r.choice(SUR_BE)
            return dict(fn=fn, g=g, tv="", sn=sn, pfn=pfn, ptv="", psn=psn)
        fn, g = r.choice(FIRST_NL)
        tv, sn = r.choice(SUR_NL)
        pfn, pg = r.choice([x for x in FIRST_NL if x[1] != g])
        ptv, psn = r.choice(SUR_NL)
        return dict(fn=fn, g=g, tv=tv, sn=sn, pfn=pfn, ptv=ptv, psn=psn)

    @staticmethod
    def full_sn(p, cap=False):
        s = (p["tv"] + " " + p["sn"]).strip()
        if cap and s:
            s = s[0].upper() + s[1:]
        return s

    def ledger_person_name(self, p):
        r = self.rng
        fn, sn = p["fn"], self.full_sn(p)
        ini = fn[0] + "."
        if self.be:
            st = wchoice(r, [("fs", 35), ("sf", 20), ("is", 12), ("s,f", 10), ("fam", 8), ("t", 15)])
            tt = "Dhr." if p["g"] == "m" else "Mevr."
        else:
            st = wchoice(r, [("fs", 35), ("is", 20), ("s,f", 15), ("fam", 10), ("t", 15), ("sf", 5)])
            tt = "dhr." if p["g"] == "m" else "mw."
        return {"fs": f"{fn} {sn}", "sf": f"{self.full_sn(p, True)} {fn}",
                "is": f"{ini} {sn}", "s,f": f"{self.full_sn(p, True)}, {fn}",
                "fam": f"Fam. {sn}", "t": f"{tt} {fn} {sn}"}[st]

    def bank_person_name(self, p, variant=None):
        r = self.rng
        fn, tv, sn = p["fn"], p["tv"], p["sn"]
        full = self.full_sn(p)
        ini = fn[0]
        if self.be:
            v = variant or wchoice(r, [("SF", 25), ("FS", 20), ("sf", 10), ("S I", 12),
                                       ("I S", 8), ("joint", 10), ("title", 10), ("MR", 5)])
            if v == "SF":
                return up(f"{full} {fn}")
            if v == "FS":
                return up(f"{fn} {full}")
            if v == "sf":
                return ascii_fold(f"{full} {fn}")
            if v == "S I":
                return up(f"{full} {ini}")
            if v == "I S":
                return up(f"{ini}. {full}")
            if v == "joint":
                return up(f"{full} {fn} EN/OF {p['psn']} {p['pfn']}") if r.random() < 0.6 \
                    else up(f"{full}-{p['psn']}")
            if v == "title":
                return ("DHR. " if p["g"] == "m" else "MEVR. ") + up(f"{fn} {full}") \
                    if r.random() < 0.5 else ("Dhr. " if p["g"] == "m" else "Mevr. ") + ascii_fold(f"{fn} {full}")
            return ("MR " if p["g"] == "m" else "MS ") + up(f"{ini} {full}")
        v = variant or wchoice(r, [("I S", 22), ("S I", 15), ("S I T", 12), ("title", 12),
                                   ("i. s", 12), ("eo", 12), ("fam", 5), ("MR", 5), ("FS", 5)])
        if v == "I S":
            return up(f"{ini} {full}")
        if v == "S I":
            return up(f"{full} {ini}")
        if v == "S I T":
            return up(f"{sn} {ini} {tv}".strip())
        if v == "title":
            return ("Hr " if p["g"] == "m" else "Mw ") + ascii_fold(f"{ini} {full}") \
                if r.random() < 0.5 else ("DHR " if p["g"] == "m" else "MEVR ") + up(f"{ini} {full}")
        if v == "i. s":
            return ascii_fold(f"{ini}. {full}")
        if v == "eo":
            pfull = (p["ptv"] + " " + p["psn"]).strip()
            return up(f"{ini} {full} EO {p['pfn'][0]} {full}-{pfull}")
        if v == "fam":
            return ascii_fold(f"Fam {full}")
        if v == "MR":
            return ("MR " if p["g"] == "m" else "MRS ") + up(f"{ini} {full}")
        return up(f"{fn} {full}")

    def bank_company_name(self, d, variant=None):
        r = self.rng
        base, lf = d.parts["base"], d.parts["lf"]
        if d.kind == "foreign":
            v = variant or wchoice(r, [("U", 60), ("u", 25), ("noLF", 15)])
            if v == "U":
                return up(f"{base} {lf}")
            if v == "u":
                return ascii_fold(f"{base} {lf}")
            return up(base)
        table = LF_BANK_BE if self.be else LF_BANK_NL
        v = variant or wchoice(r, [("U", 40), ("lfvar", 25), ("noLF", 12), ("LFfirst", 6),
                                   ("trade", 10 if d.parts.get("trade") else 0), ("cut", 7)])
        if v == "U":
            return up(f"{base} {lf}".strip())
        if v == "lfvar":
            return up(f"{base} {r.choice(table.get(lf, ['']))}".strip())
        if v == "noLF":
            return up(base)
        if v == "LFfirst":
            lfb = r.choice(table.get(lf, [""])) or "BV"
            return up(f"{lfb} {base}")
        if v == "trade" and d.parts.get("trade"):
            return up(d.parts["trade"])
        if v == "owner" and d.parts.get("owner"):
            return self.bank_person_name(d.parts["owner"])
        s = up(f"{base} {lf}".strip())
        return s[:r.randint(18, 24)].rstrip()

    def holder_for(self, d, variant=None):
        if d.kind == "person":
            return self.bank_person_name(d.parts["p"], variant)
        return self.bank_company_name(d, variant)

    def add_account(self, d, holder=None, cc=None, note=""):
        iban, bic = self.new_iban(cc or d.country)
        a = Acct(iban, bic, holder or self.holder_for(d), d, note)
        d.accounts.append(a)
        return a

    def fresh_account(self, d):
        """An account nobody has seen yet: a private or new bank account of the debtor."""
        r = self.rng
        note = "new account"
        if d.kind == "person":
            holder = self.bank_person_name(d.parts["p"])
        elif d.parts.get("owner") and d.parts["owner"]["sn"] in d.parts["base"] and r.random() < 0.3:
            holder = self.bank_person_name(d.parts["owner"])
            note = "owner's private account"
        else:
            holder = self.bank_company_name(d, r.choice(["lfvar", "noLF", "U", "trade", "LFfirst"]))
        cc = d.country if d.kind == "foreign" else ("BE" if self.be else "NL")
        if d.kind != "foreign" and r.random() < 0.08:
            cc = "NL" if self.be else "BE"
        return self.add_account(d, holder, cc, note)

    # ---------------- debtors
    def make_debtor(self, size, kind):
        r = self.rng
        d = Debtor()
        d.size, d.kind = size, kind
        d.country = "BE" if self.be else "NL"
        if kind == "person":
            p = self.person_parts()
            d.parts = {"p": p}
            d.name = self.ledger_person_name(p)
        elif kind == "foreign":
            pool = FOREIGN_BE if self.be else FOREIGN_NL
            used = {x.parts.get("base") for x in self.debtors}
            cands = [f for f in pool if f[0] not in used]
            base, lf, cc = r.choice(cands)
            d.parts = {"base": base, "lf": lf}
            d.country = cc
            d.name = f"{base} {lf}"
        else:
            owner = self.person_parts()
            lf = wchoice(r, LF_BE if self.be else LF_NL)
            if self.be and lf in ("SRL", "SA", "SPRL") and r.random() < 0.7:
                trade = r.choice(TRADES_FR)
            else:
                trade = r.choice(TRADES_BE if self.be else TRADES_NL)
            st = r.random()
            if st < 0.55:
                base = f"{trade} {self.full_sn(owner, True)}"
            elif st < 0.72:
                base = f"{self.full_sn(owner, True)} & Zonen" if self.be else f"{self.full_sn(owner, True)} & Zn."
                base = base if r.random() < 0.5 else f"{self.full_sn(owner, True)} {trade}"
            else:
                base = r.choice(FANCY_BE if self.be else FANCY_NL)
                used = {x.parts.get("base") for x in self.debtors}
                if base in used:
                    base = f"{trade} {self.full_sn(owner, True)}"
            if size == "big":
                big = ["Verhaeghe Logistics", "Bouwgroep Vandenbussche", "Retail Partners Vlaanderen",
                       "Zorggroep Maria Middelares"] if self.be else \
                      ["Groothandel Van der Valk Koeling", "Zorggroep Rivierenland",
                       "Horeca Inkoop Nederland", "Supermarktgroep De Boer"]
                base = big[sum(1 for x in self.debtors if x.size == "big")]
                lf = "NV" if self.be else "B.V."
            d.parts = {"base": base, "lf": lf, "owner": owner}
            if r.random() < 0.2 and size != "big":
                d.parts["trade"] = r.choice(FANCY_BE if self.be else FANCY_NL)
                if d.parts["trade"] == base:
                    d.parts["trade"] = f"{trade} {owner['sn']}"
            d.name = f"{base} {lf}".strip()
            if self.be and lf in ("BV", "NV") and r.random() < 0.08:
                d.name = f"{lf} {base}"
        d.main = self.add_account(d)
        d.joint = None
        if kind == "person" and r.random() < 0.15:
            d.joint = self.add_account(d)  # a second, joint account used now and then
        # how this payer writes the remittance
        if self.be:
            d.habit = wchoice(r, [("ogm", 55), ("ogm_free", 10), ("num", 30), ("num_fr", 5)])
            if kind == "foreign":
                d.habit = wchoice(r, [("num_en", 70), ("ogm_free", 15), ("num", 15)])
        else:
            d.habit = wchoice(r, [("kenmerk", 40), ("kenmerk_typed", 8), ("num", 45), ("num_en", 7)])
            if kind == "foreign":
                d.habit = "num_en"
        d.uses_kenmerk = (not self.be) and (kind == "person" or r.random() < 0.3) and kind != "foreign"
        if d.habit in ("kenmerk", "kenmerk_typed") and not d.uses_kenmerk:
            d.habit = "num"
        d.profile = wchoice(r, [("punctual", 35), ("normal", 35), ("late", 20), ("bad", 10)])
        if size == "big":
            d.profile = "punctual" if r.random() < 0.5 else "normal"
        d.batcher = size == "reg" and r.random() < 0.15
        n = len(self.debtors) + 1
        if self.be:
            d.no = str(1000 + n * 7 + r.randrange(7))
        else:
            d.no = str(20000 + n * 5 + r.randrange(5))
        self.debtors.append(d)
        return d

    # ---------------- invoices
    def build(self):
        r = self.rng
        n_missing = max(4, round(12 * self.scale))
        target = self.n_target + n_missing
        start, end = D(2024, 12, 2), D(2026, 6, 26)
        days = [d for d in (start + TD(days=k) for k in range((end - start).days + 1)) if bday(d) == d]
        plans = []  # (debtor, date, net, rate, sub_idx)

        def rate_for(d):
            if d.kind == "foreign":
                return 0
            if self.be:
                return 6 if d.kind == "person" and r.random() < 0.25 else 21
            return 9 if r.random() < 0.12 else 21

        def rand_net(lo=40, hi=9000):
            while True:
                x = r.lognormvariate(6.3, 0.95)
                if lo <= x <= hi:
                    return int(round(x * 100))

        price_list = [7500, 9500, 12500, 15000, 19500, 25000, 39500, 45000, 65000, 89500, 125000]
        # big debtors
        for _ in range(4):
            d = self.make_debtor("big", "co")
            k = round(r.randint(48, 62) * self.scale)
            for dd in sorted(r.sample(days, k)):
                plans.append((d, dd, rand_net(150, 14000), 21 if self.be else 21, None))
        # subscriptions: equal monthly amounts
        n_sub = max(6, round(20 * self.scale))
        for i in range(n_sub):
            d = self.make_debtor("sub", "person" if r.random() < 0.3 else "co")
            d.so = i < max(3, round(5 * self.scale))
            net = r.choice([4900, 6500, 7950, 9500, 12000, 14500, 18500, 25000, 32000])
            rate = 21
            if d.so:
                s = add_months(D(2025, 1, 1), r.randint(0, 5), 1)
            else:
                s = add_months(D(2024, 12, 1), r.randint(0, 10), 1)
            e = D(2026, 6, 1) if r.random() < 0.8 else add_months(s, r.randint(6, 12), 1)
            indexed = r.random() < 0.5
            idx = 0
            for m in month_iter(s, e):
                idx += 1
                dd = bday(m)
                nn = net
                if dd >= D(2026, 1, 1) and indexed:
                    nn = int(round(net * 1.025 / 100.0)) * 100 + (net % 100)
                plans.append((d, dd, nn, rate, idx))
        # foreign debtors
        for _ in range(8 if self.be else 7):
            d = self.make_debtor("reg", "foreign")
            k = r.randint(3, 6)
            for dd in sorted(r.sample(days, k)):
                plans.append((d, dd, rand_net(300, 9000), 0, None))
        # regular debtors until target reached
        while len(plans) < target:
            kind = "person" if r.random() < 0.33 else "co"
            d = self.make_debtor("reg", kind)
            k = min(wchoice(r, [(1, 30), (2, 22), (3, 15), (4, 12), (5, 8), (6, 6), (8, 4), (10, 3)]),
                    target - len(plans))
            a = r.randrange(len(days))
            span = r.randint(20, 380)
            win = days[a:a + span] or days[-20:]
            dates = sorted(r.sample(win, min(k, len(win))))
            same_price = r.random() < 0.35
            pnet = r.choice(price_list)
            for dd in dates:
                net = pnet if same_price and r.random() < 0.7 else (
                    r.choice(price_list) if r.random() < 0.3 else rand_net())
                plans.append((d, dd, net, rate_for(d), None))
        plans.sort(key=lambda x: (x[1], x[0].no))
        seqs = {2024: 1480 if self.be else 1202, 2025: 0, 2026: 0}
        for d, dd, net, rate, sub_idx in plans:
            inv = Inv()
            seqs[dd.year] += 1
            inv.year, inv.seq, inv.date, inv.debtor = dd.year, seqs[dd.year], dd, d
            if self.be:
                inv.num = f"{dd.year}/{inv.seq:05d}"
            else:
                inv.num = f"IN{dd.year % 100:02d}-{inv.seq:05d}"
            term = 30
            if d.size == "big":
                term = 60 if self.be else 45
            elif not self.be and d.kind == "person":
                term = 14
            elif d.kind == "person":
                term = r.choice([15, 30])
            inv.due = dd + TD(days=term)
            inv.net, inv.rate = net, rate
            inv.vat = (net * rate + 50) // 100
            inv.sub_idx = sub_idx
            if self.be:
                inv.ref = ogm_from_base(f"{dd.year % 100:02d}{inv.seq:05d}{int(d.no) % 1000:03d}")
            elif d.uses_kenmerk:
                inv.ref = kenmerk_make(f"{dd.year % 100:02d}{inv.seq:06d}{int(d.no) % 10**7:07d}")
            self.invoices.append(inv)
            self.by_num[inv.num] = inv
        # invoices the ledger export lacks (paid by reference, money stays unapplied)
        cand = [i for i in self.invoices if i.debtor.size != "big" and not i.debtor.so
                and D(2025, 2, 1) <= i.date <= D(2026, 4, 15)]
        for inv in r.sample(cand, n_missing):
            inv.in_ledger = False

    # ---------------- credit notes
    def make_credits(self):
        r = self.rng
        n_full = round(22 * self.scale)
        n_part = round(20 * self.scale)
        cand = [i for i in self.invoices if i.in_ledger and not i.debtor.so and i.date <= D(2026, 6, 1)]
        picks = r.sample(cand, n_full + n_part)
        cns = []
        for k, inv in enumerate(picks):
            cd = bday(inv.date + TD(days=r.randint(3, 35)))
            if cd > ASOF:
                cd = bday(inv.date + TD(days=1))
            if k < n_full:
                net, vat = inv.net, inv.vat
                inv.role = "credited-full"
            else:
                frac = r.choice([0.05, 0.1, 0.15, 0.2, 0.25, 0.4])
                net = max(1000, int(round(inv.net * frac / 100.0)) * 100)
                if net >= inv.net:
                    net = inv.net // 2
                vat = (net * inv.rate + 50) // 100
            cns.append((cd, inv, net, vat))
        cns.sort(key=lambda x: (x[0], x[1].num))
        seq = {2024: 0, 2025: 0, 2026: 0}
        for cd, inv, net, vat in cns:
            seq[cd.year] += 1
            num = f"CN{cd.year}/{seq[cd.year]:04d}" if self.be else f"CR{cd.year % 100:02d}-{seq[cd.year]:05d}"
            cn = CreditNote(num, cd, inv, net, vat)
            inv.credits.append(cn)
            self.credit_notes.append(cn)

    # ---------------- planned payment dates
    def plan_payments(self):
        r = self.rng
        for inv in self.invoices:
            d = inv.debtor
            if inv.role == "credited-full":
                inv.pay = None
                continue
            if d.so:
                continue
            prof = d.profile
            never = {"punctual": 0.01, "normal": 0.03, "late": 0.07, "bad": 0.35}[prof]
            if r.random() < never and inv.in_ledger:
                inv.pay = None
                inv.role = "never"
                continue
            delay = {"punctual": (-12, 4), "normal": (-5, 28), "late": (8, 75), "bad": (30, 170)}[prof]
            pd = inv.due + TD(days=r.randint(*delay))
            pd = max(pd, inv.date + TD(days=r.randint(1, 6)), FIRST_BOOKING)
            for c in inv.credits:
                if pd <= c.date:
                    pd = c.date + TD(days=r.randint(2, 12))
            pd = bday(pd)
            if not inv.in_ledger and pd > ASOF:
                pd = bday(max(inv.date + TD(days=20), FIRST_BOOKING))
            inv.pay = pd if pd <= ASOF else None

    # ---------------- texts
    def no_year_ref(self, inv):
        r = self.rng
        s = inv.seq
        if self.be:
            return r.choice([f"fact {s}", f"nr. {s:05d}", f"factuur {inv.year}-{s}",
                             f"factuur {s}", f"fact. nr {s}", f"F {s}", f"facture {s}", f"fact {s:05d}"])
        return r.choice([f"factuur {s}", f"inv {s}", f"nr {s:05d}", f"factuur {inv.year}-{s}",
                         f"fact. {s}", f"factuurnummer {s:05d}", f"nota {s}"])

    def num_text(self, inv, habit):
        r = self.rng
        n, d = inv.num, inv.debtor
        if habit == "num_fr":
            return r.choice([f"Facture {n}", f"fact. {n}", f"facture n. {n}", f"Paiement facture {n}"])
        if habit == "num_en":
            return r.choice([f"INVOICE {n}", f"Inv {n}", f"Invoice {n} {up(d.parts.get('base', ''))[:20]}".strip(),
                             f"{n}", f"PAYMENT INV {n}"])
        if self.be:
            return r.choice([f"Factuur {n}", f"fact. {n}", f"factuur nr {n}", f"{n}", f"F {n}",
                             f"Fact {n} klant {d.no}", f"betaling factuur {n}",
                             f"uw factuur {n} dd {inv.date.strftime('%d/%m/%Y')}", f"factuur {n} bedankt"])
        return r.choice([f"Factuur {n}", f"factuurnr. {n}", f"{n}", f"{n} debiteurnr {d.no}",
                         f"betaling {n}", f"fact {n} dank u wel", f"{n.lower()}",
                         f"Factuur {n.replace('-', ' ')}", f"FACTUUR {n} {inv.date.strftime('%d-%m-%Y')}"])

    def ogm_free_text(self, inv):
        r = self.rng
        o = inv.ref
        return r.choice([ogm_fmt(o), f"{o[:3]}/{o[3:7]}/{o[7:]}", o, f"***{o[:3]}/{o[3:7]}/{o[7:]}***",
                         f"{ogm_fmt(o)} {inv.num}", f"mededeling {o[:3]}/{o[3:7]}/{o[7:]}"])

    def kenmerk_text(self, inv):
        r = self.rng
        k = inv.ref
        spaced = " ".join(k[i:i + 4] for i in range(0, 16, 4))
        return r.choice([spaced, f"kenmerk {k}", k, f"betalingskenmerk {spaced}"])

    def exact_ref(self, inv, habit=None):
        """(text, structured reference) as this payer writes it for one invoice."""
        d = inv.debtor
        habit = habit or d.habit
        if self.be:
            if habit == "ogm":
                return "", ogm_fmt(inv.ref)
            if habit == "ogm_free":
                return self.ogm_free_text(inv), None
            return self.num_text(inv, habit), None
        if habit == "kenmerk" and inv.ref:
            return "", inv.ref
        if habit == "kenmerk_typed" and inv.ref:
            return self.kenmerk_text(inv), None
        if habit in ("kenmerk", "kenmerk_typed"):
            habit = "num"
        return self.num_text(inv, habit), None

    def typo_ref(self, inv):
        """A mistyped reference. Returns (text, sref, note)."""
        r = self.rng
        if self.be:
            y, s = inv.year, f"{inv.seq:05d}"
            pre = f"{y}/"
        else:
            y, s = inv.year, f"{inv.seq:05d}"
            pre = f"IN{y % 100:02d}-"
        cands = []
        lead = len(s) - len(s.lstrip("0"))  # leading zeros are copied, not typed wrong
        for k in range(lead, len(s) - 1):
            if s[k] != s[k + 1]:
                t = s[:k] + s[k + 1] + s[k] + s[k + 2:]
                cands.append((pre + t, "transposed digits"))
        for k in range(max(lead, 1), len(s)):
            for dv in (1, -1):
                v = int(s[k]) + dv
                if 0 <= v <= 9 and not (k == lead and v == 0):
                    t = s[:k] + str(v) + s[k + 1:]
                    cands.append((pre + t, "changed digit"))
        if self.be:
            cands.append((f"{y - 1}/{s}", "last year's year"))
        else:
            cands.append((f"IN{(y - 1) % 100:02d}-{s}", "last year's year"))
        cands = [c for c in cands if c[0] != inv.num]
        # prefer hitting another real invoice now and then
        real = []
        for c in cands:
            o = self.by_num.get(c[0])
            if o is not None and o.in_ledger and o is not inv:
                if o.debtor is inv.debtor and o.total - o.credited() == inv.total - inv.credited():
                    continue
                real.append(c)
        want_real = r.random() < 0.45
        pick = r.choice(real) if (want_real and real) else r.choice([c for c in cands if c[0] not in self.by_num] or cands)
        typed, how = pick
        hit = self.by_num.get(typed)
        note = f"typo ({how}): typed {typed} for {inv.num}"
        if hit is not None and hit.in_ledger:
            who = "same debtor" if hit.debtor is inv.debtor else "another debtor"
            note += f"; {typed} is a real invoice of {who} ({fmt_pt(hit.total - hit.credited())} after credits)"
        # typo in the structured reference instead of the number
        if inv.ref and r.random() < 0.35:
            ref = inv.ref
            k = r.randrange(3, len(ref) - 2)
            bad = ref[:k] + str((int(ref[k]) + r.randint(1, 8)) % 10) + ref[k + 1:]
            if self.be:
                txt = r.choice([ogm_fmt(bad), f"{bad[:3]}/{bad[3:7]}/{bad[7:]}", bad])
                return txt, None, f"typo in structured communication: typed {bad} for {inv.ref} ({inv.num}); check digits fail"
            txt = r.choice([bad, " ".join(bad[i:i + 4] for i in range(0, 16, 4)), f"kenmerk {bad}"])
            return txt, None, f"typo in betalingskenmerk: typed {bad} for {inv.ref} ({inv.num}); check digit fails"
        if self.be:
            txt = r.choice([f"Factuur {typed}", f"fact {typed}", f"{typed}", f"factuur nr {typed}"])
        else:
            txt = r.choice([f"Factuur {typed}", f"{typed}", f"factuurnr {typed}", f"inv {typed}"])
        return txt, None, note

    def no_ref_text(self):
        r = self.rng
        if self.be:
            return r.choice(["", "", "betaling", "factuur", "zie factuur", "Bedankt", "betaling levering",
                             "facture", "werken", "saldo", "levering materiaal", "drukwerk", "OVERSCHRIJVING"])
        return r.choice(["", "", "betaling", "factuur", "bedankt!", "onderhoud", "zie factuur",
                         "Payment", "nota", "werkzaamheden", "rekening", "storing"])

    # ---------------- lines for invoice payments
    def open_at(self, inv, d):
        return inv.total - inv.credited(d)

    def pay_line(self, d, inv_amounts, acct, text, sref, cls, note="", eref=None):
        amt = sum(a for _, a in inv_amounts)
        ln = Line(d, amt, acct, text, sref, eref or self.eref_for(acct), cls,
                  [(i, a) for i, a in inv_amounts], note, "tr", inv_amounts[0][0].debtor if inv_amounts else None)
        self.lines.append(ln)
        return ln

    def eref_for(self, acct):
        r = self.rng
        if acct is not None and acct.debtor is not None and acct.debtor.size == "big":
            return f"PAY{r.randint(10**7, 10**8 - 1)}"
        if r.random() < 0.12:
            return f"{r.randint(10**9, 10**10 - 1)}"
        return "NOTPROVIDED"

    def several_text(self, items, style):
        r = self.rng
        if self.be:
            if style == "noyear":
                return "fact " + " ".join(str(i.seq) for i, _ in items)
            if style == "amounts":
                parts = [f"{i.num} ({fmt_comma(a, True)})" for i, a in items]
                return ", ".join(parts[:-1]) + " en " + parts[-1]
            if style == "ogms":
                return " ".join(ogm_fmt(i.ref) for i, _ in items)
            if style == "fr":
                return "Factures " + ", ".join(i.num for i, _ in items)
            return r.choice(["Facturen ", "facturen ", "fact. ", ""]) + ", ".join(i.num for i, _ in items[:-1]) + \
                (" en " if len(items) > 1 else "") + items[-1][0].num
        if style == "noyear":
            return "facturen " + " ".join(str(i.seq) for i, _ in items)
        if style == "amounts":
            parts = [f"{i.num} ({fmt_comma(a)})" for i, a in items]
            return ", ".join(parts[:-1]) + " en " + parts[-1]
        if style == "ogms":
            return " ".join(i.ref if i.ref else i.num for i, _ in items)
        if style == "fr":
            return "Invoices " + " ".join(i.num for i, _ in items)
        return r.choice(["Facturen ", "facturen ", "fact ", ""]) + " ".join(i.num for i, _ in items)

    def make_invoice_lines(self):
        r = self.rng
        sc = self.scale
        paid = [i for i in self.invoices if i.pay is not None and not i.debtor.so]
        used = set()

        # --- partial-ledger: invoices the export lacks, paid by reference
        missing = [i for i in self.invoices if not i.in_ledger]
        mixed = 0
        for inv in missing:
            d = inv.debtor
            amt = self.open_at(inv, inv.pay)
            partner = None
            if mixed < 2:
                for o in self.invoices:
                    if o.debtor is d and o.in_ledger and o.pay is not None and o is not inv and \
                            abs((o.pay - inv.pay).days) < 60 and o.num not in used and not o.credits:
                        partner = o
                        break
            if partner is not None:
                mixed += 1
                pdate = max(inv.pay, partner.pay)
                pa = self.open_at(partner, pdate)
                items = sorted([(inv, amt), (partner, pa)], key=lambda x: x[0].num)
                txt = self.several_text(items, "amounts")
                ln = self.pay_line(pdate, [(partner, pa)], d.main, txt, None, "partial-ledger",
                                   f"names {inv.num} (not in ledger.csv) and {partner.num}; "
                                   f"{fmt_pt(amt)} for {inv.num} stays unapplied")
                ln.amount = amt + pa
                used.add(partner.num)
                partner.role = "partial-ledger-mixed"
            else:
                txt, sref = self.exact_ref(inv)
                ln = self.pay_line(inv.pay, [(inv, amt)], d.main, txt, sref, "partial-ledger",
                                   f"names {inv.num}, which ledger.csv lacks; {fmt_pt(amt)} stays unapplied")
                ln.alloc = []
                ln.amount = amt
            used.add(inv.num)
            inv.role = "missing"

        # --- big debtors: two pay by monthly payment runs listing the invoices
        bigs = [d for d in self.debtors if d.size == "big"]
        for bi, d in enumerate(bigs[:2]):
            invs = sorted([i for i in paid if i.debtor is d and i.num not in used], key=lambda i: i.pay)
            runs = {}
            for inv in invs:
                rd = bday(D(inv.pay.year, inv.pay.month, 25))
                if rd < inv.pay:
                    rd = bday(add_months(D(inv.pay.year, inv.pay.month, 1), 1, 25))
                if rd > ASOF:
                    inv.pay = None
                    inv.role = "open-run"
                    continue
                runs.setdefault(rd, []).append(inv)
            for rd in sorted(runs):
                items = [(i, self.open_at(i, rd)) for i in sorted(runs[rd], key=lambda i: i.num)]
                batch = f"{r.randint(4500000000, 4599999999)}"
                if len(items) == 1:
                    i, a = items[0]
                    txt = f"BETALING {batch} UW FACT {i.num}" if bi == 0 else f"{i.num} {fmt_comma(a)}"
                    self.pay_line(rd, items, d.main, txt, None, "exact", "payment run with one invoice")
                else:
                    if bi == 0:
                        txt = f"BETALING {batch} UW FACT " + " ".join(i.num for i, _ in items)
                    else:
                        txt = " ".join(f"{i.num} {fmt_comma(a)}" for i, a in items)
                    note = f"payment run of {len(items)} invoices"
                    if len(txt) > 140:
                        cut = txt[:140]
                        named = [i.num for i, _ in items if i.num in cut]
                        unnamed = [i.num for i, _ in items if i.num not in named]
                        txt = cut
                        if unnamed:
                            note += (f"; remittance cut at 140 chars, {' '.join(unnamed)} not named "
                                     f"(the amount is the sum of all {len(items)})")
                        else:
                            note += "; remittance cut at 140 chars (last amount cut off)"
                    self.pay_line(rd, items, d.main, txt, None, "several", note)
                for i, _ in items:
                    used.add(i.num)
                    i.role = "run"

        # --- batchers among the others: two or three invoices in one transfer
        by_debtor = {}
        for inv in sorted([i for i in paid if i.pay is not None], key=lambda i: (i.debtor.no, i.pay, i.num)):
            if inv.num in used:
                continue
            by_debtor.setdefault(inv.debtor.no, []).append(inv)
        target_sev = round(30 * sc)
        n_sev = 0
        for dno in sorted(by_debtor):
            lst = [i for i in by_debtor[dno] if i.num not in used]
            d = lst[0].debtor if lst else None
            if not lst or not (d.batcher or d.size == "big" or (d.size == "sub" and r.random() < 0.3)):
                continue
            k = 0
            while k < len(lst) - 1 and n_sev < target_sev:
                grp = [lst[k]]
                j = k + 1
                while j < len(lst) and (lst[j].pay - grp[0].pay).days <= 25 and len(grp) < 4:
                    grp.append(lst[j])
                    j += 1
                if len(grp) >= 2 and r.random() < 0.8:
                    pdate = max(i.pay for i in grp)
                    items = [(i, self.open_at(i, pdate)) for i in grp]
                    style = r.choice(["list", "list", "noyear", "amounts", "amounts"] +
                                     (["ogms"] if self.be and d.habit == "ogm" else []) +
                                     (["fr"] if d.habit in ("num_fr", "num_en") else []))
                    if not self.be and style == "ogms" and not all(i.ref for i, _ in items):
                        style = "list"
                    txt = self.several_text(items, style)
                    note = f"{len(items)} invoices in one transfer ({style})"
                    if style == "noyear":
                        note += "; numbers without year/prefix"
                    self.pay_line(pdate, items, d.main, txt, None, "several", note)
                    for i in grp:
                        used.add(i.num)
                        i.role = "several"
                    n_sev += 1
                    k = j
                else:
                    k += 1

        singles = [i for i in sorted([i for i in paid if i.pay is not None], key=lambda i: (i.pay, i.num))
                   if i.num not in used]

        def take(n, pred):
            pool = [i for i in singles if i.num not in used and pred(i)]
            got = r.sample(pool, min(n, len(pool)))
            for i in got:
                used.add(i.num)
            return sorted(got, key=lambda i: (i.pay, i.num))

        # --- undecidable (b): a debtor with two open items of the same amount
        n_und = round(4 * sc)
        made = 0
        regs = [d for d in self.debtors if d.size == "reg" and d.kind != "foreign"]
        r.shuffle(regs)
        for d in regs:
            if made >= n_und:
                break
            mine = sorted([i for i in self.invoices if i.debtor is d and i.in_ledger and not i.credits
                           and i.num not in used and i.role != "credited-full"], key=lambda i: i.date)
            for a, b in zip(mine, mine[1:]):
                if (b.date - a.date).days <= 75 and b.due + TD(days=40) < ASOF:
                    b.net, b.vat = a.net, a.vat
                    b.rate = a.rate
                    pd = bday(max(a.due, b.due) + TD(days=r.randint(3, 25)))
                    meant = r.choice([a, b])
                    other = b if meant is a else a
                    amt = meant.total
                    self.pay_line(pd, [(meant, amt)], d.main, self.no_ref_text(), None, "undecidable",
                                  f"two open items of {fmt_pt(amt)} ({a.num}, {b.num}), no reference; "
                                  f"the payer meant {meant.num} ({'the older' if meant is a else 'the newer'} one)")
                    for i in (a, b):
                        used.add(i.num)
                    meant.role = "undecidable"
                    meant.pay = pd
                    if r.random() < 0.5 and pd + TD(days=50) < ASOF:
                        od = bday(pd + TD(days=r.randint(20, 50)))
                        other.pay = od
                        txt, sref = self.exact_ref(other)
                        self.pay_line(od, [(other, other.total)], d.main, txt, sref, "exact",
                                      "the other of the two equal items, by reference")
                        other.role = "exact"
                    else:
                        other.pay = None
                        other.role = "open-undecided-twin"
                    made += 1
                    break

        # --- instalment plans
        for inv in take(round(14 * sc), lambda i: self.open_at(i, i.pay) >= 50000 and i.debtor.size == "reg"
                        and i.pay <= D(2026, 3, 31)):
            d = inv.debtor
            o = self.open_at(inv, inv.pay)
            k = r.choice([2, 3, 3, 4, 5])
            step = 2500 if o // k >= 20000 else 1000
            part = max(step, (o // k) // step * step)
            amounts = [part] * (k - 1) + [o - part * (k - 1)]
            if amounts[-1] <= 0:
                amounts = [o // 2, o - o // 2]
                k = 2
            dt0 = inv.pay
            for n, a in enumerate(amounts):
                pdn = bday(add_months(dt0, n))
                if pdn > ASOF:
                    break
                if self.be:
                    txt = r.choice([f"afbetaling {n + 1}/{k} factuur {inv.num}", f"{inv.num} deel {n + 1}",
                                    f"aflossing {inv.num}", f"termijn {n + 1} fact {inv.num}",
                                    ogm_fmt(inv.ref) + f" afbetaling {n + 1}"])
                else:
                    txt = r.choice([f"termijn {n + 1} van {k} {inv.num}", f"betalingsregeling {inv.num}",
                                    f"deelbetaling factuur {inv.num}", f"{inv.num} termijn {n + 1}",
                                    f"regeling {inv.num} {MONTHS_NL[pdn.month - 1]}"])
                self.pay_line(pdn, [(inv, a)], d.main, txt, None, "instalments",
                              f"payment plan part {n + 1} of {k} for {inv.num}")
            inv.role = "instalments"

        # --- short payments after bank fees
        n_short = round(12 * sc)
        got = take(min(n_short, 8), lambda i: i.debtor.kind == "foreign" and self.open_at(i, i.pay) > 10000)
        got += take(n_short - len(got), lambda i: self.open_at(i, i.pay) > 15000 and i.debtor.size == "reg")
        for inv in got:
            o = self.open_at(inv, inv.pay)
            fee = r.choice([250, 300, 500, 750, 1000, 1250, 1500])
            if inv.debtor.kind != "foreign":
                fee = r.choice([150, 200, 250, 500])
            txt, sref = self.exact_ref(inv, "num_en" if inv.debtor.kind == "foreign" else None)
            self.pay_line(inv.pay, [(inv, o - fee)], inv.debtor.main, txt, sref, "short-paid",
                          f"{inv.num} paid {fmt_pt(fee)} short (bank charges deducted by the payer's bank); "
                          f"{fmt_pt(fee)} stays open")
            inv.role = "short-paid"

        # --- no-year references, from an account nobody knows yet
        for inv in take(round(40 * sc), lambda i: i.debtor.size != "big"):
            acct = self.fresh_account(inv.debtor)
            txt = self.no_year_ref(inv)
            self.pay_line(inv.pay, [(inv, self.open_at(inv, inv.pay))], acct, txt, None, "no-year",
                          f"'{txt}' means {inv.num}; first payment from this account ({acct.note})")
            inv.role = "no-year"

        # --- typos
        for inv in take(round(30 * sc), lambda i: True):
            d = inv.debtor
            acct = d.main if r.random() < 0.7 else self.fresh_account(d)
            txt, sref, note = self.typo_ref(inv)
            self.pay_line(inv.pay, [(inv, self.open_at(inv, inv.pay))], acct, txt, sref, "typo", note)
            inv.role = "typo"

        # --- name only, from an account nobody knows yet
        for inv in take(round(42 * sc), lambda i: i.debtor.size != "big"):
            acct = self.fresh_account(inv.debtor)
            txt = self.no_ref_text()
            self.pay_line(inv.pay, [(inv, self.open_at(inv, inv.pay))], acct, txt, None, "name-only",
                          f"no reference; payer '{acct.holder}' ({acct.note}) is ledger debtor "
                          f"{inv.debtor.no} '{inv.debtor.name}'")
            inv.role = "name-only"

        # --- the rest: one invoice, named, exact amount (some later paid twice)
        rest = [i for i in singles if i.num not in used]
        dup_pick = set(x.num for x in r.sample([i for i in rest if i.debtor.size == "reg" and i.pay < D(2026, 6, 1)],
                                              round(8 * sc)))
        for inv in rest:
            d = inv.debtor
            acct = d.main
            if d.joint is not None and r.random() < 0.3:
                acct = d.joint
            txt, sref = self.exact_ref(inv)
            o = self.open_at(inv, inv.pay)
            note = ""
            if inv.credits:
                note = f"total {fmt_pt(inv.total)} less credit note {inv.credits[0].num}"
            ln = self.pay_line(inv.pay, [(inv, o)], acct, txt, sref, "exact", note)
            inv.role = "exact"
            used.add(inv.num)
            if inv.num in dup_pick:
                dd = bday(inv.pay + TD(days=r.randint(1, 25)))
                if dd <= ASOF:
                    other = acct
                    how = "same account"
                    if r.random() < 0.3:
                        other = self.fresh_account(d)
                        how = "another account of the same payer"
                    dl = Line(dd, o, other, txt, sref, ln.eref if other is acct else "NOTPROVIDED", "duplicate",
                              [], "", "tr", d)
                    dl.meta["dup_of"] = ln
                    dl.meta["how"] = how
                    self.lines.append(dl)
                    if r.random() < 0.5:
                        rd = bday(dd + TD(days=r.randint(5, 20)))
                        if rd <= ASOF:
                            txt2 = (f"terugbetaling dubbele betaling {inv.num}" if self.be
                                    else f"terugbetaling dubbel betaald {inv.num}")
                            rf = Line(rd, -o, other, txt2, None, "NOTPROVIDED", "refund", [], "", "tr", None)
                            rf.meta["refund_of"] = dl
                            self.lines.append(rf)

        # --- standing orders for subscriptions (no reference, from a known account)
        so_debtors = [d for d in self.debtors if d.so]
        arrears = set(x.no for x in so_debtors[:max(2, round(3 * sc))])
        for d in so_debtors:
            invs = sorted([i for i in self.invoices if i.debtor is d], key=lambda i: i.date)
            if not invs:
                continue
            lag = r.randint(1, 2) if d.no in arrears else 0
            txt = r.choice(["ABONNEMENT", "maandelijkse bijdrage", "DOORLOPENDE OPDRACHT abonnement",
                            "onderhoudscontract"] if self.be else
                           ["Onderhoudscontract", "maandbedrag", "abonnement", "servicecontract koeling"])
            for k, inv in enumerate(invs):
                if k < lag:
                    inv.role = "so-arrears"
                    continue
                pd = bday(D(inv.date.year, inv.date.month, 10))
                if pd > ASOF:
                    inv.role = "so-open"
                    continue
                inv.pay = pd
                inv.role = "standing-order"
                self.pay_line(pd, [(inv, inv.total)], d.main, txt, None, "no-ref",
                              f"standing order for {MONTHS_NL[inv.date.month - 1]} {inv.date.year}")
            if lag:
                # arrears: caught up by reference after a few months, or still open
                arr = invs[:lag]
                if len(invs) > lag + 2:
                    cd = bday(invs[lag + 1].date + TD(days=r.randint(12, 18)))
                    if cd <= ASOF:
                        items = [(i, i.total) for i in arr]
                        if len(items) == 1:
                            t2, s2 = self.exact_ref(arr[0])
                            self.pay_line(cd, items, d.main, t2 or "achterstal", s2, "exact",
                                          "arrears of the standing order, by reference")
                        else:
                            self.pay_line(cd, items, d.main, self.several_text(items, "list"), None, "several",
                                          "arrears of the standing order")
                        for i in arr:
                            i.pay = cd
                            i.role = "so-arrears-paid"

        # --- sanity: every paid in-ledger invoice got a line
        return

    # ---------------- unrelated money
    def make_other_lines(self):
        r = self.rng
        be = self.be
        first = FIRST_BOOKING

        def acct(name, cc=None, bic=None, iban=None):
            if iban is None:
                iban, bic2 = self.new_iban(cc)
                bic = bic or bic2
            else:
                self.ibans.add(iban)
            return Acct(iban, bic, name)

        def add(d, amount, a, text, cls="unrelated", note="", kind="tr", sref=None, eref="NOTPROVIDED", meta=None):
            d = bday(d)
            if d > ASOF or d < first:
                return None
            ln = Line(d, amount, a, text, sref, eref, cls, [], note, kind, None)
            ln.meta.update(meta or {})
            self.lines.append(ln)
            return ln

        if be:
            staff = [("Vandaele Kim", 248000), ("Maertens Joris", 271500), ("De Wolf Sarah", 226000),
                     ("Lippens Bram", 305000), ("Ghijs Ellen", 198000)]
            staff_acc = [acct(n.upper(), "BE") for n, _ in staff]
            landlord = acct("IMMO KORTRIJK-WEST NV", "BE")
            rsz = acct("RSZ-ONSS", "BE")
            fod = Acct("BE61679200220317", "PCHQBEBB", "FOD FINANCIEN - BTW")
            self.ibans.add(fod.iban)
            suppliers = [("PAPIER VANDAMME NV", 20000, 450000), ("INKT EN TONER SERVICE BV", 8000, 180000),
                         ("SIGNCO MATERIALEN BV", 15000, 620000), ("HOUT VAN ACKER BV", 9000, 210000),
                         ("LOGISTIEK DESMET BV", 12000, 95000), ("TELECOM PLUS NV", 6000, 15000),
                         ("ALU PROFIELEN DEPREZ BV", 25000, 380000)]
            sup_acc = [(acct(n, "BE"), lo, hi) for n, lo, hi in suppliers]
            energy = acct("ENERGIE VLAANDEREN NV", "BE")
            insur = acct("VERZEKERINGEN DE SCHELDE NV", "BE")
            lease = acct("FLEET LEASE BELGIUM NV", "BE")
            mollie = acct("STICHTING MOLLIE PAYMENTS", "NL")
            payconiq = acct("PAYCONIQ INTERNATIONAL SA", "LU")
        else:
            staff = [("T. de Bruijn", 265000), ("M. Aksoy", 241000), ("R. Verbeek", 298000),
                     ("L. Schouten", 214000), ("K. van Rijn", 335000), ("S. Jonker", 228000)]
            staff_acc = [acct(up(n), "NL") for n, _ in staff]
            landlord = acct("VASTGOED OMMEN BV", "NL")
            belast = Acct("NL86INGB0002445588", "INGBNL2A", "BELASTINGDIENST")
            self.ibans.add(belast.iban)
            suppliers = [("KOELMIDDELEN GROOTHANDEL BV", 15000, 480000), ("TECHNISCHE UNIE BV", 8000, 350000),
                         ("CARRIER ONDERDELEN NEDERLAND BV", 20000, 690000), ("BUSINESS FLEET BV", 45000, 120000),
                         ("KPN ZAKELIJK", 9000, 25000), ("VAN DER MEER GEREEDSCHAP VOF", 5000, 90000),
                         ("ISOLATIE OOST BV", 12000, 260000)]
            sup_acc = [(acct(n, "NL"), lo, hi) for n, lo, hi in suppliers]
            energy = acct("VATTENFALL KLANTENSERVICE NV", "NL")
            insur = acct("CENTRAAL BEHEER", "NL")
            lease = acct("ATHLON CAR LEASE NEDERLAND BV", "NL")
            mollie = acct("Stichting Mollie Payments", "NL")
            stripe = acct("Stripe Technology Europe Ltd", "IE")
            uwv = acct("UWV", "NL")

        sup_seq = {}
        for m in month_iter(D(2025, 1, 1), D(2026, 6, 1)):
            y, mo = m.year, m.month
            mname = MONTHS_NL[mo - 1]
            # rent
            add(D(y, mo, 1), -(285000 if be else 345000), landlord,
                f"HUUR BEDRIJFSPAND {mname.upper()} {y}" if be else f"Huur bedrijfspand {mname} {y}",
                note="rent (outgoing)")
            # salaries
            last = add_months(m, 1, 1) - TD(days=1)
            pdate = last - TD(days=2)
            for (n, base), a in zip(staff, staff_acc):
                amt = -(base + r.randint(-4000, 4000))
                add(pdate, amt, a, f"LOON {mo:02d}/{y}" if be else f"Salaris {mname} {y}", note="salary (outgoing)")
            # social security / wage tax and VAT to the state, with their structured references
            if be:
                base = f"{y % 100:02d}{mo:02d}{r.randrange(10**6):06d}"
                add(D(y, mo, 5), -r.randint(420000, 560000), rsz, "", sref=ogm_fmt(ogm_from_base(base)),
                    note="RSZ (outgoing, with the RSZ's own structured communication)")
                base2 = f"{r.randrange(10**10):010d}"
                add(D(y, mo, 20), -r.randint(350000, 900000), fod, "", sref=ogm_fmt(ogm_from_base(base2)),
                    note="VAT (outgoing, with the tax office's structured communication)")
            else:
                k1 = kenmerk_make(f"{r.randrange(10**15):015d}")
                add(D(y, mo, 28), -r.randint(520000, 690000), belast, "", sref=k1,
                    note="wage tax (outgoing, Belastingdienst betalingskenmerk)")
                if mo in (1, 4, 7, 10):
                    k2 = kenmerk_make(f"{r.randrange(10**15):015d}")
                    add(D(y, mo, 27), -r.randint(1800000, 2900000), belast, "", sref=k2,
                        note="VAT (outgoing, Belastingdienst betalingskenmerk)")
            # suppliers
            for _ in range(r.randint(5, 9)):
                sa, lo, hi = r.choice(sup_acc)
                sup_seq[sa.iban] = sup_seq.get(sa.iban, r.randint(100, 900)) + r.randint(3, 40)
                if be:
                    txt = r.choice([f"Factuur {y}/{sup_seq[sa.iban]:05d}", f"fact {y}-{sup_seq[sa.iban]}",
                                    f"klantnr 55102 factuur {sup_seq[sa.iban]}"])
                else:
                    txt = r.choice([f"Factuur {y}{sup_seq[sa.iban]:05d}", f"inkoopfactuur {sup_seq[sa.iban]}",
                                    f"debiteurnr 88213 factuur F{sup_seq[sa.iban]}"])
                add(D(y, mo, r.randint(1, 28)), -r.randint(lo, hi), sa, txt, note="supplier payment (outgoing)")
            # direct debits and bank charges
            add(D(y, mo, 12), -r.randint(38000, 61000), energy,
                f"VOORSCHOT ENERGIE {mo:02d}/{y}" if be else f"Termijnbedrag {mname} {y}", kind="dd",
                note="energy direct debit (outgoing)")
            add(D(y, mo, 3), -(68950 if be else 74500), lease,
                f"LEASING BESTELWAGEN {mo:02d}/{y}" if be else f"Lease {mname} {y}", kind="dd",
                note="lease direct debit (outgoing)")
            if mo in (1, 4, 7, 10):
                add(D(y, mo, 15), -r.randint(90000, 140000), insur,
                    f"PREMIE BA UITBATING Q{(mo + 2) // 3} {y}" if be else f"Premie bedrijfsverzekering Q{(mo + 2) // 3}",
                    kind="dd", note="insurance direct debit (outgoing)")
            add(D(y, mo, 1) + TD(days=1), -r.randint(1250, 3900), None,
                f"BEHEERSKOSTEN ZAKENREKENING {mo:02d}/{y}" if be else "Kosten Zakelijk Betalen Plus Pakket",
                kind="fee", note="bank charges (outgoing)",
                meta={"period": f"1 {MONTHS_NL_SHORT[(mo - 2) % 12]} t/m {(m - TD(days=1)).day} "
                                f"{MONTHS_NL_SHORT[(mo - 2) % 12]} {(m - TD(days=1)).year}"})
            # incoming, not for invoices
            if mo in (1, 4, 7, 10):
                add(D(y, mo, 1) + TD(days=1), r.randint(150, 2400), None,
                    f"CREDITRENTE {['1E', '2E', '3E', '4E'][((mo - 1) // 3 - 1) % 4]} KWARTAAL" if be else
                    "Rente zakelijke spaarrekening", kind="int", note="interest (incoming)")
            for _ in range(r.randint(1, 3)):
                if be:
                    pa = r.choice([mollie, payconiq])
                    st = r.randint(10**7, 10**8 - 1)
                    txt = f"UITBETALING ST.{st} WEBSHOP" if pa is mollie else f"PAYCONIQ SETTLEMENT {st}"
                else:
                    pa = r.choice([mollie, stripe])
                    st = r.randint(10**7, 10**8 - 1)
                    txt = f"Uitbetaling st.{st}" if pa is mollie else f"STRIPE PAYOUT po_{st:x}"
                add(D(y, mo, r.randint(1, 28)), r.randint(8000, 260000), pa, txt,
                    note="webshop payout provider (incoming, pays no invoice)")
        # one-off incoming
        if be:
            o1 = ogm_fmt(ogm_from_base(f"{r.randrange(10**10):010d}"))
            add(D(2025, 5, 14), 1843217, fod, f"TERUGBETALING BTW {o1}", note="VAT refund from the tax office")
            add(D(2026, 2, 11), 412055, fod, f"TERUGBETALING VOORAFBETALING AJ 2025", note="tax refund")
            add(D(2025, 9, 3), 510000, acct("IMMO GENTBRUGGE BV", "BE"), "HUURWAARBORG TERUGSTORTING MAGAZIJN",
                note="rent deposit returned")
            add(D(2025, 11, 18), 250000, acct("VLAIO", "BE"), "KMO-PORTEFEUILLE DOSSIER 2025-118457",
                note="subsidy")
            add(D(2026, 3, 9), 187300, insur, "SCHADEGEVAL 2026/004512 VERGOEDING", note="insurance payout")
        else:
            k = kenmerk_make(f"{r.randrange(10**15):015d}")
            add(D(2025, 6, 4), 2215500, belast, f"TERUGGAAF BTW {k}", note="VAT refund (a 16-digit kenmerk of the tax office)")
            add(D(2025, 8, 20), 318040, uwv, "Uitkering ziektewet werkgever", note="UWV sick pay")
            add(D(2026, 1, 27), 296075, uwv, "Uitkering ziektewet werkgever", note="UWV sick pay")
            add(D(2025, 10, 7), 690000, acct("WONINGSTICHTING VECHTDAL", "NL"), "Borg retour opslag Dedemsvaart",
                note="rent deposit returned")
            add(D(2026, 3, 16), 148500, insur, "Schadeuitkering 2026-0042771", note="insurance payout")
        # supplier refunds quoting the supplier's own credit note (looks like our numbering in BE)
        for k in range(3):
            sa, lo, hi = sup_acc[k]
            dd = add_months(D(2025, 3, 9 + k), 4 * k)
            amt = r.randint(4000, 60000)
            if be:
                cn = f"{dd.year}/{r.randint(100, 400):05d}"
                while cn in self.by_num and self.by_num[cn].total == amt:
                    amt += 1
                txt = r.choice([f"CREDITNOTA {cn}", f"terugbetaling creditnota {cn}"])
                note = f"supplier refund quoting the supplier's credit note {cn}"
                if cn in self.by_num:
                    note += f" (same number as our invoice {cn}, which this does not pay)"
            else:
                cn = f"CF{dd.year % 100}-{r.randint(100, 900):04d}"
                txt = f"Creditfactuur {cn} retour"
                note = f"supplier refund quoting the supplier's credit note {cn}"
            add(dd, amt, sa, txt, note=note)
        # advance payments on quotes from customers (no invoice yet)
        cust = [d for d in self.debtors if d.size == "reg" and d.kind == "co"]
        for k in range(3):
            d = r.choice(cust)
            amt = r.choice([50000, 75000, 100000, 150000])
            q = f"OF{25 + k // 2}-{r.randint(100, 499):04d}"
            dd = add_months(D(2025, 4, 16), 5 * k)
            add(dd, amt, d.main, f"voorschot offerte {q}" if be else f"aanbetaling offerte {q}",
                note=f"advance on quote {q} from debtor {d.no}; no invoice yet")

    # ---------------- truth and checks
    def finish(self):
        r = self.rng
        self.lines.sort(key=lambda l: (l.date, l.order))
        # refs
        if self.be:
            per_day = {}
            for ln in self.lines:
                k = per_day[ln.date] = per_day.get(ln.date, 0) + 1
                ln.ref = f"KB{ln.date.strftime('%y%m%d')}{k:04d}"
        else:
            for n, ln in enumerate(self.lines, 1):
                ln.ref = f"R{n:05d}"
        for ln in self.lines:
            if ln.cls == "duplicate":
                o = ln.meta["dup_of"]
                inv = o.alloc[0][0]
                ln.note = (f"second transfer for {inv.num} (already paid by {o.ref}, {ln.meta['how']}); "
                           f"{fmt_pt(ln.amount)} not applied to anything")
            if ln.cls == "refund":
                ln.note = f"refund of duplicate {ln.meta['refund_of'].ref} (outgoing); pays nothing"
        # walk the statement in order: check application and decide uncertain labels
        paid = {}
        seen_iban = set()
        for ln in self.lines:
            for inv, a in ln.alloc:
                o = inv.total - inv.credited(ln.date) - paid.get(inv.num, 0)
                assert 0 < a <= o, (ln.ref, inv.num, a, o)
            if ln.cls in ("no-year", "name-only"):
                assert ln.acct.iban not in seen_iban, ln.ref
            if ln.cls in ("name-only", "no-ref", "undecidable"):
                inv, a = ln.alloc[0]
                d = inv.debtor
                cands = []
                for o in self.invoices:
                    if o.debtor is d and o.in_ledger:
                        op = o.total - o.credited(ln.date) - paid.get(o.num, 0)
                        if op == ln.amount and o.date <= ln.date:
                            cands.append(o)
                if ln.cls == "name-only" and len(cands) > 1:
                    ln.cls = "exact"
                    ln.text, ln.sref = self.exact_ref(inv)
                    ln.note = "(was drawn as name-only; an equal open item made it a named payment)"
                    inv.role = "exact"
                elif ln.cls == "no-ref" and len(cands) > 1:
                    ln.cls = "undecidable"
                    ln.note = (f"standing order, no reference; {len(cands)} open items of {fmt_pt(ln.amount)} "
                               f"({', '.join(c.num for c in cands)}); the payer meant the current month {inv.num}")
                elif ln.cls == "undecidable":
                    assert len(cands) >= 2, (ln.ref, [c.num for c in cands])
            if ln.acct is not None:
                seen_iban.add(ln.acct.iban)
            for inv, a in ln.alloc:
                paid[inv.num] = paid.get(inv.num, 0) + a
        self.paid = paid

    # ---------------- writers
    def write_ledger(self, path):
        rows = []
        docs = [(i.date, i.num, i) for i in self.invoices if i.in_ledger] + \
               [(c.date, c.num, c) for c in self.credit_notes]
        docs.sort(key=lambda x: (x[0], x[1]))
        if self.be:
            head = ["Factuurnr.", "Factuurdatum", "Vervaldag", "Klantnr.", "Klantnaam", "Maatstaf van heffing",
                    "Btw-bedrag", "Bedrag incl. btw", "Munt", "Gestructureerde mededeling",
                    "Gecrediteerde factuur", "Soort"]
            for _, _, x in docs:
                if isinstance(x, Inv):
                    rows.append([x.num, x.date.strftime("%d/%m/%Y"), x.due.strftime("%d/%m/%Y"), x.debtor.no,
                                 x.debtor.name, fmt_comma(x.net, True), fmt_comma(x.vat, True),
                                 fmt_comma(x.total, True), "EUR", ogm_fmt(x.ref), "", "Factuur"])
                else:
                    i = x.inv
                    rows.append([x.num, x.date.strftime("%d/%m/%Y"), x.date.strftime("%d/%m/%Y"), i.debtor.no,
                                 i.debtor.name, fmt_comma(-x.net, True), fmt_comma(-x.vat, True),
                                 fmt_comma(-x.total, True), "EUR", "", i.num, "Creditnota"])
            buf = io.StringIO()
            w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
            w.writerow(head)
            w.writerows(rows)
            data = buf.getvalue().encode("cp1252")
        else:
            head = NL_HEAD
            for _, _, x in docs:
                if isinstance(x, Inv):
                    rows.append([x.num, x.date.isoformat(), x.due.isoformat(), x.debtor.no, x.debtor.name,
                                 fmt_pt(x.net), fmt_pt(x.vat), fmt_pt(x.total), "EUR", x.ref, "", "Invoice"])
                else:
                    i = x.inv
                    rows.append([x.num, x.date.isoformat(), x.date.isoformat(), i.debtor.no, i.debtor.name,
                                 fmt_pt(-x.net), fmt_pt(-x.vat), fmt_pt(-x.total), "EUR", "", i.num, "Credit Note"])
            buf = io.StringIO()
            w = csv.writer(buf, delimiter=",", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            w.writerow(head)
            w.writerows(rows)
            data = buf.getvalue().encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)

    @staticmethod
    def swift_clean(s):
        out = []
        for ch in ascii_fold(s):
            if ch.isalnum() or ch in "/-?:().,'+ ":
                out.append(ch)
            elif ch in "&*":
                out.append("+")
            elif ch in "!;":
                out.append(".")
            else:
                out.append(" ")
        return "".join(out)

    @staticmethod
    def wrap65(s):
        lines = []
        while s:
            cut = 65
            chunk = s[:cut]
            rest = s[cut:]
            # a continuation line must not look like a tag or a message end
            while rest and (rest[0] in "-:" or rest[0] == " ") and cut > 40:
                cut -= 1
                chunk, rest = s[:cut], s[cut:]
            lines.append(chunk)
            s = rest
        return lines

    def mt940_86(self, ln):
        if ln.kind == "fee":
            return f"/TRTP/KOSTEN/REMI/{ln.text}"
        if ln.kind == "int":
            return f"/TRTP/RENTE/REMI/{ln.text}"
        a = ln.acct
        trtp = "SEPA DOMICILIERING" if ln.kind == "dd" else "SEPA OVERSCHRIJVING"
        s = f"/TRTP/{trtp}/IBAN/{a.iban}"
        if a.bic and not (a.iban.startswith("BE") and self.rng.random() < 0.1):
            s += f"/BIC/{a.bic}"
        s += f"/NAME/{a.holder}"
        remi = ln.sref if ln.sref else ln.text
        if remi:
            s += f"/REMI/{remi}"
        if ln.kind == "dd":
            s += f"/CSID/BE{self.rng.randint(10, 99)}ZZZ0{self.rng.randint(10**8, 10**9 - 1)}"
        s += f"/EREF/{ln.eref or 'NOTPROVIDED'}"
        return self.swift_clean(s)

    def write_mt940(self, path, own_iban):
        out = []
        bal = 2500000
        stmt_no = 0
        days = sorted(set(l.date for l in self.lines))
        prev_close_date = D(2024, 12, 31)
        by_day = {}
        for l in self.lines:
            by_day.setdefault(l.date, []).append(l)
        self.mt_balances = []
        for d in days:
            stmt_no += 1
            out.append("{1:F01KREDBEBBAXXX0000000000}{2:I940KREDBEBBXXXXN}{4:")
            out.append(f":20:KBC{d.strftime('%y%m%d')}{stmt_no:04d}")
            out.append(f":25:{own_iban}")
            out.append(f":28C:{stmt_no:05d}/001")
            open_bal = bal
            out.append(f":60F:{'C' if bal >= 0 else 'D'}{prev_close_date.strftime('%y%m%d')}EUR{fmt_comma(abs(bal))}")
            for ln in by_day[d]:
                cd = "C" if ln.amount > 0 else "D"
                code = {"tr": "NTRF", "dd": "NDDT", "fee": "NCHG", "int": "NINT"}[ln.kind]
                out.append(f":61:{d.strftime('%y%m%d')}{d.strftime('%m%d')}{cd}{fmt_comma(abs(ln.amount))}"
                           f"{code}NONREF//{ln.ref}")
                body = self.wrap65(self.mt940_86(ln))
                out.append(":86:" + body[0])
                out.extend(body[1:])
                bal += ln.amount
            out.append(f":62F:{'C' if bal >= 0 else 'D'}{d.strftime('%y%m%d')}EUR{fmt_comma(abs(bal))}")
            out.append("-}")
            self.mt_balances.append((d, open_bal, bal))
            prev_close_date = d
        with open(path, "wb") as f:
            f.write(("\r\n".join(out) + "\r\n").encode("ascii"))

    def write_ing(self, path, own_iban):
        head = ["Datum", "Naam / Omschrijving", "Rekening", "Tegenrekening", "Code", "Af Bij", "Bedrag (EUR)",
                "Mutatiesoort", "Mededelingen", "Saldo na mutatie", "Tag"]
        bal = 1843210
        rows = []
        for ln in self.lines:
            bal += ln.amount
            vd = ln.date.strftime("%d-%m-%Y")
            afbij = "Bij" if ln.amount > 0 else "Af"
            a = ln.acct
            if ln.kind == "fee":
                name, tegen, code, ms = ln.text, "", "DV", "Diversen"
                med = f"{ln.meta['period']} ING BANK N.V. Valutadatum: {vd}"
            elif ln.kind == "int":
                name, tegen, code, ms = "Rente", "", "DV", "Diversen"
                med = f"{ln.text} Valutadatum: {vd}"
            elif ln.kind == "dd":
                name, tegen, code, ms = a.holder, a.iban, "IC", "Incasso"
                med = (f"Naam: {a.holder} Omschrijving: {ln.text} IBAN: {a.iban} "
                       f"Kenmerk: {self.rng.randint(10**9, 10**10 - 1)} Machtiging ID: M{self.rng.randint(10**5, 10**6 - 1)} "
                       f"Incassant ID: NL{self.rng.randint(10, 99)}ZZZ{self.rng.randint(10**11, 10**12 - 1)} "
                       f"Doorlopende incasso Valutadatum: {vd}")
            else:
                name, tegen = a.holder, a.iban
                if ln.amount > 0:
                    code, ms = ("GT", "Online bankieren") if a.iban[4:8] == "INGB" else ("OV", "Overschrijving")
                else:
                    code, ms = "GT", "Online bankieren"
                parts = [f"Naam: {a.holder}"]
                if ln.sref:
                    parts.append(f"Betalingskenm.: {ln.sref}")
                elif ln.text:
                    parts.append(f"Omschrijving: {ln.text}")
                parts.append(f"IBAN: {a.iban}")
                if ln.eref and ln.eref != "NOTPROVIDED":
                    parts.append(f"Kenmerk: {ln.eref}")
                parts.append(f"Valutadatum: {vd}")
                med = " ".join(parts)
            rows.append([ln.date.strftime("%Y%m%d"), name, own_iban, tegen, code, afbij,
                         fmt_comma(abs(ln.amount)), ms, med.replace('"', "'"), fmt_comma(bal), ""])
        def q(v):
            return '"' + str(v).replace('"', "'") + '"'
        text = "\n".join(";".join(q(v) for v in row) for row in [head] + rows) + "\n"
        with open(path, "wb") as f:
            f.write(text.encode("utf-8"))
        self.ing_final = bal

    def write_truth(self, tdir):
        open_rows = []
        states = {}
        for inv in sorted([i for i in self.invoices if i.in_ledger], key=lambda i: i.num):
            cr = inv.credited()
            pd = self.paid.get(inv.num, 0)
            op = inv.total - cr - pd
            assert op >= 0, inv.num
            open_rows.append((inv.num, op))
            if op == 0 and pd == 0:
                st = "credited"
            elif op == 0:
                st = "paid"
            elif pd == 0:
                st = "open" if cr == 0 else "open-after-credit"
            else:
                st = "partially-paid"
            states[st] = states.get(st, 0) + 1
        with open(os.path.join(tdir, "open.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["invoice", "open"])
            for n, op in open_rows:
                w.writerow([n, fmt_pt(op)])
        counts, amounts = {}, {}
        with open(os.path.join(tdir, "lines.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["line_ref", "amount", "class", "invoices", "note"])
            for ln in self.lines:
                inv = ";".join(f"{i.num}={fmt_pt(a)}" for i, a in ln.alloc)
                w.writerow([ln.ref, fmt_pt(ln.amount), ln.cls, inv, ln.note])
                counts[ln.cls] = counts.get(ln.cls, 0) + 1
                amounts[ln.cls] = amounts.get(ln.cls, 0) + ln.amount
        unapplied = sum(ln.amount - sum(a for _, a in ln.alloc) for ln in self.lines if ln.amount > 0)
        summary = {
            "set": self.which,
            "as_of": ASOF.isoformat(),
            "bank_from": BANK_FROM.isoformat(),
            "invoices_in_ledger": len(open_rows),
            "credit_notes_in_ledger": len(self.credit_notes),
            "invoices_missing_from_ledger": sorted(i.num for i in self.invoices if not i.in_ledger),
            "debtors": len(self.debtors),
            "bank_lines": len(self.lines),
            "lines_per_class": dict(sorted(counts.items())),
            "lines_incoming": sum(1 for ln in self.lines if ln.amount > 0),
            "lines_outgoing": sum(1 for ln in self.lines if ln.amount < 0),
            "unrelated_incoming": sum(1 for ln in self.lines if ln.cls == "unrelated" and ln.amount > 0),
            "amount_per_class": {k: fmt_pt(v) for k, v in sorted(amounts.items())},
            "invoice_states": dict(sorted(states.items())),
            "open_total": fmt_pt(sum(op for _, op in open_rows)),
            "incoming_not_applied_total": fmt_pt(unapplied),
            "class_groups": {"instalments": ["instalments", "short-paid", "duplicate"],
                             "unrelated": ["unrelated", "refund"],
                             "extra": {"no-ref": "no reference, from the payer's known account, one open item "
                                                 "of that amount (standing orders)",
                                       "refund": "outgoing refund of a duplicate payment"}},
        }
        with open(os.path.join(tdir, "summary.json"), "w") as f:
            json.dump(summary, f, indent=2, ensure_ascii=False)
            f.write("\n")
        return summary


# ---------------------------------------------------------------- self-check

def parse_amount(s, comma):
    s = s.strip()
    neg = s.startswith("-")
    s = s.lstrip("-")
    if comma:
        s = s.replace(".", "").replace(",", ".")
    e, c = s.split(".")
    v = int(e) * 100 + int(c)
    return -v if neg else v


def self_check(out, be):
    """Recompute open amounts from the written ledger and the written truth only."""
    led = os.path.join(out, "ledger.csv")
    raw = open(led, "rb").read().decode("cp1252" if be else "utf-8")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";" if be else ","))
    head, body = rows[0], rows[1:]
    ix = {h: k for k, h in enumerate(head)}
    if be:
        kn, kt, kc, kr = "Factuurnr.", "Bedrag incl. btw", "Gecrediteerde factuur", "Gestructureerde mededeling"
    else:
        kn, kt, kc, kr = NL_HEAD[0], NL_HEAD[7], NL_HEAD[10], NL_HEAD[9]
    total, credit = {}, {}
    for row in body:
        amt = parse_amount(row[ix[kt]], be)
        if row[ix[kc]]:
            assert amt < 0
            credit[row[ix[kc]]] = credit.get(row[ix[kc]], 0) - amt
        else:
            assert row[ix[kn]] not in total
            total[row[ix[kn]]] = amt
            ref = row[ix[kr]]
            if be:
                dg = ref.replace("+", "").replace("/", "")
                assert ogm_valid(dg), ref
            elif ref:
                assert kenmerk_valid(ref), ref
    assert all(k in total for k in credit)
    applied = {}
    lines = list(csv.DictReader(open(os.path.join(out, "truth", "lines.csv"), newline="")))
    full = {"exact", "no-year", "typo", "name-only", "several", "instalments", "short-paid", "undecidable", "no-ref"}
    none = {"duplicate", "unrelated", "refund"}
    for ln in lines:
        amt = parse_amount(ln["amount"], False)
        s = 0
        if ln["invoices"]:
            for part in ln["invoices"].split(";"):
                n, a = part.split("=")
                assert n in total, (ln["line_ref"], n)
                a = parse_amount(a, False)
                applied[n] = applied.get(n, 0) + a
                s += a
        if ln["class"] in full:
            assert s == amt and amt > 0, ln
        elif ln["class"] in none:
            assert s == 0, ln
        elif ln["class"] == "partial-ledger":
            assert 0 <= s < amt, ln
        else:
            raise AssertionError(ln["class"])
    opens = {r["invoice"]: parse_amount(r["open"], False)
             for r in csv.DictReader(open(os.path.join(out, "truth", "open.csv"), newline=""))}
    assert set(opens) == set(total), "open.csv must list every invoice of the ledger"
    for n, t in total.items():
        o = t - credit.get(n, 0) - applied.get(n, 0)
        assert o >= 0 and o == opens[n], (n, o, opens[n])
    # bank file amounts agree with the truth
    amounts = {ln["line_ref"]: parse_amount(ln["amount"], False) for ln in lines}
    if be:
        txt = open(os.path.join(out, "bank", "kbc-2025-2026.sta"), "rb").read().decode("ascii")
        seen = 0
        opening = None
        run = None
        for l in txt.split("\r\n"):
            if l.startswith(":60F:"):
                opening = parse_amount(l[15:], True) * (1 if l[5] == "C" else -1)
                if run is not None:
                    assert run == opening
                run = opening
            elif l.startswith(":61:"):
                body = l[4:]
                cd = body[10]
                k = 11
                while body[k] in "0123456789,":
                    k += 1
                a = parse_amount(body[11:k], True) * (1 if cd == "C" else -1)
                ref = body.split("//")[1]
                assert amounts[ref] == a, ref
                run += a
                seen += 1
            elif l.startswith(":62F:"):
                assert run == parse_amount(l[15:], True) * (1 if l[5] == "C" else -1)
            elif l.startswith(":86:"):
                pass
            assert len(l) <= 69, l
        assert seen == len(lines)
    else:
        rows = list(csv.reader(open(os.path.join(out, "bank", "ing-2025-2026.csv"), encoding="utf-8"), delimiter=";"))
        assert len(rows) - 1 == len(lines)
        prev = None
        for k, row in enumerate(rows[1:], 1):
            a = parse_amount(row[6], True) * (1 if row[5] == "Bij" else -1)
            assert amounts[f"R{k:05d}"] == a
            s = parse_amount(row[9], True)
            if prev is not None:
                assert s == prev + a
            prev = s
            assert row[0] >= (rows[k - 1][0] if k > 1 else "0")
            if row[3]:
                assert iban_valid(row[3]), row[3]
    return len(total), len(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--set", required=True, choices=["be-mt940", "nl-ing"])
    ap.add_argument("--seed", type=int, default=20260630)
    ap.add_argument("--invoices", type=int, default=1000)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    g = Gen(a.set, a.seed, a.invoices)
    g.build()
    g.make_credits()
    g.plan_payments()
    g.make_invoice_lines()
    g.make_other_lines()
    g.finish()
    os.makedirs(os.path.join(a.out, "bank"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "truth"), exist_ok=True)
    for name in os.listdir(os.path.join(a.out, "bank")):
        os.remove(os.path.join(a.out, "bank", name))
    g.write_ledger(os.path.join(a.out, "ledger.csv"))
    if g.be:
        own = iban_make("BE", "7340" + "412785" + f"{int('7340412785') % 97 or 97:02d}")
        g.write_mt940(os.path.join(a.out, "bank", "kbc-2025-2026.sta"), own)
    else:
        own = iban_make("NL", "INGB" + "0006718243")
        g.write_ing(os.path.join(a.out, "bank", "ing-2025-2026.csv"), own)
    for acc in [x for d in g.debtors for x in d.accounts]:
        assert iban_valid(acc.iban), acc.iban
    s = g.write_truth(os.path.join(a.out, "truth"))
    n_inv, n_lines = self_check(a.out, g.be)
    print(f"{a.set}: {n_inv} invoices, {s['credit_notes_in_ledger']} credit notes, {n_lines} bank lines; "
          f"self-check passed", file=sys.stderr)
    print(json.dumps(s["lines_per_class"]), file=sys.stderr)


if __name__ == "__main__":
    main()
