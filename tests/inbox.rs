//! The inbox: files dropped into a folder are imported once written, moved to processed/ or to
//! quarantine/ with a note, never deleted, never imported twice.

use super::*;

/// A temporary directory with a data directory and an empty inbox in it.
fn data_and_inbox() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    (dir, data, inbox)
}

/// One pass over the inbox (`incasso watch --once`) with this settle time.
fn watch_once(
    data: &std::path::Path,
    inbox: &std::path::Path,
    settle_ms: &str,
) -> std::process::Output {
    incasso(
        data,
        &[
            "watch",
            inbox.to_str().unwrap(),
            "--once",
            "--settle-ms",
            settle_ms,
        ],
    )
}

#[test]
fn dropped_files_are_imported_moved_or_quarantined_with_a_note() {
    let (_dir, data, inbox) = data_and_inbox();
    let ledger = "Débiteuren export 2026 (kopie).csv";
    std::fs::copy(fixture("ledger/nl-semicolon.csv"), inbox.join(ledger)).unwrap();
    std::fs::copy(
        fixture("bank/rabobank-2026-11.camt053.xml"),
        inbox.join("afschrift.xml"),
    )
    .unwrap();
    std::fs::copy(fixture("bad/bad-amount.csv"), inbox.join("kapot.csv")).unwrap();
    for ignored in ["~$open.xlsx", "download.csv.part", ".verborgen.csv"] {
        std::fs::write(inbox.join(ignored), "x").unwrap();
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/hostname", inbox.join("link.csv")).unwrap();
    // A file still being written while the pass looks at it.
    let growing = inbox.join("groeit.csv");
    std::fs::write(&growing, "Factuurnummer;").unwrap();
    let writer = {
        let growing = growing.clone();
        std::thread::spawn(move || {
            for _ in 0..30 {
                std::thread::sleep(std::time::Duration::from_millis(50));
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&growing)
                    .unwrap();
                std::io::Write::write_all(&mut f, b"x").unwrap();
            }
        })
    };
    let o = watch_once(&data, &inbox, "400");
    writer.join().unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "a quarantined file makes the run partial: {}",
        stdout(&o)
    );
    let out = stdout(&o);
    assert!(
        out.contains("inbox: 2 imported, 0 seen before, 2 quarantined, 1 still being written"),
        "{out}"
    );

    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let processed = inbox.join("processed").join(&today);
    assert!(processed.join(ledger).exists() && processed.join("afschrift.xml").exists());
    let note = std::fs::read_to_string(inbox.join("quarantine/kapot.csv.error.txt")).unwrap();
    assert!(
        note.contains("What is wrong / Wat is er mis") && note.contains("Wat te doen"),
        "{note}"
    );
    assert!(
        note.contains("kapot.csv") && note.contains("line"),
        "names the file and the line: {note}"
    );
    assert!(inbox.join("quarantine/kapot.csv").exists(), "never deleted");
    #[cfg(unix)]
    {
        let link_note =
            std::fs::read_to_string(inbox.join("quarantine/link.csv.error.txt")).unwrap();
        assert!(link_note.contains("outside the inbox"), "{link_note}");
    }
    for left in [
        "~$open.xlsx",
        "download.csv.part",
        ".verborgen.csv",
        "groeit.csv",
    ] {
        assert!(inbox.join(left).exists(), "{left} stays in the inbox");
    }
    let rec = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-11-23", "--format", "csv"],
    ));
    assert!(rec.contains("F2026-003,D200"), "{rec}");
    assert!(
        !rec.contains("F2026-001,"),
        "the camt paid F2026-001: {rec}"
    );

    // The same ledger dropped again: recognised, moved aside, not imported twice.
    std::fs::remove_file(&growing).unwrap();
    std::fs::copy(fixture("ledger/nl-semicolon.csv"), inbox.join(ledger)).unwrap();
    let o = watch_once(&data, &inbox, "100");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("0 imported, 1 seen before"),
        "{}",
        stdout(&o)
    );
    assert!(processed
        .join("Débiteuren export 2026 (kopie) (2).csv")
        .exists());
}

