//! The HTML report (`incasso report`, and the nightly run's last step): one self-contained page (no external assets, works
//! offline) for the people who do not read logs: ageing as a stacked bar per currency, totals,
//! top debtors, money not applied, claims ready and sent, conflicts, quarantined files.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{NaiveDate, Utc};
use incasso_core::ageing::{ageing, open_items, AgeingBasis, AgeingRow, Buckets};
use incasso_core::money::format_cents;
use incasso_store::{ConflictStatus, SubmissionState};
use rust_decimal::Decimal;

mod figures;
pub mod workbook;

pub use figures::{figures, quarantined_in, ClaimsShown, Figures, FiguresOf};

use crate::reconciled::{open_receivables, receivables, LedgerView};
use crate::Workspace;

use incasso_core::html::escape as esc;

const COLOURS: [&str; 6] = [
    "#4caf50", "#c0ca33", "#ffb300", "#fb8c00", "#e53935", "#8e24aa",
];

/// A horizontal stacked bar of bucket amounts, with its legend, as inline SVG (the report and
/// the workbench show the same chart).
pub fn stacked_bar(labels: &[String], amounts: &[Decimal], currency: &str) -> String {
    let words: Vec<String> = labels.iter().map(|l| bucket_words(l)).collect();
    stacked_bar_worded(&words, amounts, currency)
}

/// A bucket's label as the report's legend says it: `not yet due`, `1-30 days`.
pub fn bucket_words(label: &str) -> String {
    if label == "current" {
        "not yet due".to_string()
    } else {
        format!("{label} days")
    }
}

/// [`stacked_bar`] with each bucket's words given (another language's, say).
pub fn stacked_bar_worded(words: &[String], amounts: &[Decimal], currency: &str) -> String {
    let labels = words;
    let total: Decimal = amounts.iter().copied().sum();
    let width = 640.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"ageing {}\">",
        width + 20.0,
        60 + 22 * labels.len(),
        esc(currency)
    );
    let mut x = 10.0;
    for (i, a) in amounts.iter().enumerate() {
        let share = if total.is_zero() {
            0.0
        } else {
            (a / total).to_string().parse::<f64>().unwrap_or(0.0)
        };
        let w = share * width;
        if w > 0.0 {
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"10\" width=\"{w:.1}\" height=\"30\" fill=\"{}\"><title>{}: {} {}</title></rect>",
                COLOURS[i % COLOURS.len()],
                esc(&labels[i]),
                esc(currency),
                format_cents(*a)
            );
        }
        x += w;
    }
    for (i, (l, a)) in labels.iter().zip(amounts).enumerate() {
        let y = 60 + 22 * i;
        let _ = write!(
            svg,
            "<rect x=\"10\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{}\"/><text x=\"30\" y=\"{}\" font-size=\"13\">{}: {} {}</text>",
            y - 11,
            COLOURS[i % COLOURS.len()],
            y,
            esc(l),
            esc(currency),
            format_cents(*a)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// "1 item", "2 items".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let num = c.parse::<f64>().is_ok();
            let _ = write!(
                out,
                "<td{}>{}</td>",
                if num { " class=\"n\"" } else { "" },
                esc(c)
            );
        }
        out.push_str("</tr>");
    }
    if rows.is_empty() {
        let _ = write!(
            out,
            "<tr><td colspan=\"{}\"><em>none</em></td></tr>",
            header.len()
        );
    }
    out.push_str("</table>");
}

/// Writes the report; returns its figures.
pub fn write(
    ws: &Workspace,
    as_of: NaiveDate,
    out_file: &Path,
    inbox: Option<&Path>,
    rates_dir: Option<&Path>,
) -> Result<Figures> {
    let (store, policy) = (ws.store()?, &ws.policy()?.matching);
    // The claims kept are read beside the ledger, on another core. With claims kept, the report
    // needs of the documents only those left open; claims worked out now weigh every one, so
    // then every document is read after all.
    let (open, kept) = std::thread::scope(|scope| {
        let kept = scope.spawn(|| crate::kept_claims::kept_shown(ws, as_of, rates_dir));
        let open = open_receivables(store, as_of, policy);
        (open, kept.join().expect("reading the kept claims panicked"))
    });
    let r = match (open?, &kept) {
        (Some(open), Ok(Some(_)) | Err(_)) => open,
        _ => receivables(store, as_of, policy)?,
    };
    let claims = match kept {
        Ok(Some(shown)) => Ok(shown),
        Ok(None) => crate::kept_claims::work_out_and_keep(ws, r.view(), as_of, rates_dir)
            .map(|p| ClaimsShown::of(&p)),
        Err(e) => Err(e),
    };
    let figures = write_from(
        ws,
        as_of,
        out_file,
        inbox,
        r.view(),
        claims.as_ref().map_err(|e| format!("{e:#}")),
    );
    // A million documents and their claims take a while to free, which is not on the way to
    // the answer (a command that exits does not wait for it).
    std::thread::spawn(move || drop((r, claims)));
    figures
}

