#!/usr/bin/env python3
"""Checks a set written by othergen.py from its files alone (it imports nothing from it).

    python3 check.py DIR [DIR ...]

Balances add up, every truth row refers to an existing bank line and ledger invoice, every open
amount is the invoice total less its credit notes less the payments applied, and the classes
look like what they claim. Exits 1 on the first set with a failure, after printing them all.
"""
from __future__ import annotations

import csv
import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict

CLASSES = {"exact", "no-year", "typo", "name-only", "instalments", "several", "names-missing",
           "ambiguous", "unrelated"}
CREDIT_HEADERS = {"Gecrediteerde factuur", "Oorspronkelijke factuur", "Original invoice",
                  "Credited invoice", "Related invoice"}
RABO_HEADER = ["IBAN/BBAN", "Munt", "BIC", "Volgnr", "Datum", "Rentedatum", "Bedrag",
               "Saldo na trn", "Tegenrekening IBAN/BBAN", "Naam tegenpartij",
               "Naam uiteindelijke partij", "Naam initiërende partij", "BIC tegenpartij", "Code",
               "Batch ID", "Transactiereferentie", "Machtigingskenmerk", "Incassant ID",
               "Betalingskenmerk", "Omschrijving-1", "Omschrijving-2", "Omschrijving-3",
               "Reden retour", "Oorspr bedrag", "Oorspr munt", "Koers"]
NS = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"}


def cents(text: str, decimal: str) -> int:
    """'1.234,56' (decimal ',') or '1,234.56' / '+12,50' to cents, strictly."""
    t = text.strip()
    thousands = "." if decimal == "," else ","
    m = re.fullmatch(r"([+-]?)(\d{1,3}(?:\%s\d{3})*|\d+)\%s(\d\d)" % (thousands, decimal), t)
    if not m:
        raise ValueError(f"bad amount {text!r}")
    whole = int(m.group(2).replace(thousands, ""))
    c = whole * 100 + int(m.group(3))
    return -c if m.group(1) == "-" else c


def kenmerk_ok(k: str) -> bool:
    if len(k) != 16 or not k.isdigit():
        return False
    weights = [2, 4, 8, 5, 10, 9, 7, 3, 6, 1, 2, 4, 8, 5, 10]
    total = sum(int(ch) * w for ch, w in zip(reversed(k[1:]), weights))
    check = 11 - total % 11
    return int(k[0]) == {10: 1, 11: 0}.get(check, check)


def iban_ok(iban: str) -> bool:
    s = iban[4:] + iban[:4]
    return bool(re.fullmatch(r"[A-Z]{2}\d\d[A-Z0-9]+", iban)) and \
        int("".join(str(int(ch, 36)) for ch in s)) % 97 == 1


