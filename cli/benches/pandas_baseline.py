"""The analyst's pandas script the performance issue measures incasso against: read the ledger
export and the bank CSV, take the invoice number out of each payment's text with a regex, apply
the money, and age what is open. Naive on purpose (no reference checks, no payer, no review):
the baseline a tool has to beat, not a reconciliation to trust.

Usage: python3 pandas_baseline.py LEDGER.csv BANK.csv YYYY-MM-DD
"""

import sys

import pandas as pd

ledger_path, bank_path, as_of = sys.argv[1:4]

ledger = pd.read_csv(ledger_path, sep=";", dtype=str)
ledger["number"] = ledger["Factuurnummer"].str.strip()
ledger["total"] = (
    ledger["Bedrag incl. BTW"]
    .str.replace(".", "", regex=False)
    .str.replace(",", ".", regex=False)
    .astype(float)
)
ledger["due"] = pd.to_datetime(ledger["Vervaldatum"], format="%d-%m-%Y")

bank = pd.read_csv(bank_path, dtype=str)
bank["amount"] = bank["Bedrag"].str.replace(",", ".", regex=False).astype(float)
bank = bank[bank["amount"] > 0]
bank["number"] = bank["Omschrijving-1"].str.extract(r"(F\d{4}-\d{7})", expand=False)
paid = bank.groupby("number")["amount"].sum()

ledger["paid"] = ledger["number"].map(paid).fillna(0.0)
ledger["open"] = (ledger["total"] - ledger["paid"]).clip(lower=0.0)
open_items = ledger[ledger["open"] > 0.005]
days = (pd.Timestamp(as_of) - open_items["due"]).dt.days
buckets = pd.cut(
    days,
    [-(10**6), 0, 30, 60, 90, 10**6],
    labels=["current", "1-30", "31-60", "61-90", "90+"],
)
table = open_items.groupby([open_items["Valuta"], buckets], observed=False)["open"].sum()
print(table.unstack())
