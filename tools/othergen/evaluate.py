#!/usr/bin/env python3
"""Judges incasso on a set written by othergen.py (a generator that never saw the matcher).

Usage: python3 tools/othergen/evaluate.py [--bin target/release/incasso] SET_DIR [SET_DIR ...]

For each set: imports ledger.csv and bank/ into a fresh store, then compares
- `receivables` with truth/open.csv: invoices with exactly the right open amount;
- `claims` with the truth: claimed items already paid in full or in part by the claim date, the
  amount claimed too much, claims with nothing to collect;
- the gate: items held for a possible payment that are truly unpaid (nothing paid at all), as a
  share of the truly unpaid overdue items.
Prints one JSON object per set.
"""
import csv
import io
import json
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path


def run(binary, data, *args):
    out = subprocess.run([binary, "--data-dir", str(data), *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
    return out.stdout


def evaluate(binary, set_dir, as_of):
    set_dir = Path(set_dir)
    truth = {r["invoice"]: Decimal(r["open"]) for r in csv.DictReader(open(set_dir / "truth/open.csv"))}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        run(binary, data, "import", str(set_dir / "ledger.csv"))
        run(binary, data, "import", str(set_dir / "bank"))
        rec = list(csv.DictReader(io.StringIO(run(binary, data, "receivables", "--as-of", as_of, "--format", "csv"))))
        ours = {r["invoice"]: Decimal(r["open"]) for r in rec}
        # Every debtor as a business, so every overdue item meets the gate (no 14-day letters).
        policy = Path(tmp) / "policy.toml"
        policy.write_text('unknown_debtor_type = "business"\n')
        claims = json.loads(
            run(binary, data, "claims", "--as-of", as_of, "--policy", str(policy), "--format", "json")
        )
    right = sum(1 for inv, want in truth.items() if ours.get(inv, Decimal(0)) == want)
    claimed_items = [(c, i) for c in claims["claims"] for i in c["items"]]
    paid_full = [i["number"] for _, i in claimed_items if truth.get(i["number"], Decimal(0)) == 0]
    paid_part = [
        i["number"]
        for _, i in claimed_items
        if 0 < truth.get(i["number"], Decimal(0)) < Decimal(i["claimed"])
    ]
    too_much = sum(
        max(Decimal(i["claimed"]) - truth.get(i["number"], Decimal(0)), Decimal(0)) for _, i in claimed_items
    )
    nothing = [c["id"] for c in claims["claims"] if Decimal(c["amounts"]["principal_outstanding"]) == 0]
    held = [e for e in claims["excluded"] if e["rule"] == "possible-payment"]
    # Truly unpaid: the truth says the whole amount is still open, as the ledger's open does.
    ledger_open = {e["number"]: Decimal(e["open"]) for e in claims["excluded"]}
    for _, i in claimed_items:
        ledger_open[i["number"]] = Decimal(i["open"])
    truly_unpaid_overdue = [
        n for n, o in ledger_open.items() if truth.get(n) is not None and truth[n] == o and o > 0
    ]
    held_unpaid = [e["number"] for e in held if truth.get(e["number"]) == Decimal(e["open"])]
    return {
        "set": set_dir.name,
        "invoices": len(truth),
        "exact_open": right,
        "exact_open_pct": round(100 * right / len(truth), 2),
        "claims": len(claims["claims"]),
        "claimed_items": len(claimed_items),
        "claimed_paid_in_full": len(paid_full),
        "claimed_paid_in_part": len(paid_part),
        "claimed_too_much": str(too_much),
        "claims_with_nothing_to_collect": len(nothing),
        "held_for_possible_payment": len(held),
        "held_truly_unpaid": len(held_unpaid),
        "truly_unpaid_overdue": len(truly_unpaid_overdue),
        "held_truly_unpaid_pct": round(100 * len(held_unpaid) / max(1, len(truly_unpaid_overdue)), 2),
        "examples_paid_in_full": paid_full[:5],
        "examples_paid_in_part": paid_part[:5],
    }


def main():
    args = sys.argv[1:]
    binary = "target/release/incasso"
    as_of = "2026-06-30"
    if args[:1] == ["--bin"]:
        binary, args = args[1], args[2:]
    if args[:1] == ["--as-of"]:
        as_of, args = args[1], args[2:]
    for s in args:
        print(json.dumps(evaluate(binary, s, as_of)))


if __name__ == "__main__":
    main()