class Check:
    def __init__(self, root: str):
        self.root = root
        self.errors: list[str] = []
        self.info: list[str] = []

    def fail(self, msg: str):
        if len(self.errors) < 60:
            self.errors.append(msg)

    # ------------------------------------------------------------------ ledger
    def read_ledger(self):
        raw = open(os.path.join(self.root, "ledger.csv"), encoding="utf-8", newline="").read()
        first = raw.split("\n", 1)[0]
        self.dialect = "nl" if first.count(";") > first.count(",") else "en"
        delim, dec = (";", ",") if self.dialect == "nl" else (",", ".")
        rows = list(csv.reader(raw.splitlines(), delimiter=delim))
        header = rows[0]
        credit_cols = [h for h in header if h in CREDIT_HEADERS]
        if len(credit_cols) != 1:
            self.fail(f"ledger: expected one credit-note column, header is {header}")
        col = {h: i for i, h in enumerate(header)}
        names = (["Factuurnummer", "Factuurdatum", "Vervaldatum", "Debiteurnummer", "Naam",
                  "Bedrag incl. BTW", "BTW", "Valuta", "Betalingskenmerk", "Status"]
                 if self.dialect == "nl" else
                 ["Invoice No", "Invoice Date", "Due Date", "Customer ID", "Customer Name",
                  "Total", "Tax", "Currency", "Payment Reference", "Status"])
        for n in names:
            if n not in col:
                self.fail(f"ledger: column {n} missing")
        num, date, due, deb, name, total, vat, ccy, ref, status = (col.get(n) for n in names)
        cred = col.get(credit_cols[0]) if credit_cols else None
        date_re = r"\d\d-\d\d-\d{4}" if self.dialect == "nl" else r"\d{4}-\d\d-\d\d"
        self.docs: dict[str, dict] = {}
        kenmerken = Counter()
        for i, r in enumerate(rows[1:], 2):
            if len(r) != len(header):
                self.fail(f"ledger line {i}: {len(r)} fields, header has {len(header)}")
                continue
            if r[num] in self.docs:
                self.fail(f"ledger line {i}: number {r[num]} twice")
            for c in (date, due):
                if not re.fullmatch(date_re, r[c]):
                    self.fail(f"ledger line {i}: date {r[c]!r}")
            d = {"number": r[num], "debtor": r[deb], "name": r[name], "total": cents(r[total], dec),
                 "vat": cents(r[vat], dec), "kenmerk": r[ref], "credited": r[cred] if cred is not None else "",
                 "status": r[status], "line": i}
            d["kind"] = "credit" if d["credited"] else "invoice"
            if (d["total"] < 0) != (d["kind"] == "credit"):
                self.fail(f"ledger line {i}: credit-note column and sign disagree")
            if r[ccy] != "EUR":
                self.fail(f"ledger line {i}: currency {r[ccy]}")
            if d["kenmerk"]:
                kenmerken[d["kenmerk"]] += 1
                if not kenmerk_ok(d["kenmerk"]):
                    self.fail(f"ledger line {i}: betalingskenmerk {d['kenmerk']} fails mod 11")
            if d["status"] not in ("", "Openstaand", "Open", "Betwist", "Disputed"):
                self.fail(f"ledger line {i}: status {d['status']!r}")
            self.docs[d["number"]] = d
        for k, n in kenmerken.items():
            if n > 1:
                self.fail(f"ledger: betalingskenmerk {k} on {n} documents")
        self.credits_of = defaultdict(int)
        for d in self.docs.values():
            if d["kind"] == "credit":
                inv = self.docs.get(d["credited"])
                if not inv or inv["kind"] != "invoice":
                    self.fail(f"ledger: credit note {d['number']} credits unknown {d['credited']}")
                elif inv["debtor"] != d["debtor"]:
                    self.fail(f"ledger: credit note {d['number']} is another debtor's")
                else:
                    self.credits_of[inv["number"]] += d["total"]
        self.invoices = {n: d for n, d in self.docs.items() if d["kind"] == "invoice"}

    # ------------------------------------------------------------------ bank
    def read_bank(self):
        files = glob.glob(os.path.join(self.root, "bank", "*"))
        if len(files) != 1:
            self.fail(f"bank/: expected one statement, found {files}")
            return
        path = files[0]
        self.lines: list[dict] = []
        if path.endswith(".xml"):
            self.read_camt(path)
        else:
            self.read_rabo(path)
        refs = Counter(l["ref"] for l in self.lines)
        for r, n in refs.items():
            if n > 1:
                self.fail(f"bank: reference {r} on {n} lines")
        for l in self.lines:
            if l["iban"] and not iban_ok(l["iban"]):
                self.fail(f"bank {l['ref']}: IBAN {l['iban']} fails mod 97")
        dates = [l["date"] for l in self.lines]
        if dates != sorted(dates):
            self.fail("bank: lines not in date order")

    def read_camt(self, path: str):
        root = ET.parse(path).getroot()
        stmts = root.findall("c:BkToCstmrStmt/c:Stmt", NS)
        if len(stmts) != 1:
            self.fail(f"camt: {len(stmts)} statements")
        st = stmts[0]
        bal = {}
        for b in st.findall("c:Bal", NS):
            code = b.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=NS)
            amt = cents(b.findtext("c:Amt", namespaces=NS), ".")
            if b.findtext("c:CdtDbtInd", namespaces=NS) == "DBIT":
                amt = -amt
            bal[code] = amt
        for e in st.findall("c:Ntry", NS):
            amt = cents(e.findtext("c:Amt", namespaces=NS), ".")
            ind = e.findtext("c:CdtDbtInd", namespaces=NS)
            if ind not in ("CRDT", "DBIT"):
                self.fail(f"camt: CdtDbtInd {ind}")
            if ind == "DBIT":
                amt = -amt
            if e.findtext("c:Sts", namespaces=NS) != "BOOK":
                self.fail("camt: entry not booked")
            tx = e.find("c:NtryDtls/c:TxDtls", NS)
            party = "Dbtr" if ind == "CRDT" else "Cdtr"
            name = iban = text = sref = ""
            if tx is not None:
                name = tx.findtext(f"c:RltdPties/c:{party}/c:Nm", default="", namespaces=NS)
                iban = tx.findtext(f"c:RltdPties/c:{party}Acct/c:Id/c:IBAN", default="", namespaces=NS)
                text = " ".join(u.text or "" for u in tx.findall("c:RmtInf/c:Ustrd", NS))
                sref = tx.findtext("c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref", default="", namespaces=NS)
            else:
                text = e.findtext("c:AddtlNtryInf", default="", namespaces=NS)
            self.lines.append({"ref": e.findtext("c:AcctSvcrRef", namespaces=NS), "amount": amt,
                               "date": e.findtext("c:BookgDt/c:Dt", namespaces=NS),
                               "valdt": e.findtext("c:ValDt/c:Dt", namespaces=NS),
                               "name": name, "iban": iban, "text": text,
                               "sref": sref.replace(" ", "")})
        if "OPBD" not in bal or "CLBD" not in bal:
            self.fail(f"camt: balances {sorted(bal)}; need OPBD and CLBD")
            return
        net = sum(l["amount"] for l in self.lines)
        if bal["OPBD"] + net != bal["CLBD"]:
            self.fail(f"camt: OPBD {bal['OPBD']} + entries {net} != CLBD {bal['CLBD']}")
        s = st.find("c:TxsSummry", NS)
        if s is not None:
            n = int(s.findtext("c:TtlNtries/c:NbOfNtries", namespaces=NS))
            cr = cents(s.findtext("c:TtlCdtNtries/c:Sum", namespaces=NS), ".")
            db = cents(s.findtext("c:TtlDbtNtries/c:Sum", namespaces=NS), ".")
            if n != len(self.lines) or cr != sum(l["amount"] for l in self.lines if l["amount"] > 0) \
                    or db != -sum(l["amount"] for l in self.lines if l["amount"] < 0):
                self.fail("camt: TxsSummry does not match the entries")
        self.info.append(f"camt: {len(self.lines)} entries, OPBD {bal['OPBD']/100:.2f} "
                         f"+ {net/100:.2f} = CLBD {bal['CLBD']/100:.2f}")

    def read_rabo(self, path: str):
        with open(path, encoding="utf-8", newline="") as f:
            raw = f.read()
        rows = list(csv.reader(raw.splitlines()))
        if rows[0] != RABO_HEADER:
            self.fail(f"rabo: header differs: {rows[0]}")
        if not all(line.startswith('"') and line.endswith('"') for line in raw.splitlines()):
            self.fail("rabo: not every field quoted")
        col = {h: i for i, h in enumerate(RABO_HEADER)}
        prev = None
        volg = []
        for r in rows[1:]:
            if not re.fullmatch(r"[+-]\d+,\d\d", r[col["Bedrag"]]):
                self.fail(f"rabo {r[3]}: amount {r[col['Bedrag']]!r}")
            amt = cents(r[col["Bedrag"]], ",")
            saldo = cents(r[col["Saldo na trn"]], ",")
            if prev is not None and prev + amt != saldo:
                self.fail(f"rabo {r[3]}: saldo {prev} + {amt} != {saldo}")
            if prev is None:
                self.opening = saldo - amt
            prev = saldo
            volg.append(int(r[col["Volgnr"]]))
            text = " ".join(x for x in (r[col["Omschrijving-1"]], r[col["Omschrijving-2"]],
                                        r[col["Omschrijving-3"]]) if x)
            self.lines.append({"ref": r[col["Volgnr"]], "amount": amt, "date": r[col["Datum"]],
                               "valdt": r[col["Rentedatum"]], "name": r[col["Naam tegenpartij"]],
                               "iban": r[col["Tegenrekening IBAN/BBAN"]], "text": text,
                               "sref": r[col["Betalingskenmerk"]]})
        if volg != sorted(volg) or len(set(volg)) != len(volg):
            self.fail("rabo: Volgnr not strictly increasing")
        self.info.append(f"rabo: {len(self.lines)} rows, opening {self.opening/100:.2f}, "
                         f"closing {prev/100:.2f}, running saldo consistent")

    # ------------------------------------------------------------------ truth
    def read_truth(self):
        t = os.path.join(self.root, "truth")
        with open(os.path.join(t, "lines.csv"), encoding="utf-8", newline="") as f:
            self.truth = list(csv.DictReader(f))
        with open(os.path.join(t, "open.csv"), encoding="utf-8", newline="") as f:
            self.open = list(csv.DictReader(f))
        with open(os.path.join(t, "summary.json"), encoding="utf-8") as f:
            self.summary = json.load(f)

    def check_truth(self):
        bank = {l["ref"]: l for l in self.lines}
        if [r["line_ref"] for r in self.truth] != [l["ref"] for l in self.lines]:
            self.fail("truth/lines.csv: refs are not the bank lines one to one, in order")
        applied = defaultdict(int)
        seen_with_line = set()
        classes = Counter()
        ibans_used = Counter(l["iban"] for l in self.lines if l["iban"])
        for r in self.truth:
            ref, cls = r["line_ref"], r["class"]
            classes[cls] += 1
            if cls not in CLASSES:
                self.fail(f"truth {ref}: class {cls}")
            line = bank.get(ref)
            if line is None:
                self.fail(f"truth {ref}: no such bank line")
                continue
            amount = cents(r["amount"], ".")
            if amount != line["amount"]:
                self.fail(f"truth {ref}: amount {amount} but the bank says {line['amount']}")
            parts = [p for p in r["invoices"].split(";") if p]
            total = 0
            debtors = set()
            for p in parts:
                number, _, a = p.partition("=")
                if number not in self.invoices:
                    self.fail(f"truth {ref}: {number} is not an invoice in the ledger")
                    continue
                c = cents(a, ".")
                if c <= 0:
                    self.fail(f"truth {ref}: non-positive amount for {number}")
                applied[number] += c
                total += c
                seen_with_line.add(number)
                debtors.add(self.invoices[number]["debtor"])
            if len(debtors) > 1:
                self.fail(f"truth {ref}: one line pays invoices of several debtors")
            text = (line["text"] + " " + line["sref"]).lower()
            if cls in ("unrelated", "ambiguous", "names-missing"):
                if parts:
                    self.fail(f"truth {ref}: class {cls} must apply nothing")
            elif not parts and "duplicate" not in r["note"]:
                self.fail(f"truth {ref}: class {cls} applies nothing")
            if line["amount"] < 0 and cls != "unrelated":
                self.fail(f"truth {ref}: money out classed {cls}")
            if cls in ("exact", "no-year", "typo", "name-only", "several") and total != amount:
                self.fail(f"truth {ref}: {cls} applies {total} of {amount}")
            if cls == "instalments" and total > amount:
                self.fail(f"truth {ref}: applies more than the line")
            if cls == "exact":
                n = parts[0].split("=")[0]
                inv = self.invoices.get(n, {})
                if n.lower() not in text and (not inv.get("kenmerk") or inv["kenmerk"] not in text):
                    self.fail(f"truth {ref}: exact, but neither {n} nor its kenmerk is in {text!r}")
            if cls == "no-year":
                n = parts[0].split("=")[0]
                if n.lower() in text:
                    self.fail(f"truth {ref}: no-year line names the full number {n}")
                seq = int(re.search(r"(\d+)$", n).group(1))
                if str(seq) not in text:
                    self.fail(f"truth {ref}: no-year text {text!r} lacks sequence {seq}")
                same_seq = [d for d in self.docs.values()
                            if int(re.search(r"(\d+)$", d["number"]).group(1)) == seq]
                if len(same_seq) < 2:
                    self.fail(f"truth {ref}: sequence {seq} is not shared")
                if sum(1 for d in same_seq if d["total"] == amount or
                       d["total"] + self.credits_of[d["number"]] == amount) != 1:
                    self.fail(f"truth {ref}: amount {amount} fits not exactly one of {seq}")
            if cls == "typo":
                n = parts[0].split("=")[0]
                written = [w for w in re.findall(r"[a-z]+-?\d{4}-\d+", text)]
                if n.lower() in text or not written or written[0].upper() not in self.invoices:
                    self.fail(f"truth {ref}: typo text {text!r} does not name another real invoice")
            if cls in ("no-year", "typo"):
                m = re.search(r"account is known from line (\S+)$", r["note"])
                first = bank.get(m.group(1)) if m else None
                if not first or first["iban"] != line["iban"] or first["date"] >= line["date"]:
                    self.fail(f"truth {ref}: {cls} without an earlier line from the same account")
            if cls == "name-only":
                n = parts[0].split("=")[0]
                if ibans_used[line["iban"]] != 1:
                    self.fail(f"truth {ref}: name-only from an IBAN used elsewhere")
                if line["name"] == self.invoices[n]["name"]:
                    self.fail(f"truth {ref}: name-only with the ledger's own spelling")
                if re.search(r"\d{3,}", text):
                    self.fail(f"truth {ref}: name-only text has a number: {text!r}")
            if cls == "names-missing":
                m = re.search(r"names (\S+), which is not in the ledger", r["note"])
                if not m or m.group(1) in self.docs or m.group(1).lower() not in text:
                    self.fail(f"truth {ref}: names-missing note/text wrong: {r['note']!r}")
            if cls == "ambiguous":
                cands = re.findall(r"[A-Z]+-?\d{4}-\d+", r["note"])
                if len(cands) < 2:
                    self.fail(f"truth {ref}: ambiguous lists {cands}")
                for c in cands:
                    inv = self.invoices.get(c)
                    if not inv or inv["total"] != amount:
                        self.fail(f"truth {ref}: candidate {c} does not have amount {amount}")
                if len({self.invoices[c]["debtor"] for c in cands if c in self.invoices}) != 1:
                    self.fail(f"truth {ref}: candidates of several debtors")
        self.classes = classes
        # open.csv: every invoice exactly once; open = total - credits - applied.
        rows = {}
        for r in self.open:
            if r["invoice"] in rows:
                self.fail(f"open.csv: {r['invoice']} twice")
            rows[r["invoice"]] = cents(r["open"], ".")
        if set(rows) != set(self.invoices):
            miss = sorted(set(self.invoices) - set(rows))[:5]
            extra = sorted(set(rows) - set(self.invoices))[:5]
            self.fail(f"open.csv: missing {miss}, not invoices {extra}")
        unpaid = 0
        for n, inv in self.invoices.items():
            want = inv["total"] + self.credits_of[n] - applied[n]
            got = rows.get(n)
            if got != want:
                self.fail(f"open.csv: {n} open {got}, but total {inv['total']} + credits "
                          f"{self.credits_of[n]} - applied {applied[n]} = {want}")
            if want < 0:
                self.fail(f"open.csv: {n} is overpaid/overcredited ({want})")
            if n not in seen_with_line and want > 0:
                unpaid += 1
        share = unpaid / max(1, len(self.invoices))
        self.info.append(f"unpaid (no bank line, open > 0): {unpaid} of {len(self.invoices)} = {share:.1%}")
        if not 0.25 <= share <= 0.35:
            self.fail(f"unpaid share {share:.1%} outside 25-35%")
        # summary.json agrees, every class appears.
        partial = self.summary["args"]["partial"]
        want_classes = CLASSES - ({"names-missing"} if not partial else set())
        for c in sorted(want_classes):
            if classes[c] == 0:
                self.fail(f"class {c} does not appear")
            if self.summary["classes"].get(c) != classes[c]:
                self.fail(f"summary.json: {c} {self.summary['classes'].get(c)} != {classes[c]}")
        if not partial and classes["names-missing"]:
            self.fail("names-missing lines without --partial")
        kinds = self.summary.get("instalments_kinds", {})
        for k in ("instalment", "duplicate", "short"):
            if not kinds.get(k):
                self.fail(f"instalments kind {k} does not appear")
        # A debtor mostly pays from one account: learnable.
        by_debtor = defaultdict(Counter)
        for r in self.truth:
            if r["class"] in ("exact", "no-year", "typo", "instalments", "several") and r["invoices"]:
                d = self.invoices[r["invoices"].split("=")[0]]["debtor"]
                by_debtor[d][bank[r["line_ref"]]["iban"]] += 1
        lines = sum(sum(c.values()) for c in by_debtor.values())
        top = sum(c.most_common(1)[0][1] for c in by_debtor.values())
        self.info.append(f"payments from the debtor's most used account: {top}/{lines} = {top/max(1,lines):.0%}")

    def sizes(self):
        total = 0
        for dirpath, _, files in os.walk(self.root):
            for fn in files:
                size = os.path.getsize(os.path.join(dirpath, fn))
                total += size
                if size > 1_000_000:
                    self.fail(f"{fn}: {size} bytes, over 1 MB")
        self.info.append(f"files: {total/1e6:.2f} MB in all")

    def run(self) -> bool:
        self.read_ledger()
        self.read_bank()
        self.read_truth()
        self.check_truth()
        self.sizes()
        print(f"== {self.root}: {'OK' if not self.errors else 'FAILED'}")
        for i in self.info:
            print("   ", i)
        print("    classes:", dict(sorted(self.classes.items())))
        for e in self.errors:
            print("  !", e)
        return not self.errors


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ok = all([Check(d).run() for d in sys.argv[1:]])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
