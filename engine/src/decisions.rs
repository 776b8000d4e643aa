//! A person's decisions about payments: "this payment pays that document" and "not this one".
//! They win over the matching rules on every later run, and the audit log says who made them.

/// Who runs this process, for the audit log: the operating system's user name. `USER` (or
/// `USERNAME`), else, where cron, systemd or a container sets neither, the name the password
/// file gives the process's user id (review 45d, F-10: the log said "unknown user").
pub fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .or_else(user_of_uid)
        .unwrap_or_else(|| "unknown user".into())
}

/// The process's user name from its real user id (`/proc/self/status`) and `/etc/passwd`; the
/// id itself when the file does not name it.
fn user_of_uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let named = std::fs::read_to_string("/etc/passwd").ok().and_then(|p| {
        p.lines().find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            (f.nth(1)? == uid).then(|| name.to_string())
        })
    });
    Some(named.unwrap_or_else(|| format!("uid {uid}")))
}

use anyhow::Result;
use incasso_core::ids::DocumentNumber;
use incasso_core::matching::{decisions_in_force, ManualDecision};
use incasso_core::model::{DocumentKey, DocumentKind};
use incasso_store::Store;
use rust_decimal::Decimal;

use crate::Workspace;

/// The document a user names: the invoice of that number, else the credit note; with how to
/// name it back, saying which was chosen when both have the number (two numbering series that
/// overlap), so a person never decides about the other one unknowingly.
fn document_key(store: &Store, number: &str) -> Result<(DocumentKey, String)> {
    let n = DocumentNumber::new(number)?;
    let creditor = store.creditor()?;
    let key = |kind| DocumentKey {
        creditor: creditor.clone(),
        kind,
        number: n.normalised().into_owned(),
    };
    let exists = |kind| -> Result<bool> { Ok(!store.document_history(&key(kind))?.is_empty()) };
    match (
        exists(DocumentKind::Invoice)?,
        exists(DocumentKind::CreditNote)?,
    ) {
        (true, false) => Ok((key(DocumentKind::Invoice), n.normalised().into_owned())),
        (false, true) => Ok((
            key(DocumentKind::CreditNote),
            format!("credit note {}", n.normalised()),
        )),
        (true, true) => Ok((
            key(DocumentKind::Invoice),
            format!(
                "invoice {0} (a credit note has the number {0} too; the invoice is meant)",
                n.normalised()
            ),
        )),
        (false, false) => anyhow::bail!("document {number} is not in the ledger"),
    }
}

/// An amount a person typed: `1234.50`, `1234,50`, `1.234,50` or `1,234.50`, never more than two
/// decimals. One separator followed by three digits (`1.000`) is a thousand to a Dutch reader and
/// one to an English one: refused, as a third decimal is (review 45d, F-3: `1.000` was taken as
/// 1.00 and `12,505` as 12.51).
pub fn typed_amount(text: &str) -> Result<Decimal> {
    let t = text.trim();
    let bad = || anyhow::anyhow!("'{t}' is not an amount like 1234.50 or 1234,50");
    anyhow::ensure!(
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ','),
        bad()
    );
    let marks: Vec<(usize, char)> = t
        .char_indices()
        .filter(|(_, c)| !c.is_ascii_digit())
        .collect();
    let decimal = match marks.as_slice() {
        [] => None,
        [(i, _)] if t.len() - i - 1 == 3 && !t[..*i].trim_start_matches('0').is_empty() => anyhow::bail!(
            "'{t}' may be a thousand or a number with three decimals: write it without the separator for thousands ({}) or with two decimals",
            t.replace(['.', ','], "")
        ),
        [(i, _)] => Some(*i),
        [.., (i, last)] => {
            // The last mark is the decimal one when it differs from the others; separators of
            // thousands alone (`1.000.000`) leave none.
            let others = &marks[..marks.len() - 1];
            if others.iter().all(|(_, c)| c != last) {
                Some(*i)
            } else {
                anyhow::ensure!(others.iter().all(|(_, c)| c == last), bad());
                None
            }
        }
    };
    let (int, frac) = match decimal {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => (t, ""),
    };
    // Separators of thousands stand between groups of three digits (review 45e, F-5: `1.234.50`
    // was read as 123450).
    let groups: Vec<&str> = int.split(['.', ',']).collect();
    anyhow::ensure!(
        groups.len() == 1
            || ((1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3)),
        "'{t}': a separator of thousands stands between groups of three digits; write it as 1234.50 or 1234,50"
    );
    let int: String = int.chars().filter(char::is_ascii_digit).collect();
    anyhow::ensure!(!int.is_empty(), bad());
    anyhow::ensure!(
        frac.len() <= 2 && frac.chars().all(|c| c.is_ascii_digit()),
        "'{t}' has more than two decimals: money is in cents"
    );
    let joined = if frac.is_empty() {
        int
    } else {
        format!("{int}.{frac}")
    };
    // In cents, as every amount is shown: `500` is 500.00.
    let mut amount = joined.parse::<Decimal>().map_err(|_| bad())?;
    amount.rescale(2);
    Ok(amount)
}

