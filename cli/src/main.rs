//! `incasso`: gets unpaid invoices from a company's books to a collection agency.
//!
//! This binary only parses arguments and wires the connectors, the store and the core together.
//! Exit codes: 0 success, 1 failure (including any file that could not be imported), 2 usage.

mod commands;
mod config;
mod ledger;
mod output;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

/// Unpaid invoices from your books to a collection agency, correctly and without losing anything.
#[derive(Parser)]
#[command(name = "incasso", version, propagate_version = true)]
struct Cli {
    /// Data directory of the administration (one per administration).
    #[arg(
        long,
        global = true,
        env = "INCASSO_DATA_DIR",
        default_value = "./incasso-data"
    )]
    data_dir: PathBuf,
    /// Policy file for every command that reads the policy (default: DATA_DIR/policy.toml, else
    /// built-in defaults); the creditor's name, IBAN and numbers live under `[creditor]` there.
    #[arg(long, global = true, env = "INCASSO_POLICY", value_name = "FILE")]
    policy: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// Output format of a report.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// Comma-separated, `.` decimals, ISO dates.
    Csv,
    /// JSON with amounts as decimal strings.
    Json,
}

/// Output format of `incasso receivables`: the report formats, or a workbook.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReceivablesFormat {
    /// Aligned columns for people.
    Table,
    /// Comma-separated, `.` decimals, ISO dates; formula-like cells neutralised.
    Csv,
    /// JSON with amounts as decimal strings.
    Json,
    /// An Excel workbook with date and number cells (with --out).
    Xlsx,
}

/// What ageing counts from.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Basis {
    /// Days past the due date.
    Due,
    /// Days since the issue date.
    Issue,
}

/// Grouping of the ageing report.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupBy {
    /// One row per debtor and currency.
    Debtor,
}

