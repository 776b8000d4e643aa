//! Judged by data from other hands: the sets in `fixtures/othergen/`, written by a generator that
//! never saw the matcher (`tools/othergen/`), with their truth. No claimed item may already be
//! paid, no claim may have nothing to collect, and the gate may hold few truly unpaid items.

use std::collections::HashMap;

use super::*;

struct Judged {
    claimed_items: usize,
    paid_in_full: Vec<String>,
    paid_in_part: Vec<String>,
    nothing_to_collect: usize,
    held: usize,
    held_truly_unpaid: usize,
    truly_unpaid: usize,
}

fn dec(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

fn judge(set: &str) -> Judged {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let src = fixture(set);
    let ledger = match src.join("ledger.csv") {
        file if file.exists() => file,
        _ => src.join("ledger"),
    };
    ok(incasso(&data, &["import", ledger.to_str().unwrap()]));
    ok(incasso(
        &data,
        &["import", src.join("bank").to_str().unwrap()],
    ));
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "unknown_debtor_type = \"business\"\n").unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(incasso(
        &data,
        &[
            "claims",
            "--as-of",
            "2026-06-30",
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "json",
        ],
    )))
    .unwrap();
    let truth: HashMap<String, rust_decimal::Decimal> =
        std::fs::read_to_string(src.join("truth/open.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(','))
            .map(|(n, o)| (n.to_string(), dec(o)))
            .collect();
    let mut j = Judged {
        claimed_items: 0,
        paid_in_full: vec![],
        paid_in_part: vec![],
        nothing_to_collect: 0,
        held: 0,
        held_truly_unpaid: 0,
        truly_unpaid: 0,
    };
    for c in v["claims"].as_array().unwrap() {
        if dec(c["amounts"]["principal_outstanding"].as_str().unwrap()).is_zero() {
            j.nothing_to_collect += 1;
        }
        for i in c["items"].as_array().unwrap() {
            let n = i["number"].as_str().unwrap();
            let (claimed, open) = (
                dec(i["claimed"].as_str().unwrap()),
                dec(i["open"].as_str().unwrap()),
            );
            let t = truth.get(n).copied().unwrap_or_default();
            j.claimed_items += 1;
            if t.is_zero() {
                j.paid_in_full.push(n.to_string());
            } else if t < claimed {
                j.paid_in_part.push(n.to_string());
            }
            if t == open {
                j.truly_unpaid += 1;
            }
        }
    }
    for e in v["excluded"].as_array().unwrap() {
        let n = e["number"].as_str().unwrap();
        let open = dec(e["open"].as_str().unwrap());
        let unpaid = truth.get(n) == Some(&open);
        j.truly_unpaid += usize::from(unpaid);
        if e["rule"] == "possible-payment" {
            j.held += 1;
            j.held_truly_unpaid += usize::from(unpaid);
        }
    }
    j
}

#[test]
fn claims_on_sets_nobody_here_wrote_claim_nothing_already_paid() {
    // (set, claimed items paid in full or in part at most, truly unpaid items held at most %)
    // en-rabo had three payments applied to the wrong invoice (invisible to the gate, which sees
    // only money not applied) until payers were recognised by name, one changed digit was
    // weighed against the payer's exact amount, and the sequence the text mentions chose among
    // items of equal amount.
    // The held share counts both candidates of every payment the sets' truth itself calls
    // undecidable (two of the payer's items of one amount, nothing to choose by: 10, 6 and 10
    // such payments): they go to review and wait for a person, by design.
    for (set, wrong_at_most, held_pct_at_most) in [
        ("othergen/nl-camt", 0, 7.0),
        ("othergen/nl-partial", 0, 8.0),
        ("othergen/en-rabo", 0, 6.5),
        ("othergen2/be-mt940", 0, 10.0),
        ("othergen2/nl-ing", 0, 18.0),
        ("othergen3/be-camt", 0, 17.0),
        ("othergen3/nl-rabo", 0, 12.0),
    ] {
        let j = judge(set);
        assert!(
            j.claimed_items > 30,
            "{set}: enough claims to judge ({})",
            j.claimed_items
        );
        assert!(
            j.paid_in_full.len() + j.paid_in_part.len() <= wrong_at_most,
            "{set}: claimed though paid: {:?} in full, {:?} in part",
            j.paid_in_full,
            j.paid_in_part
        );
        assert_eq!(j.nothing_to_collect, 0, "{set}");
        assert!(
            j.held > 0,
            "{set}: the gate holds what money received may have paid"
        );
        let pct = 100.0 * j.held_truly_unpaid as f64 / j.truly_unpaid.max(1) as f64;
        eprintln!(
            "{set}: {} items claimed, {} paid in full and {} in part among them; {} of {} truly unpaid items held ({pct:.2}%)",
            j.claimed_items,
            j.paid_in_full.len(),
            j.paid_in_part.len(),
            j.held_truly_unpaid,
            j.truly_unpaid
        );
        assert!(
            pct <= held_pct_at_most,
            "{set}: {} of {} truly unpaid items held ({pct:.2}%)",
            j.held_truly_unpaid,
            j.truly_unpaid
        );
    }
}

/// The review queue lists each invoice the gate holds with the payment the hold names: the one a
/// person's "not this payment" releases it with (the workbench's button posts it).
#[test]
fn every_hold_in_the_review_queue_names_its_payment() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let src = fixture("othergen/nl-camt");
    ok(incasso(
        &data,
        &["import", src.join("ledger.csv").to_str().unwrap()],
    ));
    ok(incasso(
        &data,
        &["import", src.join("bank").to_str().unwrap()],
    ));
    let review = ok(incasso(
        &data,
        &["review", "--as-of", "2026-06-30", "--format", "csv"],
    ));
    let holds: Vec<&str> = review
        .lines()
        .filter(|l| l.contains(",possible-payment,"))
        .collect();
    assert!(holds.len() > 5, "{review}");
    for l in holds {
        let payment = l.split(',').next().unwrap();
        assert!(payment.starts_with('R') && payment.len() > 8, "{l}");
        assert!(
            l.contains(&format!("possible payment {payment} of ")),
            "{l}"
        );
    }
}