/// Writes the report of a ledger already reconciled, with its claims preview (or why there is
/// none); the store is read for conflicts and submissions only.
pub fn write_from(
    ws: &Workspace,
    as_of: NaiveDate,
    out_file: &Path,
    inbox: Option<&Path>,
    r: LedgerView<'_>,
    claims: Result<&ClaimsShown, String>,
) -> Result<Figures> {
    let (conflicts, subs, creditor) = {
        let store = ws.store()?;
        (store.conflicts()?, store.submissions()?, store.creditor()?)
    };
    // The creditor as people know it: the name in `[creditor]`, else the store's id.
    let creditor_name = ws
        .policy()?
        .creditor
        .name
        .clone()
        .unwrap_or_else(|| creditor.as_str().to_string());
    let items = open_items(r.docs, r.open, as_of);
    let buckets = Buckets::default();
    let labels = buckets.labels();
    let rows = ageing(&items, &buckets, AgeingBasis::Due, as_of, false);

    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>incasso report {as_of}</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}h1{{font-size:1.5em}}h2{{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}}\
         table{{border-collapse:collapse;margin:.5em 0}}td,th{{padding:.25em .7em;border-bottom:1px solid #eee;text-align:left}}td.n{{text-align:right;font-variant-numeric:tabular-nums}}\
         .cards{{display:flex;gap:1em;flex-wrap:wrap}}.card{{border:1px solid #ddd;border-radius:6px;padding:.7em 1em;min-width:11em}}.card b{{display:block;font-size:1.3em}}</style></head><body>\
         <h1>Receivables of {} as of {as_of}</h1><p>Written {} by incasso {}.</p>",
        esc(&creditor_name),
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
        env!("CARGO_PKG_VERSION")
    );

    let open_conflicts: Vec<_> = conflicts
        .iter()
        .filter(|c| c.status == ConflictStatus::Open)
        .collect();
    let f = figures(&FiguresOf {
        items: &items,
        ledger: r,
        submissions: &subs,
        conflicts: &conflicts,
        quarantined: quarantined_in(inbox),
        claims: claims.clone(),
    });
    let unmatched_rows: Vec<Vec<String>> = r
        .waiting
        .payments
        .iter()
        .zip(&r.waiting.outcomes)
        .filter(|(_, o)| o.money_not_applied())
        .take(50)
        .map(|(p, o)| {
            vec![
                p.date.to_string(),
                p.counterparty_name.clone().unwrap_or_default(),
                p.remittance.clone().unwrap_or_default(),
                p.amount.currency().to_string(),
                format_cents(o.unapplied),
                o.status.code().to_string(),
                o.notes.join("; "),
            ]
        })
        .collect();

    html.push_str("<div class=\"cards\">");
    for (c, a) in &f.open {
        let _ = write!(
            html,
            "<div class=\"card\">Open {c}<b>{}</b>{}</div>",
            format_cents(*a),
            plural(
                items.iter().filter(|i| i.currency.as_str() == c).count(),
                "item"
            )
        );
    }
    let _ = write!(
        html,
        "<div class=\"card\">Money not applied<b>{}</b>lines, {} in review</div>",
        f.unmatched.0, f.review
    );
    match &f.claims_ready {
        Ok((n, _)) => {
            let _ = write!(
                html,
                "<div class=\"card\">Claims ready<b>{n}</b>for the agency</div>"
            );
        }
        Err(_) => html.push_str("<div class=\"card\">Claims ready<b>?</b>see below</div>"),
    }
    let _ = write!(
        html,
        "<div class=\"card\">Sent to the agency<b>{}</b>claims</div>",
        subs.len()
    );
    let _ = write!(
        html,
        "<div class=\"card\">Conflicts<b>{}</b>open</div>",
        open_conflicts.len()
    );
    if inbox.is_some() {
        let _ = write!(
            html,
            "<div class=\"card\">Quarantined<b>{}</b>files</div>",
            f.quarantined.len()
        );
    }
    html.push_str("</div>");

    html.push_str("<h2>Ageing (days past due)</h2>");
    for row in &rows {
        let _ = write!(
            html,
            "<h3>{} — total {}</h3>",
            esc(row.currency.as_str()),
            format_cents(row.total())
        );
        html.push_str(&stacked_bar(&labels, &row.amounts, row.currency.as_str()));
    }
    if rows.is_empty() {
        html.push_str("<p><em>Nothing open.</em></p>");
    }

    html.push_str("<h2>Top debtors</h2>");
    let per_debtor = ageing(&items, &buckets, AgeingBasis::Due, as_of, true);
    // Each row's total summed once, not at every comparison of a sort over every debtor.
    let mut top: Vec<(Decimal, &AgeingRow)> = per_debtor
        .iter()
        .map(|r| (r.total(), r))
        .filter(|(t, _)| *t > Decimal::ZERO)
        .collect();
    top.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.debtor.cmp(&b.1.debtor)));
    let names: BTreeMap<&str, &str> = r
        .debtors
        .iter()
        .filter_map(|d| d.name.as_deref().map(|n| (d.id.as_str(), n)))
        .collect();
    let top_rows: Vec<Vec<String>> = top
        .iter()
        .take(10)
        .map(|&(total, r)| {
            let id = r.debtor.as_ref().map(|d| d.as_str()).unwrap_or("");
            let overdue: Decimal = r.amounts.iter().skip(1).copied().sum();
            vec![
                id.to_string(),
                names.get(id).copied().unwrap_or("").to_string(),
                r.currency.to_string(),
                format_cents(total),
                format_cents(overdue),
            ]
        })
        .collect();
    table(
        &mut html,
        &["debtor", "name", "currency", "open", "overdue"],
        &top_rows,
    );

    html.push_str("<h2>Money received, not applied</h2>");
    table(
        &mut html,
        &[
            "date",
            "payer",
            "text",
            "currency",
            "not applied",
            "state",
            "why",
        ],
        &unmatched_rows,
    );
    if !r.waiting.review.is_empty() {
        // Each candidate a person chooses from, with the evidence for and against it.
        const SHOWN: usize = 200;
        let _ = write!(
            html,
            "<h3>Waiting in review ({}): the candidates and their evidence</h3>",
            r.waiting.review.len()
        );
        let rows: Vec<Vec<String>> =
            crate::payments::candidates_of(&r.waiting.review, &r.waiting.payments)
                .into_iter()
                .take(SHOWN)
                .map(|i| {
                    vec![
                        i.payment,
                        i.date.map(|d| d.to_string()).unwrap_or_default(),
                        i.amount.map(format_cents).unwrap_or_default(),
                        i.document,
                        format_cents(i.proposed),
                        i.confidence.map(|c| c.to_string()).unwrap_or_default(),
                        i.evidence,
                    ]
                })
                .collect();
        table(
            &mut html,
            &[
                "payment",
                "date",
                "paid",
                "candidate",
                "would take",
                "confidence",
                "evidence",
            ],
            &rows,
        );
    }

    if !r.notes.is_empty() {
        // What reconciliation noticed (shortfalls such as bank fees, credit notes it could not
        // link): for a person to look at, not for the log of every command.
        const NOTES: usize = 200;
        let _ = write!(html, "<h2>Notes ({})</h2>", r.notes.len());
        let rows: Vec<Vec<String>> = r
            .notes
            .iter()
            .take(NOTES)
            .map(|n| {
                vec![
                    n.document.kind.code().to_string(),
                    n.document.number.clone(),
                    n.message.clone(),
                ]
            })
            .collect();
        table(&mut html, &["kind", "document", "note"], &rows);
        if r.notes.len() > NOTES {
            let _ = write!(
                html,
                "<p>and {} more (run a command with -vv to see all).</p>",
                r.notes.len() - NOTES
            );
        }
    }
    html.push_str("<h2>Claims</h2>");
    match &f.claims_ready {
        Ok((n, totals)) => {
            let rows: Vec<Vec<String>> = totals
                .iter()
                .map(|(c, a)| vec![c.clone(), format_cents(*a)])
                .collect();
            let _ = write!(html, "<p>{n} claims qualify as of {as_of}.</p>");
            table(
                &mut html,
                &["currency", "total claimed (principal, costs, interest)"],
                &rows,
            );
        }
        Err(e) => {
            let _ = write!(html, "<p>Claims could not be computed: {}</p>", esc(e));
        }
    }
    if let Ok(c) = &claims {
        // Items held because money received may have paid them, or a rate is unknown: a
        // person decides (`incasso review`, `incasso allocate`, `incasso rates add`).
        if c.held > 0 {
            let _ = write!(
                html,
                "<h3>Held back ({}): money received may have paid these, or a rate is missing</h3>",
                c.held
            );
            let rows: Vec<Vec<String>> = c.first_held.iter().map(|r| r.to_vec()).collect();
            table(
                &mut html,
                &["debtor", "invoice", "currency", "open", "why"],
                &rows,
            );
            if c.held > c.first_held.len() {
                let _ = write!(
                    html,
                    "<p>and {} more: see <code>incasso claims --format csv</code>.</p>",
                    c.held - c.first_held.len()
                );
            }
        }
    }
    let sent_rows: Vec<Vec<String>> = [
        SubmissionState::Sent,
        SubmissionState::Accepted,
        SubmissionState::Rejected,
    ]
    .iter()
    .map(|s| {
        vec![
            s.code().to_string(),
            f.submitted.get(s.code()).copied().unwrap_or(0).to_string(),
        ]
    })
    .collect();
    table(&mut html, &["sent to the agency", "claims"], &sent_rows);
    // What the agency reported back (`submissions --refresh`, or the nightly run).
    let mut at_agency: std::collections::BTreeMap<(&str, &str), (usize, Decimal)> =
        std::collections::BTreeMap::new();
    for s in &subs {
        if let Some(a) = &s.agency {
            let e = at_agency
                .entry((a.state.as_str(), s.currency.as_str()))
                .or_default();
            e.0 += 1;
            e.1 += a
                .collected
                .iter()
                .filter_map(|(_, _, amount)| amount.parse::<Decimal>().ok())
                .sum::<Decimal>();
        }
    }
    if !at_agency.is_empty() {
        let rows: Vec<Vec<String>> = at_agency
            .iter()
            .map(|((state, currency), (n, collected))| {
                vec![
                    state.to_string(),
                    n.to_string(),
                    format!("{currency} {}", format_cents(*collected)),
                ]
            })
            .collect();
        table(
            &mut html,
            &[
                "as the agency reports it",
                "claims",
                "collected by the agency",
            ],
            &rows,
        );
    }
    // Receipts the refresh held: in the agency's figure above, not in the books (review 45c,
    // F-3: the report showed them as collected and said nothing else).
    let held: Vec<Vec<String>> = subs
        .iter()
        .flat_map(|s| {
            s.agency.iter().flat_map(move |a| {
                a.unbooked.iter().map(move |(receipt, why)| {
                    let (date, amount) = a
                        .collected
                        .iter()
                        .find(|(id, _, _)| id == receipt)
                        .map(|(_, d, amount)| (d.to_string(), amount.clone()))
                        .unwrap_or_default();
                    vec![
                        s.claim_id.clone(),
                        receipt.clone(),
                        date,
                        format!("{} {amount}", s.currency),
                        why.clone(),
                    ]
                })
            })
        })
        .take(50)
        .collect();
    if !held.is_empty() {
        html.push_str(
            "<p><strong>Receipts the agency reported that are not booked</strong>, held for a person (in its figure above, not in the books):</p>",
        );
        table(
            &mut html,
            &["claim", "receipt", "date", "amount", "why"],
            &held,
        );
    }

    html.push_str("<h2>Conflicts between sources</h2>");
    let conflict_rows: Vec<Vec<String>> = open_conflicts
        .iter()
        .take(50)
        .map(|c| {
            vec![
                c.id.to_string(),
                c.number.clone(),
                c.diffs
                    .iter()
                    .map(|d| d.field.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                c.incoming_source.clone(),
            ]
        })
        .collect();
    table(
        &mut html,
        &["id", "document", "fields", "incoming source"],
        &conflict_rows,
    );

    if inbox.is_some() {
        html.push_str("<h2>Quarantined files</h2>");
        let q: Vec<Vec<String>> = f
            .quarantined
            .iter()
            .map(|n| vec![n.clone(), format!("{n}.error.txt")])
            .collect();
        table(&mut html, &["file", "what is wrong"], &q);
    }
    html.push_str("</body></html>\n");
    std::fs::write(out_file, html).with_context(|| format!("writing {}", out_file.display()))?;
    Ok(f)
}