#[derive(Subcommand)]
enum Command {
    /// Import ledger exports (CSV, xlsx/xls/ods, UBL e-invoices), bank statements (camt.053,
    /// MT940, Dutch banks' CSV exports) into the store; each file atomically, a
    /// re-import changes nothing. The format is detected from the content.
    Import {
        /// Files or folders (every file directly inside a folder is imported).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Mapping profile (TOML) for columns, delimiter, decimal mark, date format, encoding, sign.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Import the good rows and write the bad ones beside the input as NAME.rejected.csv.
        #[arg(long)]
        skip_bad_rows: bool,
        /// For workbooks: the sheet to read (default: the first with a ledger header).
        #[arg(long)]
        sheet: Option<String>,
        /// MT940: import a statement whose lines do not add up to its closing balance (when
        /// the bank has no better file); the mismatch is shown and kept in the audit log.
        #[arg(long)]
        accept_unbalanced: bool,
    },
    /// List open items as of a date.
    Receivables {
        /// The date to look from (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Output format (xlsx needs --out).
        #[arg(long, value_enum, default_value = "table")]
        format: ReceivablesFormat,
        /// File to write (for xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Totals of open items per currency and ageing bucket.
    Ageing {
        /// The date to look from (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// One row per debtor.
        #[arg(long, value_enum)]
        by: Option<GroupBy>,
        /// Bucket boundaries in days, increasing, e.g. 30,60,90.
        #[arg(long, default_value = "30,60,90", value_parser = parse_buckets)]
        buckets: String,
        /// Count age from the due date or the issue date.
        #[arg(long, value_enum, default_value = "due")]
        basis: Basis,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Payments applied to documents: payment, document, amount, rule, confidence.
    Allocations {
        /// The date to look from (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Payments received but not applied to any document (unidentified money, unapplied cash).
    Unmatched {
        /// The date to look from (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Doubtful matches waiting for a person; confirm one with `incasso allocate`.
    Review {
        /// The date to look from (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Record that a payment pays a document; wins over the matching rules on every later run.
    Allocate {
        /// The payment's id (see `incasso unmatched` or `incasso review`).
        payment: String,
        /// The invoice (or credit note) number.
        document: String,
        /// How much of the payment (default: what is open, up to the payment).
        amount: Option<String>,
    },
    /// Record that a payment must not pay a document, or any document when none is given.
    Unallocate {
        /// The payment's id.
        payment: String,
        /// The document it must not pay.
        document: Option<String>,
    },
    /// The nightly job: inbox, reconcile, claims, submission, report; a JSON summary (exit 0/1/3).
    Run {
        /// The job's configuration (TOML).
        #[arg(long)]
        config: PathBuf,
    },
    /// Pull invoices, credit notes, contacts and payments from the accounting APIs configured as
    /// `[[source]]` in the job's TOML (Moneybird, Exact Online, Xero, Twinfield), incrementally.
    Sync {
        /// The configuration with the `[[source]]` entries.
        #[arg(long, default_value = "incasso.toml")]
        config: PathBuf,
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
        /// Re-read everything and void what the API no longer has.
        #[arg(long)]
        full: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// One self-contained HTML page: ageing chart, totals, top debtors, money not applied, claims, conflicts.
    Report {
        /// The date to look from (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// The HTML file to write.
        #[arg(long)]
        out: PathBuf,
        /// The inbox, to list its quarantined files.
        #[arg(long)]
        inbox: Option<PathBuf>,
        /// Folder of rate tables replacing the built-in ones.
        #[arg(long)]
        rates: Option<PathBuf>,
    },
    /// Import what bookkeepers drop into a folder: processed/ when done, quarantine/ with a note when not.
    Watch {
        /// The inbox folder.
        inbox: PathBuf,
        /// One pass over what is there, then exit (for cron and tests).
        #[arg(long)]
        once: bool,
        /// Seconds between passes when watching.
        #[arg(long, default_value_t = 10)]
        poll_seconds: u64,
        /// Milliseconds a file's size and time must stay the same before it counts as written.
        #[arg(long, default_value_t = 2000)]
        settle_ms: u64,
    },
    /// Send qualifying claims to the agency's intake API, exactly once (see `agency.toml`).
    Submit {
        /// The date the claims are computed for (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Check the batches against the schema and print them; send and record nothing.
        #[arg(long)]
        dry_run: bool,
        /// The agency configuration (default: DATA_DIR/agency.toml).
        #[arg(long)]
        agency: Option<PathBuf>,
        /// Folder of rate tables replacing the built-in ones.
        #[arg(long)]
        rates: Option<PathBuf>,
    },
    /// What was sent to the agency and where each claim stands.
    Submissions {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The agency's side: the intake server and the export of received claims.
    Intake {
        #[command(subcommand)]
        command: IntakeCommand,
    },
    /// Run the flow on the bundled fixtures in a fresh data directory and show the result.
    Demo {
        /// The fixtures folder of the repository.
        #[arg(long, default_value = "fixtures")]
        fixtures: PathBuf,
        /// The date to look from (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Where the demo's own store goes; cleared first, but only if an earlier demo made it.
        #[arg(long, default_value = "target/incasso-demo")]
        store: PathBuf,
    },
    /// Collection costs, statutory interest and whole claims under Dutch and Belgian law.
    Calc {
        #[command(subcommand)]
        command: CalcCommand,
    },
    /// Which debts go to the agency as of a date, with costs and interest, and why others do not.
    Claims {
        /// The date to decide on (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Folder with newer rate tables (default: rates/ in the data directory).
        #[arg(long)]
        rates: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Letters sent to debtors: reminders, 14-day letters, pre-incasso letters.
    Reminders {
        #[command(subcommand)]
        command: RemindersCommand,
    },
    /// Payment plans (betalingsregelingen) and compromises.
    Plans {
        #[command(subcommand)]
        command: PlansCommand,
    },
    /// Statutory interest tables: what each covers, and new periods with their source.
    Rates {
        #[command(subcommand)]
        command: RatesCommand,
    },
    /// Write the 14-day letter or pre-incasso letter for a debtor.
    Letter {
        /// The debtor's id.
        #[arg(long)]
        debtor: String,
        /// Date of the letter (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        date: Option<NaiveDate>,
        /// Which letter.
        #[arg(long, value_enum, default_value = "fourteen-day-letter")]
        kind: commands::letter::LetterKind,
        /// Language.
        #[arg(long, value_enum, default_value = "nl")]
        lang: commands::letter::Lang,
        /// Plain text or HTML.
        #[arg(long, value_enum, default_value = "text")]
        format: commands::letter::LetterFormat,
        /// How it is sent (decides the presumed day of receipt).
        #[arg(long, value_enum, default_value = "post")]
        channel: ChannelArg,
        /// Currency of the invoices to include.
        #[arg(long, default_value = "EUR")]
        currency: incasso_core::money::Currency,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also record the letter as sent on its date.
        #[arg(long)]
        record: bool,
        /// Folder of rate tables replacing the built-in ones (default: DATA_DIR/rates).
        #[arg(long)]
        rates: Option<PathBuf>,
    },
    /// Documents two kinds of source describe differently; `resolve` chooses a version.
    Conflicts {
        #[command(subcommand)]
        command: Option<ConflictsCommand>,
        /// Also list resolved conflicts.
        #[arg(long)]
        all: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The audit log: imports and every change to a stored record.
    Audit {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Test and benchmark data.
    Fixtures {
        #[command(subcommand)]
        command: FixturesCommand,
    },
}

/// Which country's law.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JurisdictionArg {
    /// The Netherlands.
    Nl,
    /// Belgium.
    Be,
}

/// Consumer or business.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DebtorArg {
    /// A natural person not acting in a profession or business.
    Consumer,
    /// A company or professional.
    Business,
}

impl From<JurisdictionArg> for incasso_core::law::Jurisdiction {
    fn from(j: JurisdictionArg) -> Self {
        match j {
            JurisdictionArg::Nl => incasso_core::law::Jurisdiction::Nl,
            JurisdictionArg::Be => incasso_core::law::Jurisdiction::Be,
        }
    }
}

impl From<DebtorArg> for incasso_core::law::DebtorType {
    fn from(d: DebtorArg) -> Self {
        match d {
            DebtorArg::Consumer => incasso_core::law::DebtorType::Consumer,
            DebtorArg::Business => incasso_core::law::DebtorType::Business,
        }
    }
}

#[derive(Subcommand)]
enum CalcCommand {
    /// Extrajudicial collection costs over a principal (NL: WIK staffel; BE: EUR 40 or Boek XIX).
    Costs {
        /// The principal (hoofdsom), e.g. 1234.56.
        #[arg(long, allow_hyphen_values = true, value_parser = parse_money)]
        principal: rust_decimal::Decimal,
        /// nl or be.
        #[arg(long, value_enum)]
        jurisdiction: JurisdictionArg,
        /// consumer or business.
        #[arg(long, value_enum)]
        debtor: DebtorArg,
        /// Whether the creditor deducts VAT (NL: if not, 21% VAT is added to the costs).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        vat_deductible: bool,
        /// Number of late invoices (B2B: EUR 40 each at least).
        #[arg(long, default_value_t = 1)]
        invoices: u32,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: commands::calc::CalcFormat,
    },
    /// Statutory interest from one date through another (both inclusive), with payments.
    Interest {
        /// The principal, e.g. 1500.00.
        #[arg(long, allow_hyphen_values = true, value_parser = parse_money)]
        principal: rust_decimal::Decimal,
        /// First day of interest.
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        /// Last day of interest.
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        to: NaiveDate,
        /// nl or be.
        #[arg(long, value_enum)]
        jurisdiction: JurisdictionArg,
        /// consumer or business.
        #[arg(long, value_enum)]
        debtor: DebtorArg,
        /// A payment as DATE=AMOUNT; repeat for several.
        #[arg(long = "payment", value_parser = commands::calc::parse_payment)]
        payments: Vec<(NaiveDate, rust_decimal::Decimal)>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: commands::calc::CalcFormat,
    },
    /// A whole claim from a JSON file: costs, interest, payment allocation, totals.
    Claim {
        /// The claim input (see README: jurisdiction, debtor_type, invoices, payments, reminder, ...).
        #[arg(long)]
        input: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: commands::calc::CalcFormat,
    },
}

/// How a letter is sent.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    /// By post: received the second day after sending, not counting Sundays and Mondays.
    Post,
    /// By e-mail: received the same day.
    Email,
}

impl From<ChannelArg> for incasso_core::collection::Channel {
    fn from(c: ChannelArg) -> Self {
        match c {
            ChannelArg::Post => incasso_core::collection::Channel::Post,
            ChannelArg::Email => incasso_core::collection::Channel::Email,
        }
    }
}

#[derive(Subcommand)]
enum RemindersCommand {
    /// Record one letter.
    Add {
        /// The debtor's id.
        #[arg(long)]
        debtor: String,
        /// reminder, fourteen-day-letter or pre-incasso.
        #[arg(long)]
        kind: String,
        /// Date sent.
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        sent: NaiveDate,
        /// Date received, when known (else presumed from the channel).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        received: Option<NaiveDate>,
        /// How it was sent.
        #[arg(long, value_enum, default_value = "post")]
        channel: ChannelArg,
        /// The invoices it named, comma-separated (default: all open and due when sent).
        #[arg(long)]
        items: Option<String>,
        /// The letter did not state the costs that would be charged.
        #[arg(long)]
        costs_not_stated: bool,
    },
    /// Import letters from CSV: debtor,kind,sent,received,channel,items,states_costs.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// List the letters.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

#[derive(Subcommand)]
enum RatesCommand {
    /// Each table, its last rate and the last day it covers.
    List {
        /// Folder of tables replacing the built-in ones (default: DATA_DIR/rates).
        #[arg(long)]
        rates: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a period to a table (written to DATA_DIR/rates/, recorded in the audit log).
    Add {
        /// nl-statutory (art. 6:119 BW), nl-commercial (6:119a), be-commercial, be-legal.
        #[arg(long)]
        table: String,
        /// First day of the new rate, YYYY-MM-DD.
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        from: NaiveDate,
        /// The rate in percent a year, e.g. 10.15.
        #[arg(long)]
        pct: rust_decimal::Decimal,
        /// Last day the rate is known for (default: the end of its half year).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        until: Option<NaiveDate>,
        /// Where the rate was published (e.g. "Staatscourant 2026, 34567").
        #[arg(long)]
        source: String,
    },
}

#[derive(Subcommand)]
enum PlansCommand {
    /// Record a payment plan or compromise.
    Add {
        /// An id for the plan.
        #[arg(long)]
        id: String,
        /// The debtor's id.
        #[arg(long)]
        debtor: String,
        /// The invoices it covers, comma-separated.
        #[arg(long)]
        items: String,
        /// Date agreed (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        agreed: Option<NaiveDate>,
        /// An instalment as DATE=AMOUNT; repeat for each.
        #[arg(long = "instalment", value_parser = commands::calc::parse_payment)]
        instalments: Vec<(NaiveDate, rust_decimal::Decimal)>,
        /// A compromise: the lower amount that settles the invoices (the rest is written off).
        #[arg(long, value_parser = parse_money)]
        settle_for: Option<rust_decimal::Decimal>,
    },
    /// List plans and whether they are kept.
    List {
        /// The date to judge on (default: today, UTC).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

#[derive(Subcommand)]
enum IntakeCommand {
    /// Receive claim batches over HTTP, in the data directory, until SIGINT or SIGTERM.
    Serve {
        /// Address to listen on (port 0 picks one and prints it).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// TOML file with the creditors' tokens and HMAC secrets (mode 600).
        #[arg(long)]
        tokens: PathBuf,
        /// Largest batch accepted, in MB.
        #[arg(long, default_value_t = 16)]
        body_limit_mb: usize,
        /// Batches processed at once; more get 503 with Retry-After. With the body limit this
        /// bounds the memory bodies in flight can take (16 × 16 MB).
        #[arg(long, default_value_t = 16)]
        max_concurrent: usize,
        /// Connections one IP address may hold open; more are closed at once.
        #[arg(long, default_value_t = 64)]
        max_connections_per_address: usize,
        /// Seconds a client has to send a request's headers (slow clients are cut off).
        #[arg(long, default_value_t = 10)]
        header_timeout_secs: u64,
        /// Seconds requests in flight get to finish after SIGINT or SIGTERM.
        #[arg(long, default_value_t = 10)]
        shutdown_deadline_secs: u64,
    },
    /// Every received claim, for the case system.
    Export {
        /// Output format (csv or json).
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
    },
}

#[derive(Subcommand)]
enum ConflictsCommand {
    /// Keep the stored version, or make the incoming one current.
    Resolve {
        /// The conflict's id (see `incasso conflicts`).
        id: u64,
        /// Which version wins.
        #[arg(long, value_enum)]
        keep: KeepArg,
    },
}

/// Which version of a conflicting document wins.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeepArg {
    /// The version stored first.
    Stored,
    /// The version the later source brought.
    Incoming,
}

#[derive(Subcommand)]
enum FixturesCommand {
    /// Write a deterministic, realistic, noisy ledger export at any scale.
    Generate {
        /// Number of invoices (credit notes come on top).
        #[arg(long)]
        invoices: u64,
        /// Seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Export dialects to write (one file each).
        #[arg(long, value_enum, value_delimiter = ',', default_value = "nl")]
        dialect: Vec<commands::generate::Dialect>,
        /// Date the ledger runs up to (invoices are spread over the 18 months before it).
        #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD", default_value = "2026-10-31")]
        until: NaiveDate,
        /// Also write a bank statement for the ledger (camt.053 and Rabobank CSV) with the
        /// intended outcome; the ledger then names accounts and payment references.
        #[arg(long)]
        payments: bool,
        /// With --payments: add outgoing lines until the statement has this many lines.
        #[arg(long, default_value_t = 0)]
        bank_lines: u64,
        /// Number of debtors (default: one per 20 invoices, at most 50,000).
        #[arg(long)]
        debtors: Option<u64>,
    },
}

/// A date as `YYYY-MM-DD`, or `today` (UTC), with an error that shows the layout.
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("today") {
        return Ok(chrono::Utc::now().date_naive());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date: expected YYYY-MM-DD, e.g. 2026-11-20, or today"))
}

/// An amount typed by a person: exact, and within the largest amount incasso accepts anywhere.
fn parse_money(s: &str) -> Result<rust_decimal::Decimal, String> {
    let d = rust_decimal::Decimal::from_str_exact(s.trim())
        .map_err(|_| format!("'{s}' is not an amount: write it like 1234.56"))?;
    if incasso_core::money::within_limit(d) {
        Ok(d)
    } else {
        Err(incasso_core::money::beyond_limit(d))
    }
}

/// Ageing bucket boundaries, checked when the arguments are read (a mistake is a usage error).
fn parse_buckets(s: &str) -> Result<String, String> {
    incasso_core::ageing::Buckets::parse(s)
        .map(|_| s.to_string())
        .map_err(|e| e.to_string())
}

/// Whether a command only reads the administration's store.
fn reads_only(c: &Command) -> bool {
    match c {
        Command::Receivables { .. }
        | Command::Ageing { .. }
        | Command::Claims { .. }
        | Command::Audit { .. }
        | Command::Report { .. }
        | Command::Submissions { .. }
        | Command::Allocations { .. }
        | Command::Unmatched { .. }
        | Command::Review { .. }
        | Command::Conflicts { command: None, .. } => true,
        Command::Reminders {
            command: RemindersCommand::List { .. },
        }
        | Command::Plans {
            command: PlansCommand::List { .. },
        } => true,
        Command::Letter { record, .. } => !record,
        Command::Submit { dry_run, .. } => *dry_run,
        _ => false,
    }
}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    config::set_policy_flag(cli.policy.clone());
    init_tracing(cli.verbose);
    let today = chrono::Utc::now().date_naive();
    // Commands that only read never create a store: a mistyped --data-dir is an error, not an
    // empty administration with nothing to claim.
    if reads_only(&cli.command) && !incasso_store::Store::exists(&cli.data_dir) {
        eprintln!(
            "error: no incasso store at {} (import something first, or check --data-dir)",
            cli.data_dir.display()
        );
        return ExitCode::from(1);
    }
    let result = match cli.command {
        Command::Import {
            paths,
            profile,
            skip_bad_rows,
            sheet,
            accept_unbalanced,
        } => commands::import::run(
            &cli.data_dir,
            &paths,
            profile.as_deref(),
            skip_bad_rows,
            sheet.as_deref(),
            accept_unbalanced,
        ),
        Command::Receivables { as_of, format, out } => {
            let as_of = as_of.unwrap_or(today);
            match (format, out) {
                (ReceivablesFormat::Xlsx, Some(out)) => {
                    commands::report::receivables_xlsx(&cli.data_dir, as_of, &out)
                }
                (ReceivablesFormat::Xlsx, None) => Err(anyhow::anyhow!(
                    "--format xlsx writes a file: give --out FILE.xlsx"
                )),
                (f, _) => commands::report::receivables(
                    &cli.data_dir,
                    as_of,
                    match f {
                        ReceivablesFormat::Csv => Format::Csv,
                        ReceivablesFormat::Json => Format::Json,
                        _ => Format::Table,
                    },
                ),
            }
        }
        Command::Ageing {
            as_of,
            by,
            buckets,
            basis,
            format,
        } => commands::report::ageing(
            &cli.data_dir,
            as_of.unwrap_or(today),
            by.is_some(),
            &buckets,
            basis,
            format,
        ),
        Command::Demo {
            fixtures,
            as_of,
            store,
        } => commands::demo::run(&fixtures, &store, as_of.unwrap_or(today)),
        Command::Calc { command } => match command {
            CalcCommand::Costs {
                principal,
                jurisdiction,
                debtor,
                vat_deductible,
                invoices,
                format,
            } => commands::calc::costs(
                principal,
                jurisdiction.into(),
                debtor.into(),
                vat_deductible,
                invoices,
                format,
            ),
            CalcCommand::Interest {
                principal,
                from,
                to,
                jurisdiction,
                debtor,
                payments,
                format,
            } => commands::calc::interest(
                principal,
                from,
                to,
                jurisdiction.into(),
                debtor.into(),
                &payments,
                format,
            ),
            CalcCommand::Claim { input, format } => commands::calc::claim(&input, format),
        },
        Command::Claims {
            as_of,
            rates,
            format,
        } => commands::claims::run(
            &cli.data_dir,
            as_of.unwrap_or(today),
            cli.policy.as_deref(),
            rates.as_deref(),
            format,
        ),
        Command::Reminders { command } => match command {
            RemindersCommand::Add {
                debtor,
                kind,
                sent,
                received,
                channel,
                items,
                costs_not_stated,
            } => commands::reminders::add(
                &cli.data_dir,
                &debtor,
                &kind,
                sent,
                received,
                channel.into(),
                items.as_deref(),
                costs_not_stated,
            ),
            RemindersCommand::Import { file } => commands::reminders::import(&cli.data_dir, &file),
            RemindersCommand::List { format } => commands::reminders::list(&cli.data_dir, format),
        },
        Command::Rates { command } => match command {
            RatesCommand::List { rates, format } => {
                commands::rates::list(&cli.data_dir, rates.as_deref(), format)
            }
            RatesCommand::Add {
                table,
                from,
                pct,
                until,
                source,
            } => commands::rates::add(&cli.data_dir, &table, from, pct, until, &source),
        },
        Command::Plans { command } => match command {
            PlansCommand::Add {
                id,
                debtor,
                items,
                agreed,
                instalments,
                settle_for,
            } => commands::plans::add(
                &cli.data_dir,
                &id,
                &debtor,
                &items,
                agreed.unwrap_or(today),
                &instalments,
                settle_for,
            ),
            PlansCommand::List { as_of, format } => {
                config::policy(&cli.data_dir, None).and_then(|p| {
                    commands::plans::list(
                        &cli.data_dir,
                        as_of.unwrap_or(today),
                        p.plan_grace_days,
                        format,
                    )
                })
            }
        },
        Command::Letter {
            debtor,
            date,
            kind,
            lang,
            format,
            channel,
            currency,
            out,
            record,
            rates,
        } => commands::letter::run(
            &cli.data_dir,
            &debtor,
            date.unwrap_or(today),
            kind,
            lang,
            format,
            channel.into(),
            currency,
            out.as_deref(),
            record,
            cli.policy.as_deref(),
            rates.as_deref(),
        ),
        Command::Conflicts {
            command: None,
            all,
            format,
        } => commands::conflicts::list(&cli.data_dir, all, format),
        Command::Conflicts {
            command: Some(ConflictsCommand::Resolve { id, keep }),
            ..
        } => commands::conflicts::resolve(&cli.data_dir, id, keep == KeepArg::Incoming),
        Command::Audit { format } => commands::report::audit(&cli.data_dir, format),
        Command::Submit {
            as_of,
            dry_run,
            agency,
            rates,
        } => commands::submit::submit(&commands::submit::Options {
            data_dir: &cli.data_dir,
            as_of: as_of.unwrap_or(today),
            dry_run,
            agency: agency.as_deref(),
            policy: cli.policy.as_deref(),
            rates: rates.as_deref(),
        }),
        Command::Run { config } => commands::run::run(&config, &cli.data_dir, today),
        Command::Sync {
            config,
            source,
            full,
            json,
        } => commands::sync::load_sources(&config)
            .and_then(|sources| {
                let data_dir = commands::sync::job_data_dir(&config, &cli.data_dir)?;
                commands::sync::sync(&data_dir, &sources, source.as_deref(), full)
            })
            .and_then(|summaries| {
                commands::sync::print(&summaries, json)?;
                Ok(if summaries.iter().all(|s| s.ok) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                })
            }),
        Command::Report {
            as_of,
            out,
            inbox,
            rates,
        } => commands::report_html::run(
            &cli.data_dir,
            as_of.unwrap_or(today),
            &out,
            inbox.as_deref(),
            cli.policy.as_deref(),
            rates.as_deref(),
        ),
        Command::Submissions { format } => commands::submit::submissions(&cli.data_dir, format),
        Command::Watch {
            inbox,
            once,
            poll_seconds,
            settle_ms,
        } => commands::watch::run(
            &cli.data_dir,
            &inbox,
            once,
            std::time::Duration::from_secs(poll_seconds),
            std::time::Duration::from_millis(settle_ms),
        ),
        Command::Intake {
            command:
                IntakeCommand::Serve {
                    listen,
                    tokens,
                    body_limit_mb,
                    max_concurrent,
                    max_connections_per_address,
                    header_timeout_secs,
                    shutdown_deadline_secs,
                },
        } => commands::intake::serve(
            &cli.data_dir,
            listen,
            &tokens,
            body_limit_mb,
            max_concurrent,
            incasso_intake::server::ConnectionLimits {
                per_address: max_connections_per_address,
                header_timeout: std::time::Duration::from_secs(header_timeout_secs),
                shutdown_deadline: std::time::Duration::from_secs(shutdown_deadline_secs),
                ..Default::default()
            },
        ),
        Command::Intake {
            command: IntakeCommand::Export { format },
        } => commands::intake::export(&cli.data_dir, format),
        Command::Allocations { as_of, format } => {
            commands::payments::allocations(&cli.data_dir, as_of.unwrap_or(today), format)
        }
        Command::Unmatched { as_of, format } => {
            commands::payments::unmatched(&cli.data_dir, as_of.unwrap_or(today), format)
        }
        Command::Review { as_of, format } => {
            commands::payments::review(&cli.data_dir, as_of.unwrap_or(today), format)
        }
        Command::Allocate {
            payment,
            document,
            amount,
        } => commands::payments::allocate(&cli.data_dir, &payment, &document, amount.as_deref()),
        Command::Unallocate { payment, document } => {
            commands::payments::unallocate(&cli.data_dir, &payment, document.as_deref())
        }
        Command::Fixtures {
            command:
                FixturesCommand::Generate {
                    invoices,
                    seed,
                    out,
                    dialect,
                    until,
                    payments,
                    bank_lines,
                    debtors,
                },
        } => commands::generate::run(
            invoices,
            seed,
            &out,
            &dialect,
            until,
            payments.then_some(bank_lines),
            debtors,
        ),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let message = format!("{e:#}");
            eprintln!(
                "error: {}",
                incasso_connectors::api::secret::redact(&message)
            );
            ExitCode::from(1)
        }
    }
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Lets `incasso receivables | head` end quietly, as Unix tools do, instead of panicking.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