#[test]
fn a_valid_export_still_being_written_while_it_is_read_is_not_stored_until_it_is_whole() {
    // A file whose time written lies a minute back is read at once; what it holds is stored
    // only if it is unchanged `settle` after the pass first saw it. Here a writer whose clock
    // lags (a share's) keeps appending rows while the pass reads: every part written so far is
    // a valid ledger, so only that check keeps a half-written export out of the store.
    let (_dir, data, inbox) = data_and_inbox();
    let head = "Factuurnummer;Factuurdatum;Vervaldatum;Debiteurnummer;Naam;Type debiteur;Bedrag excl. BTW;BTW;Bedrag incl. BTW;Valuta;Betalingskenmerk;Gecrediteerde factuur;Status\n";
    let row = |n: usize| {
        format!("F2026-{n:04};05-01-2026;19-01-2026;D{n};Klant {n};Zakelijk;100,00;21,00;121,00;EUR;;;Openstaand\n")
    };
    let export = inbox.join("export.csv");
    let back = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    let append = move |path: &std::path::Path, text: &str| {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .unwrap();
        std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
        f.set_modified(back).unwrap();
    };
    append(&export, &format!("{head}{}", row(1)));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (export, stop) = (export.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut rows = 1;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(50));
                rows += 1;
                append(&export, &row(rows));
            }
            rows
        })
    };
    let o = watch_once(&data, &inbox, "1500");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let rows = writer.join().unwrap();
    let out = stdout(&o);
    assert!(
        out.contains("inbox: 0 imported, 0 seen before, 0 quarantined, 1 still being written"),
        "{out}"
    );
    assert!(
        export.exists() && !inbox.join("quarantine").exists(),
        "{out}"
    );
    assert!(
        !stderr(&o).contains("error"),
        "a file still being written is no error: {}",
        stderr(&o)
    );
    let rec = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-11-23", "--format", "csv"],
    ));
    assert!(
        !rec.contains("F2026-"),
        "nothing of the half-written export: {rec}"
    );

    // Whole now: imported, every row once.
    let o = watch_once(&data, &inbox, "100");
    assert!(stdout(&o).contains("inbox: 1 imported"), "{}", stdout(&o));
    let rec = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-11-23", "--format", "csv"],
    ));
    assert!(rows > 10, "{rows} rows written");
    for n in 1..=rows {
        assert_eq!(
            rec.matches(&format!("F2026-{n:04},")).count(),
            1,
            "F2026-{n:04}: {rec}"
        );
    }
}

#[test]
fn the_report_is_one_offline_page_that_a_real_browser_renders() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &["ledger/nl-semicolon.csv", "bank"]);
    let page = dir.path().join("report.html");
    ok(incasso(
        &data,
        &[
            "report",
            "--as-of",
            "2026-11-23",
            "--out",
            page.to_str().unwrap(),
        ],
    ));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "no external assets"
    );
    assert!(
        html.contains("<svg") && html.contains("605.00") && html.contains("Belastingdienst"),
        "{html}"
    );
    // In a real headless Chromium when the machine has one (Debian package `chromium`).
    let Some(chromium) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        eprintln!("chromium not installed: the browser check is skipped (docs/report-screenshot.sh does it by hand)");
        return;
    };
    let o = std::process::Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = stdout(&o);
    assert!(
        dom.contains("<rect") && dom.contains("Top debtors"),
        "chromium rendered: {}",
        stderr(&o)
    );
}

#[test]
fn watching_picks_up_a_dropped_file_on_notification_without_waiting_for_the_poll() {
    let (dir, data, inbox) = data_and_inbox();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(&data)
        .args([
            "watch",
            inbox.to_str().unwrap(),
            "--poll-seconds",
            "600",
            "--settle-ms",
            "100",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("watch.err")).unwrap())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::fs::copy(fixture("ledger/nl-semicolon.csv"), inbox.join("nieuw.csv")).unwrap();
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let done = inbox.join("processed").join(today).join("nieuw.csv");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // SIGTERM: the watcher ends cleanly after the pass in progress, with the status 130.
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if std::time::Instant::now() > until {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let err = std::fs::read_to_string(dir.path().join("watch.err")).unwrap_or_default();
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(130),
        "stopped by SIGTERM within a second, as interrupted: {err}"
    );
    assert!(err.contains("watch stopped by a signal"), "{err}");
    if err.contains("no change notifications") {
        eprintln!("no file-system notifications here; the polling fallback is in use: {err}");
        return;
    }
    assert!(
        done.exists(),
        "imported on the change notification, long before the 600 s poll: {err}"
    );
}

