//! `incasso letter`: the 14-day letter (Belgium: the free first reminder) or pre-incasso letter
//! for a debtor, in Dutch or English, as plain text or self-contained HTML (the facts from
//! `incasso_engine::letters`, the wording from `incasso_core::collection::letter`).

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::ValueEnum;
use incasso_core::collection::letter;
use incasso_engine::letters::{prepare, record, LetterRequest};

use crate::args::{parse_date, ChannelArg};
use crate::exit::ExitStatus;
use crate::Ctx;

/// Which letter.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LetterKind {
    /// The 14-day letter (veertiendagenbrief, art. 6:96 lid 6 BW).
    FourteenDayLetter,
    /// A last warning before the agency takes over.
    PreIncasso,
}

/// Language of the letter.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// Dutch.
    Nl,
    /// English.
    En,
}

/// Output of the letter.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LetterFormat {
    /// Plain text.
    Text,
    /// One self-contained HTML page.
    Html,
}

/// Arguments of `incasso letter`.
#[derive(clap::Args)]
pub struct Args {
    /// The debtor's id.
    #[arg(long)]
    pub debtor: String,
    /// Date of the letter (default: today, UTC).
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,
    /// Which letter.
    #[arg(long, value_enum, default_value = "fourteen-day-letter")]
    pub kind: LetterKind,
    /// Language.
    #[arg(long, value_enum, default_value = "nl")]
    pub lang: Lang,
    /// Plain text or HTML.
    #[arg(long, value_enum, default_value = "text")]
    pub format: LetterFormat,
    /// How it is sent (decides the presumed day of receipt).
    #[arg(long, value_enum, default_value = "post")]
    pub channel: ChannelArg,
    /// Currency of the invoices to include.
    #[arg(long, default_value = "EUR")]
    pub currency: incasso_core::money::Currency,
    /// Write to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also record the letter as sent on its date.
    #[arg(long)]
    pub record: bool,
    /// Folder of rate tables replacing the built-in ones (default: DATA_DIR/rates).
    #[arg(long)]
    pub rates: Option<PathBuf>,
    /// What the debt is for, stated for each invoice the books give no description
    /// (`Abonnement 2026`): a Belgian consumer's reminder must say it (art. XIX.2 WER).
    #[arg(long, value_name = "TEXT")]
    pub about: Option<String>,
}

/// Writes the letter; with `--record`, also records it as sent on its date.
pub fn run(ctx: &Ctx, a: Args) -> Result<ExitStatus> {
    let date = ctx.date(a.date);
    let request = LetterRequest {
        debtor: &a.debtor,
        date,
        kind: match a.kind {
            LetterKind::FourteenDayLetter => letter::LetterKind::FourteenDayLetter,
            LetterKind::PreIncasso => letter::LetterKind::PreIncasso,
        },
        lang: match a.lang {
            Lang::Nl => letter::Lang::Nl,
            Lang::En => letter::Lang::En,
        },
        channel: a.channel.into(),
        currency: a.currency,
        rates: a.rates.as_deref(),
        about: a.about.as_deref(),
    };
    let prepared = prepare(&ctx.ws, &request)?;
    let text = match a.format {
        LetterFormat::Text => letter::text(&prepared.input),
        LetterFormat::Html => letter::html(&prepared.input),
    };
    match &a.out {
        Some(p) => std::fs::write(p, &text).with_context(|| format!("writing {}", p.display()))?,
        None => print!("{text}"),
    }
    if a.record {
        record(&ctx.ws, &prepared, "incasso letter --record")?;
        let term = &prepared.term;
        if prepared.reminder.states_costs {
            eprintln!(
                "recorded as sent on {date}; term from {} through {}, costs from {}",
                term.starts, term.last_day, term.costs_from
            );
        } else {
            eprintln!(
                "recorded as sent on {date}; term from {} through {}; it states no costs (a notice of default, or a reminder without them)",
                term.starts, term.last_day
            );
        }
    }
    Ok(ExitStatus::Success)
}
