//! Hostile input under a memory limit: with `ulimit -v 3000000` (about 3 GB of address space),
//! no file makes any command abort, panic or die on a signal. Each is refused with a message
//! (or, where the data is merely large, read), and every read command works afterwards.

use super::*;

/// The address space every command here gets, in kB (`ulimit -v`).
const LIMIT_KB: &str = "3000000";

/// Runs incasso under the memory limit.
fn limited(data: &Path, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {LIMIT_KB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run incasso under ulimit")
}

/// The command ended by itself with a message: no signal, no abort (134), no panic (101).
fn assert_survived(what: &str, o: &Output) {
    let err = stderr(o);
    assert!(
        o.status.code().is_some(),
        "{what}: killed by a signal: {err}"
    );
    assert!(
        !matches!(o.status.code(), Some(101 | 134)),
        "{what}: exit {:?}: {err}",
        o.status.code()
    );
    assert!(
        !err.contains("panicked") && !err.contains("memory allocation"),
        "{what}: {err}"
    );
}

/// An xlsx whose zip directory says 5,000 bytes for a sheet that inflates past the 1 GiB limit.
fn lying_zip_bomb(path: &Path) {
    use std::io::Write;
    let mut buf = Vec::new();
    {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(true);
        w.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![b'0'; 1 << 20];
        for _ in 0..1100 {
            w.write_all(&zeros).unwrap();
        }
        w.finish().unwrap();
    }
    let lie = 5000u32.to_le_bytes();
    buf[22..26].copy_from_slice(&lie);
    let cd = buf
        .windows(4)
        .rposition(|w| w == b"PK\x01\x02")
        .expect("central directory");
    buf[cd + 24..cd + 28].copy_from_slice(&lie);
    std::fs::write(path, buf).unwrap();
}

#[test]
fn no_hostile_input_makes_any_command_abort_under_a_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");

    lying_zip_bomb(&d.join("bomb.xlsx"));
    // An .xls whose first FAT sector number lies far past its end.
    let mut xls = std::fs::read(fixture("xlsx/nl-ledger.xls")).unwrap();
    xls[76..80].copy_from_slice(&0x1200_0000u32.to_le_bytes());
    std::fs::write(d.join("broken.xls"), xls).unwrap();
    // A UBL invoice nested 70,000 levels deep.
    let ubl = std::fs::read_to_string(fixture("ubl/nl-si-ubl-2.0-minimal.xml")).unwrap();
    let deep = format!(
        "<x:a xmlns:x=\"urn:example\">{}{}</x:a>",
        "<x:a>".repeat(70_000),
        "</x:a>".repeat(70_000)
    );
    std::fs::write(
        d.join("deep.xml"),
        ubl.replacen("<cbc:ID>", &format!("{deep}<cbc:ID>"), 1),
    )
    .unwrap();
    // A ledger whose one debtor name is 100 MB.
    let header = "Factuurnummer;Factuurdatum;Vervaldatum;Debiteurnummer;Naam;Bedrag incl. BTW\n";
    let mut big = String::from(header);
    big.push_str("F1;01-01-2026;31-01-2026;D1;");
    big.push_str(&"x".repeat(100 << 20));
    big.push_str(";100,00\n");
    std::fs::write(d.join("huge-name.csv"), big).unwrap();
    // MT940 with 1,000 lines of an amount no bank holds; camt with two of 4e28.
    let mut mt940 = String::from(":20:S1\n:25:NL91ABNA0417164300\n:28C:1\n:60F:C240101EUR0,00\n");
    for _ in 0..1000 {
        mt940.push_str(":61:240102C99999999999999999999999999,99NTRFNONREF\n");
    }
    mt940.push_str(":62F:C240102EUR0,00\n");
    std::fs::write(d.join("huge.sta"), mt940).unwrap();
    let entry = "<Ntry><Amt Ccy=\"EUR\">40000000000000000000000000000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-01-02</Dt></BookgDt></Ntry>";
    std::fs::write(
        d.join("huge.camt053.xml"),
        format!("<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt><Id>S</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>{entry}{entry}</Stmt></BkToCstmrStmt></Document>"),
    )
    .unwrap();
    for file in [
        "bomb.xlsx",
        "broken.xls",
        "deep.xml",
        "huge-name.csv",
        "huge.sta",
        "huge.camt053.xml",
    ] {
        let path = d.join(file);
        let o = limited(&data, &["import", path.to_str().unwrap()]);
        assert_survived(file, &o);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{file} must be refused: {}",
            stdout(&o)
        );
        assert!(
            stderr(&o).contains(path.to_str().unwrap()),
            "{file}: {}",
            stderr(&o)
        );
    }

    // The largest amounts allowed, a thousand times over: read, and every command still sums.
    let mut max = String::from(header);
    for i in 0..1000 {
        max.push_str(&format!(
            "F{i};01-01-2026;31-01-2026;D{};Debiteur {} B.V.;9.999.999.999.999,99\n",
            i % 7,
            i % 7
        ));
    }
    std::fs::write(d.join("max.csv"), max).unwrap();
    let o = limited(&data, &["import", d.join("max.csv").to_str().unwrap()]);
    assert_survived("max.csv", &o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = d.join("report.html");
    for args in [
        &["ageing"][..],
        &["receivables", "--as-of", "2026-06-30"],
        &["claims", "--as-of", "2026-06-30"],
        &["claims", "--as-of", "2026-06-30", "--format", "json"],
        &[
            "report",
            "--as-of",
            "2026-06-30",
            "--out",
            report.to_str().unwrap(),
        ],
        &["letter", "--debtor", "D1", "--date", "2026-06-30"],
        &["allocations"],
        &["unmatched"],
        &["audit"],
        &["calc", "costs", "--principal", "9999999999999.99"],
    ] {
        let o = limited(&data, args);
        assert_survived(&args.join(" "), &o);
    }
}
