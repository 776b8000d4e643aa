#!/usr/bin/env python3
"""How often one click clears a review item on the sets written by other hands.

Usage: python3 tools/othergen/review_clicks.py [--bin target/release/incasso] [--work] SET_DIR [...]

For each set: imports its ledger and bank/ into a fresh store and lists `incasso review` as of the
set's date. The workbench's review queue shows the same candidates in the same order, and its
"accept" button records the first candidate at its proposed amount. Each payment in review is
joined to its truth line (truth/lines.csv lists the bank lines in the order the bank files hold
them; a payment's source names its file and its line or its statement entry) and judged:

- one click: the first candidate is an invoice the line pays, at the amount it pays it;
- right invoice, other amount: the first candidate's invoice is right, the amount is not;
- another candidate: a later row is right (the person chooses it: two clicks; a row is one
  document of a candidate, so the second document of a two-invoice candidate counts here);
- none: no candidate is right (the person records "not this document", or assigns by hand);
- truth names no invoice: the line is ambiguous by design or pays none of the ledger's invoices
  (the truth's class is counted), so no candidate can be right and none is judged.

Items the claims gate holds (rule possible-payment) are a different kind of review item and are
counted apart. Prints one JSON object per set.

With --work, a person works the queue front to back the way the workbench lets them: the oldest
payment in review is judged as above, then decided (its right invoice accepted or chosen, else
assigned by hand; a line that pays none of the ledger's invoices is marked as paying none), the
queue is listed again (every decision changes what is open, so the next payment's candidates
change), and so on until nothing judged is left.
"""
import csv
import io
import json
import re
import subprocess
import sys
import tempfile
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path


def decide(binary, data, *args):
    """Records a decision; one the ledger refuses (an invoice it does not have) is left out."""
    subprocess.run([binary, "--data-dir", str(data), *args], capture_output=True, text=True)


def run(binary, data, *args):
    out = subprocess.run([binary, "--data-dir", str(data), *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
    return out.stdout


def positions(bank_dir):
    """Every bank line's place, in the order the truth lists them: (file name, place)."""
    out = []
    for f in sorted(Path(bank_dir).iterdir()):
        text = f.read_text(encoding="utf-8", errors="replace")
        if f.suffix.lower() == ".xml":
            # camt.053: entries as the source names them (Stmt[i]/Ntry[j], j counted over the
            # whole file).
            j = 0
            for i, stmt in enumerate(re.split(r"<(?:\w+:)?Stmt>", text)[1:], start=1):
                for _ in re.findall(r"<(?:\w+:)?Ntry>", stmt):
                    j += 1
                    out.append((f.name, f"element Stmt[{i}]/Ntry[{j}]"))
        elif f.suffix.lower() == ".sta":
            # MT940: the line of each :61: statement line.
            for n, line in enumerate(text.splitlines(), start=1):
                if line.startswith(":61:"):
                    out.append((f.name, f"line {n}"))
        else:
            # CSV: every line after the header (a quoted field never spans lines in these sets).
            for n in range(2, len(text.splitlines()) + 1):
                out.append((f.name, f"line {n}"))
    return out


def pays(cell):
    """The truth's `invoices` cell: invoice -> amount it pays."""
    out = {}
    for part in filter(None, (cell or "").split(";")):
        inv, _, amount = part.partition("=")
        out[inv] = Decimal(amount) if amount else None
    return out


def judge(binary, set_dir, work):
    set_dir = Path(set_dir)
    summary = json.loads((set_dir / "truth/summary.json").read_text())
    as_of = summary.get("as_of") or summary.get("parameters", {}).get("as_of", "2026-06-30")
    truth = list(csv.DictReader(open(set_dir / "truth/lines.csv", encoding="utf-8")))
    places = positions(set_dir / "bank")
    if len(places) != len(truth):
        raise SystemExit(f"{set_dir}: {len(places)} bank lines found, the truth lists {len(truth)}")
    line_of = {p: t for p, t in zip(places, truth)}
    ledger = set_dir / "ledger.csv"
    if not ledger.exists():
        ledger = set_dir / "ledger"
    counts = {"one-click": 0, "right-invoice-other-amount": 0, "another-candidate": 0, "none": 0}
    unjoined = 0
    no_invoice = {}
    held = 0
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        run(binary, data, "import", str(ledger))
        run(binary, data, "import", str(set_dir / "bank"))
        source = {}
        done = set()
        while True:
            # Listed again each pass: a decision can send another payment to review.
            for u in csv.DictReader(
                io.StringIO(run(binary, data, "unmatched", "--as-of", as_of, "--format", "csv"))
            ):
                path, _, place = u["source"].rpartition(", ")
                source[u["payment"]] = (Path(path).name, place, Decimal(u["amount"]))
            review = list(
                csv.DictReader(io.StringIO(run(binary, data, "review", "--as-of", as_of, "--format", "csv")))
            )
            candidates = OrderedDict()
            held = 0
            for r in review:
                if r["rule"] == "possible-payment":
                    held += 1
                elif r["payment"] not in done:
                    candidates.setdefault(r["payment"], []).append(r)
            if not candidates:
                break
            if work:
                # The oldest first, as the queue lists them.
                first_payment = min(candidates, key=lambda p: (candidates[p][0]["date"], p))
                candidates = {first_payment: candidates[first_payment]}
            for payment, rows in candidates.items():
                done.add(payment)
                place = source.get(payment)
                line = line_of.get(place[:2]) if place else None
                # Joined by place; the amounts must agree too, or the join is not trusted.
                if line is None or abs(Decimal(line["amount"])) != place[2]:
                    unjoined += 1
                    continue
                paid = pays(line["invoices"])
                if not paid:
                    no_invoice[line["class"]] = no_invoice.get(line["class"], 0) + 1
                    if work:
                        decide(binary, data, "unallocate", payment)
                    continue
                first = rows[0]
                if first["document"] in paid:
                    want = paid[first["document"]]
                    if want is None or Decimal(first["proposed"]) == want:
                        counts["one-click"] += 1
                    else:
                        counts["right-invoice-other-amount"] += 1
                elif any(r["document"] in paid for r in rows[1:]):
                    counts["another-candidate"] += 1
                else:
                    counts["none"] += 1
                if work:
                    for inv, amount in paid.items():
                        decide(binary, data, "allocate", payment, inv, *([str(amount)] if amount is not None else []))
            if not work:
                break
    judged = sum(counts.values())
    return {
        "set": set_dir.name,
        "worked_front_to_back": work,
        "as_of": as_of,
        "payments_judged": sum(counts.values()) + sum(no_invoice.values()),
        **counts,
        "one_click_share": round(counts["one-click"] / judged, 3) if judged else None,
        "first_invoice_right_share": round(
            (counts["one-click"] + counts["right-invoice-other-amount"]) / judged, 3
        )
        if judged
        else None,
        "truth_names_no_invoice": no_invoice,
        "not_joined": unjoined,
        "invoices_held_by_the_gate": held,
    }


def main():
    args = sys.argv[1:]
    binary = "target/release/incasso"
    if args[:1] == ["--bin"]:
        binary, args = args[1], args[2:]
    work = args[:1] == ["--work"]
    if work:
        args = args[1:]
    for s in args:
        print(json.dumps(judge(binary, s, work)))


if __name__ == "__main__":
    main()