/// The allocations by hand of a payment still in force, oldest first: each document with the
/// amount given (`None`: what it has open), those taken back since left out.
fn allocations_in_force(
    store: &Store,
    payment: &str,
) -> Result<Vec<(DocumentKey, Option<Decimal>)>> {
    let decisions = store.decisions()?;
    Ok(decisions_in_force(&decisions)
        .allocations
        .into_iter()
        .filter(|(p, ..)| *p == payment)
        .map(|(_, d, a)| (d.clone(), a))
        .collect())
}

/// What the books say a document has open (nothing when paid or cancelled): the most an
/// allocation by hand without an amount takes of a payment.
fn open_in_books(store: &Store, key: &DocumentKey) -> Result<Decimal> {
    if key.kind != DocumentKind::Invoice {
        return Ok(Decimal::ZERO);
    }
    let Some(last) = store.document_history(key)?.pop() else {
        return Ok(Decimal::ZERO);
    };
    let d = last.document;
    Ok(
        if d.status == incasso_core::model::DocumentStatus::Paid || d.status.is_cancelled() {
            Decimal::ZERO
        } else {
            d.source_open.unwrap_or(d.total).max(Decimal::ZERO)
        },
    )
}

/// What the books say a document's total is: the most a decision about it can take.
fn total_in_books(store: &Store, key: &DocumentKey) -> Result<Decimal> {
    Ok(store
        .document_history(key)?
        .pop()
        .map_or(Decimal::ZERO, |d| d.document.total.max(Decimal::ZERO)))
}

/// The amount of the payment a decision names, or why there is none.
fn known_payment(store: &Store, id: &str) -> Result<Decimal> {
    store.payment_amount(id)?.ok_or_else(|| {
        anyhow::anyhow!(
            "payment {id} is not in the ledger (see `incasso unmatched` or `incasso allocations`)"
        )
    })
}

/// Records that a payment pays a document (all of what is open, or `amount`), made by `by`
/// (who, through what: the audit log says); the document as it was understood, for the answer.
pub fn allocate(
    ws: &Workspace,
    payment: &str,
    document: &str,
    amount: Option<Decimal>,
    by: &str,
) -> Result<String> {
    let store = ws.store()?;
    let paid = known_payment(store, payment)?;
    let (document, number) = document_key(store, document)?;
    anyhow::ensure!(
        amount.is_none_or(|a| a > Decimal::ZERO),
        "the amount must be positive"
    );
    if let Some(a) = amount {
        anyhow::ensure!(
            a <= paid,
            "{a} is more than payment {payment} brought ({paid}): nothing recorded"
        );
    }
    // Money received pays invoices; a credit note is settled against them (review 45e, F-4: a
    // decision to one was confirmed, did nothing, and then blocked the right ones).
    anyhow::ensure!(
        document.kind == DocumentKind::Invoice,
        "{number} is a credit note: money received pays invoices; nothing recorded"
    );
    // More than the invoice's total cannot be what the payment paid of it.
    if let Some(a) = amount {
        let total = total_in_books(store, &document)?;
        anyhow::ensure!(
            a <= total,
            "{a} is more than {number}'s total ({total}): nothing recorded"
        );
    }
    let in_force = allocations_in_force(store, payment)?;
    // The same decision again (a form sent twice, a page gone back to): recorded once, since
    // two would apply its amount twice (review 45d, F-2).
    if in_force.iter().any(|(d, a)| *d == document && *a == amount) {
        return Ok(format!("{number} (recorded before: nothing added)"));
    }
    // A decision that could not take effect is refused, not recorded: the payment is spent on
    // other documents a person chose already (review 45d, F-1: the second of two tabs was told
    // "done", and the invoice it said was paid was claimed).
    let mut taken = Decimal::ZERO;
    let mut on = Vec::new();
    for (d, a) in in_force.iter().filter(|(d, _)| *d != document) {
        // An amount decided takes no more than the invoice's total, open and settled together
        // (review 46c, F-7: 800.00 decided on an invoice of 75.00 counted as 800.00 taken).
        taken += match a {
            Some(a) => (*a).min(total_in_books(store, d)?),
            None => open_in_books(store, d)?,
        };
        on.push(d.number.clone());
    }
    anyhow::ensure!(
        taken < paid,
        "payment {payment} ({paid}) is allocated by hand to {} already, which take all of it: nothing recorded; `incasso unallocate {payment} DOCUMENT` first, or say which pays what with amounts",
        on.join(", ")
    );
    // An amount is taken whole or not at all: what is left of the payment must hold it (review
    // 45e, F-3: 400.00 of the 300.00 left was confirmed, and 300.00 applied).
    if let Some(a) = amount {
        anyhow::ensure!(
            taken + a <= paid,
            "payment {payment} ({paid}) is allocated by hand to {} already ({taken}): {} is left, not {a}; nothing recorded",
            on.join(", "),
            paid - taken
        );
    }
    store.add_decision(
        &ManualDecision::Allocate {
            payment: payment.to_string(),
            document,
            amount,
        },
        chrono::Utc::now(),
        by,
    )?;
    Ok(number)
}