/// A pass imports a bank statement beside a file of documents, two imports at once: what the
/// store then holds is what importing the same files one after the other gives, every open
/// amount, allocation and unmatched bank line alike.
#[test]
fn a_statement_imported_beside_a_ledger_stores_what_one_after_the_other_stores() {
    let files = [
        ("ledger/nl-semicolon.csv", "a-grootboek.csv"),
        ("bank/rabobank-2026-11.camt053.xml", "b-afschrift.xml"),
        ("ledger/en-comma.csv", "c-ledger.csv"),
        ("bank/knab-2026-11-15.sta", "d-knab.sta"),
        ("bank/rabobank-2026-11.csv", "e-rabo.csv"),
    ];
    let (dir, data, inbox) = data_and_inbox();
    let one_by_one = dir.path().join("one-by-one");
    let copies = dir.path().join("copies");
    std::fs::create_dir_all(&copies).unwrap();
    for (from, name) in files {
        std::fs::copy(fixture(from), inbox.join(name)).unwrap();
        std::fs::copy(fixture(from), copies.join(name)).unwrap();
        ok(incasso(
            &one_by_one,
            &["import", copies.join(name).to_str().unwrap()],
        ));
    }
    let said = ok(watch_once(&data, &inbox, "0"));
    assert_eq!(
        said.matches(": imported as import #").count(),
        5,
        "every file imported: {said}"
    );
    let processed = std::fs::read_dir(inbox.join("processed"))
        .unwrap()
        .flatten()
        .flat_map(|day| std::fs::read_dir(day.path()).unwrap().flatten())
        .filter(|f| !f.file_name().to_string_lossy().starts_with('.'))
        .count();
    assert_eq!(processed, 5);
    // What each import says comes together, not interleaved with the other's lines.
    let lines: Vec<&str> = said.lines().collect();
    for statement in ["b-afschrift.xml", "d-knab.sta", "e-rabo.csv"] {
        let at = lines
            .iter()
            .position(|l| l.contains(statement) && l.contains(": imported as import #"))
            .unwrap_or_else(|| panic!("{statement} imported: {said}"));
        assert!(
            lines[at + 1].contains("statement(s)"),
            "{statement}'s own summary follows it: {said}"
        );
    }
    // Where each file was read from is the only difference between the two stores.
    let views: [&[&str]; 4] = [
        &["receivables", "--as-of", AS_OF, "--format", "csv"],
        &["ageing", "--as-of", AS_OF, "--format", "csv"],
        &["allocations", "--as-of", AS_OF, "--format", "csv"],
        &["unmatched", "--as-of", AS_OF, "--format", "csv"],
    ];
    for args in views {
        let at_once = ok(incasso(&data, args)).replace(inbox.to_str().unwrap(), "<dir>");
        let in_turn = ok(incasso(&one_by_one, args)).replace(copies.to_str().unwrap(), "<dir>");
        assert!(
            at_once.lines().count() > 1,
            "{args:?} shows something: {at_once}"
        );
        assert_eq!(at_once, in_turn, "{args:?}");
    }
}

/// The policy's `[import] complete` names the open-items reports the bookkeeper drops: one of
/// them settles what an earlier ledger file brought and it leaves out; another file of invoices
/// settles nothing; a report that would settle most open items is quarantined with the reason.
#[test]
fn an_open_items_report_dropped_into_the_inbox_settles_what_it_leaves_out() {
    let (dir, data, inbox) = data_and_inbox();
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("policy.toml"),
        "[import]\ncomplete = [\"Openstaande posten*.csv\"]\n",
    )
    .unwrap();
    let head =
        "Factuurnummer;Factuurdatum;Vervaldatum;Debiteurnummer;Naam;Bedrag incl. BTW;Status\n";
    let rows = |numbers: &[u32]| -> String {
        let mut text = head.to_string();
        for n in numbers {
            text.push_str(&format!(
                "F2026-{n:03};01-03-2026;31-03-2026;D{n:03};Debiteur {n} BV;121,00;Openstaand\n"
            ));
        }
        text
    };
    let open = || {
        ok(incasso(
            &data,
            &["receivables", "--as-of", "2026-06-30", "--format", "csv"],
        ))
    };
    let count = |text: &str| text.lines().filter(|l| l.starts_with("F2026-")).count();
    let all: Vec<u32> = (1..=12).collect();
    std::fs::write(inbox.join("facturen.csv"), rows(&all)).unwrap();
    ok(watch_once(&data, &inbox, "50"));
    assert_eq!(count(&open()), 12);
    // New invoices only: nothing settled.
    std::fs::write(inbox.join("nieuwe facturen.csv"), rows(&[13])).unwrap();
    ok(watch_once(&data, &inbox, "50"));
    assert_eq!(count(&open()), 13);
    // The report without F2026-002: settled.
    let mut listed: Vec<u32> = (1..=13).collect();
    listed.retain(|&n| n != 2);
    std::fs::write(
        inbox.join("Openstaande posten 2026-06-01.csv"),
        rows(&listed),
    )
    .unwrap();
    let o = ok(watch_once(&data, &inbox, "50"));
    assert!(
        o.contains(
            "settled in the books (open here, not in this list of every open item): 1: F2026-002"
        ),
        "{o}"
    );
    let now = open();
    assert_eq!(count(&now), 12);
    assert!(!now.contains("F2026-002,"), "{now}");
    // A report of one invoice would settle eleven of twelve: quarantined, nothing settled.
    std::fs::write(inbox.join("openstaande posten 2026-06-02.csv"), rows(&[1])).unwrap();
    let o = watch_once(&data, &inbox, "50");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let note = std::fs::read_to_string(
        inbox.join("quarantine/openstaande posten 2026-06-02.csv.error.txt"),
    )
    .unwrap();
    assert!(
        note.contains("leaves out 11 of the 12 still open"),
        "{note}"
    );
    assert_eq!(count(&open()), 12);
    drop(dir);
}

