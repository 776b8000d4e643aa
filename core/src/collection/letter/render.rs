//! Lays a letter out as plain text or one self-contained HTML page.

use super::{wording, Lang, LetterInput};
use crate::html::escape;
use crate::law::Jurisdiction;

/// The creditor's lines under its name: address, registration numbers, e-mail.
fn creditor_lines(l: &LetterInput) -> Vec<String> {
    let c = &l.creditor;
    let nl = l.lang == Lang::Nl;
    // Every register the creditor is in: a Dutch creditor writing to a Belgian consumer states
    // its KvK number, a Belgian one its enterprise number, one in both registers both.
    let kvk = c.kvk.as_ref().map(|k| {
        if nl {
            format!("KvK {k}")
        } else {
            format!("Chamber of Commerce (KvK) no. {k}")
        }
    });
    let enterprise = c.enterprise_number.as_ref().map(|k| {
        if nl {
            format!("Ondernemingsnummer {k}")
        } else {
            format!("Enterprise number {k}")
        }
    });
    let registration: Vec<String> = match l.jurisdiction {
        Jurisdiction::Nl => [kvk, enterprise],
        Jurisdiction::Be => [enterprise, kvk],
    }
    .into_iter()
    .flatten()
    .collect();
    let vat = c.vat_number.as_ref().map(|v| {
        if nl {
            format!("Btw-nummer {v}")
        } else {
            format!("VAT number {v}")
        }
    });
    c.address
        .iter()
        .cloned()
        .chain(registration)
        .chain(vat)
        .chain(c.email.clone())
        .collect()
}

/// Column headings: invoice, date, due date, description, open, total, the letter's date.
fn labels(lang: Lang) -> [&'static str; 7] {
    match lang {
        Lang::Nl => [
            "Factuur",
            "Datum",
            "Vervaldatum",
            "Omschrijving",
            "Open",
            "Totaal",
            "Datum",
        ],
        Lang::En => [
            "Invoice",
            "Date",
            "Due date",
            "Description",
            "Open",
            "Total",
            "Date",
        ],
    }
}

/// The letter as plain text.
pub fn text(l: &LetterInput) -> String {
    let w = wording(l);
    let lb = labels(l.lang);
    let described = l.items.iter().any(|i| i.description.is_some());
    let mut s = format!("{}\n", l.creditor_name());
    for line in creditor_lines(l) {
        s.push_str(&format!("{line}\n"));
    }
    s.push_str(&format!("\n{}\n", l.debtor_name));
    for line in &l.debtor_lines {
        s.push_str(&format!("{line}\n"));
    }
    s.push_str(&format!(
        "\n{}: {}\n\n{}\n\n{}\n\n{}\n\n",
        lb[6],
        l.day(l.date),
        w.title,
        w.greeting,
        w.intro
    ));
    let row = |n: &str, issue: &str, due: &str, what: &str, open: &str| {
        if described {
            format!("  {n:<16} {issue:<10} {due:<12} {what:<40} {open:>14}\n")
        } else {
            format!("  {n:<16} {issue:<10} {due:<12} {open:>14}\n")
        }
    };
    s.push_str(&row(lb[0], lb[1], lb[2], lb[3], lb[4]));
    for i in &l.items {
        let what: String = i
            .description
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(40)
            .collect();
        s.push_str(&row(
            &i.number,
            &i.issue_date.format("%d-%m-%Y").to_string(),
            &l.due_shown(i),
            &what,
            &l.money(i.open),
        ));
    }
    s.push_str(&row(lb[5], "", "", "", &l.money(l.total)));
    s.push('\n');
    for p in &w.paragraphs {
        s.push_str(p);
        s.push_str("\n\n");
    }
    s.push_str(&format!("{}\n\n{}\n", w.closing, l.creditor_name()));
    s
}

/// The letter as one self-contained HTML page (no outside resources).
pub fn html(l: &LetterInput) -> String {
    let w = wording(l);
    let lb = labels(l.lang);
    let described = l.items.iter().any(|i| i.description.is_some());
    let lang_code = match l.lang {
        Lang::Nl => "nl",
        Lang::En => "en",
    };
    let cell = |s: &str| format!("<td>{}</td>", escape(s));
    let rows: String = l
        .items
        .iter()
        .map(|i| {
            format!(
                "<tr>{}{}{}{}<td class=\"n\">{}</td></tr>",
                cell(&i.number),
                cell(&i.issue_date.format("%d-%m-%Y").to_string()),
                cell(&l.due_shown(i)),
                if described {
                    cell(i.description.as_deref().unwrap_or(""))
                } else {
                    String::new()
                },
                escape(&l.money(i.open))
            )
        })
        .collect();
    let lines = |v: &[String]| {
        v.iter()
            .map(|s| format!("<br>{}", escape(s)))
            .collect::<String>()
    };
    let head = format!(
        "<tr><th>{}</th><th>{}</th><th>{}</th>{}<th class=\"n\">{}</th></tr>",
        lb[0],
        lb[1],
        lb[2],
        if described {
            format!("<th>{}</th>", lb[3])
        } else {
            String::new()
        },
        lb[4]
    );
    let span = if described { 4 } else { 3 };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang_code}\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>body{{font-family:sans-serif;max-width:42em;margin:2em auto;line-height:1.4}}table{{border-collapse:collapse;margin:1em 0}}td,th{{padding:.2em .8em;border-bottom:1px solid #ccc;text-align:left}}.n{{text-align:right}}</style></head>\n<body>\n<p><strong>{cr}</strong>{crl}</p>\n<p>{de}{del}</p>\n<p>{dl}: {date}</p>\n<h1>{t}</h1>\n<p>{g}</p>\n<p>{intro}</p>\n<table>{head}{rows}<tr><th colspan=\"{span}\">{tl}</th><th class=\"n\">{tot}</th></tr></table>\n{rest}\n<p>{cl}<br>{cr}</p>\n</body></html>\n",
        t = escape(&w.title),
        cr = escape(l.creditor_name()),
        crl = lines(&creditor_lines(l)),
        de = escape(&l.debtor_name),
        del = lines(&l.debtor_lines),
        dl = lb[6],
        date = l.day(l.date),
        g = escape(&w.greeting),
        intro = escape(&w.intro),
        tl = lb[5],
        tot = escape(&l.money(l.total)),
        rest = w
            .paragraphs
            .iter()
            .map(|p| format!("<p>{}</p>", escape(p)))
            .collect::<Vec<_>>()
            .join("\n"),
        cl = escape(&w.closing),
    )
}