/// What became of a payment as of a date, worked out with the decisions recorded: where it was
/// applied, what is not, and what the matching says of it. The answer to a decision says this,
/// not only that it was recorded: a decision can take less than it says (the invoice has less
/// open) or nothing (paid by other money), and a person must not take "recorded" for "paid"
/// (review 46a, F-2/F-3). The reconciliation worked out is kept, so the next read pays nothing
/// for it.
pub fn effect(ws: &Workspace, payment: &str, as_of: chrono::NaiveDate) -> Result<String> {
    let r = crate::reconciled::reconciled(ws.store()?, as_of, &ws.policy()?.matching)?;
    let Some(i) = r.payments.iter().position(|p| p.id == payment) else {
        return Ok(format!(
            "as of {as_of}: payment {payment} is not read as money received"
        ));
    };
    let from = incasso_core::model::AllocationSource::Payment(payment.to_string());
    let applied: Vec<String> = r
        .rec
        .allocations
        .iter()
        .filter(|a| a.from == from)
        .map(|a| {
            format!(
                "{} {} ({})",
                a.document.number,
                a.amount.amount(),
                a.rule.code()
            )
        })
        .collect();
    let o = &r.matching.outcomes[i];
    let mut said = format!(
        "as of {as_of}: {}; {} not applied ({})",
        if applied.is_empty() {
            "nothing applied".to_string()
        } else {
            format!("applied to {}", applied.join(", "))
        },
        o.unapplied,
        o.status.code()
    );
    if !o.notes.is_empty() {
        said.push_str(": ");
        said.push_str(&o.notes.join("; "));
    }
    Ok(said)
}

/// Records that a payment must not pay a document, or any document when none is named; the
/// document as it was understood, for the answer.
pub fn unallocate(
    ws: &Workspace,
    payment: &str,
    document: Option<&str>,
    by: &str,
) -> Result<Option<String>> {
    let store = ws.store()?;
    known_payment(store, payment)?;
    let (document, what) = match document.map(|d| document_key(store, d)).transpose()? {
        Some((key, name)) => (Some(key), Some(name)),
        None => (None, None),
    };
    store.add_decision(
        &ManualDecision::Unallocate {
            payment: payment.to_string(),
            document,
        },
        chrono::Utc::now(),
        by,
    )?;
    Ok(what)
}

#[cfg(test)]
mod tests {
    use super::{typed_amount, user_of_uid};

    #[test]
    fn the_user_is_named_without_the_environment() {
        let name = user_of_uid().unwrap();
        assert!(!name.is_empty() && !name.contains(':'), "{name}");
    }

    #[test]
    fn an_amount_typed_is_read_as_meant_or_refused() {
        let ok = |t: &str| typed_amount(t).unwrap().to_string();
        assert_eq!(ok("12.50"), "12.50");
        assert_eq!(ok("12,50"), "12.50");
        assert_eq!(ok(" 1.234,50 "), "1234.50");
        assert_eq!(ok("1,234.50"), "1234.50");
        assert_eq!(ok("1.000.000"), "1000000.00");
        assert_eq!(ok("200"), "200.00");
        assert_eq!(ok("1234.5"), "1234.50");
        assert!(typed_amount("1.000")
            .unwrap_err()
            .to_string()
            .contains("a thousand"));
        assert!(typed_amount("12,505").is_err());
        assert!(
            typed_amount("12.505,5").is_ok(),
            "a thousands separator and decimals"
        );
        assert!(typed_amount("1,2.3,4").is_err());
        assert!(typed_amount("1.234.50").is_err(), "groups of three");
        assert!(typed_amount("1.2.3").is_err());
        assert!(typed_amount("12.34.567,00").is_err());
        assert_eq!(ok("12.345.678,90"), "12345678.90");
        assert!(typed_amount("0.001")
            .unwrap_err()
            .to_string()
            .contains("more than two decimals"));
        assert!(typed_amount("-5").is_err());
        assert!(typed_amount("1e3").is_err());
        assert!(typed_amount("").is_err());
    }
}