/// Review 42a, B2: a writer that stalls past the settle time has half its file imported and
/// moved to processed/, then writes the rest there. The next pass finds the file changed since
/// it was imported, puts it back in the inbox and reads it whole: the rest is not lost.
#[test]
fn a_file_written_to_after_it_was_moved_comes_back_and_is_read_whole() {
    let (_dir, data, inbox) = data_and_inbox();
    let head = "Factuurnummer;Debiteur;Factuurdatum;Bedrag\n";
    let file = inbox.join("export.csv");
    std::fs::write(&file, format!("{head}F1;D1;05-01-2026;100,00\n")).unwrap();
    let o = watch_once(&data, &inbox, "50");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let moved = inbox.join("processed").join(&today).join("export.csv");
    // The writer still had it open: the rest lands in processed/.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&moved)
        .unwrap();
    std::io::Write::write_all(&mut f, b"F2;D1;06-01-2026;200,00\n").unwrap();
    drop(f);
    let o = watch_once(&data, &inbox, "50");
    let out = stdout(&o);
    assert!(
        out.contains("was written to after it was imported and moved"),
        "{out}\n{}",
        stderr(&o)
    );
    let listed = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-05-01", "--format", "csv"],
    ));
    assert!(
        listed.contains("F1,D1,") && listed.contains("F2,D1,"),
        "{listed}"
    );
    // Read whole once, it stays where it is.
    let o = watch_once(&data, &inbox, "50");
    assert!(!stdout(&o).contains("written to after"), "{}", stdout(&o));
}

/// Review 42b, B2 and B3: an export that needs a mapping profile can be dropped into the inbox
/// (the policy's `[import.profiles]` names the profile for its name), and the same bytes
/// imported again with another profile are read again with it, not called already imported.
#[test]
fn the_inbox_reads_a_file_with_the_profile_its_name_calls_for() {
    let (dir, data, inbox) = data_and_inbox();
    let text = "Factuurnummer;Debiteur;Factuurdatum;Bedrag;Stadium\n\
                F1;D1;05-01-2026;100,00;Betwist\nF2;D1;05-01-2026;200,00;Open\n";
    // Without a profile: refused, naming the column.
    std::fs::write(inbox.join("afas-2026.csv"), text).unwrap();
    let o = watch_once(&data, &inbox, "50");
    assert!(
        stderr(&o).contains("column 'Stadium' is not one incasso reads"),
        "{}",
        stderr(&o)
    );
    // The policy names a profile for such files: read with it.
    std::fs::create_dir_all(data.join("profiles")).unwrap();
    std::fs::write(
        data.join("profiles/afas.toml"),
        "[columns]\nstatus = \"Stadium\"\n",
    )
    .unwrap();
    std::fs::write(
        data.join("policy.toml"),
        "[import.profiles]\n\"afas-*.csv\" = \"profiles/afas.toml\"\n",
    )
    .unwrap();
    std::fs::write(inbox.join("afas-2026.csv"), text).unwrap();
    let o = watch_once(&data, &inbox, "50");
    assert!(
        stdout(&o).contains("1 imported"),
        "{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    let listed = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-05-01", "--format", "json"],
    ));
    assert!(listed.contains("\"disputed\""), "{listed}");

    // The same bytes first read with one profile, then with a corrected one: read again.
    let other = dir.path().join("other");
    let file = dir.path().join("export.csv");
    std::fs::write(&file, text).unwrap();
    let ignore = dir.path().join("ignore.toml");
    std::fs::write(&ignore, "ignore = [\"Stadium\"]\n").unwrap();
    ok(incasso(
        &other,
        &[
            "import",
            "--profile",
            ignore.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    ));
    let map = data.join("profiles/afas.toml");
    let said = ok(incasso(
        &other,
        &[
            "import",
            "--profile",
            map.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    ));
    assert!(
        said.contains("read these bytes with another mapping profile or sheet; reading them again"),
        "{said}"
    );
    let listed = ok(incasso(
        &other,
        &["receivables", "--as-of", "2026-05-01", "--format", "json"],
    ));
    assert!(listed.contains("\"disputed\""), "{listed}");
}
