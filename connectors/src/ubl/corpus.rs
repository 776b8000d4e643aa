use super::*;

/// Every UBL file of the shared corpus imports or is refused with a reason naming the file.
#[test]
fn corpus_ubl_files_read_or_are_refused_with_a_reason() {
    let Some(dir) = crate::corpus_dir("") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let creditor = CreditorId::new("default").unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("ubl"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut read = 0;
    for f in &files {
        match read_doc(f, &creditor, tmp.path()) {
            Ok(d) => {
                read += 1;
                assert!(
                    d.document.total >= Decimal::ZERO,
                    "{}: total {}",
                    f.display(),
                    d.document.total
                );
                assert!(
                    d.document.due_date >= d.document.issue_date,
                    "{}",
                    f.display()
                );
                println!(
                    "{}: {:?} {} {} {} open {:?}",
                    f.display(),
                    d.document.kind,
                    d.document.number,
                    d.document.currency,
                    d.document.total,
                    d.document.source_open
                );
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains(&f.display().to_string()), "{msg}");
                println!("refused: {msg}");
            }
        }
    }
    assert!(
        read * 10 >= files.len() * 9,
        "only {read} of {} corpus files read",
        files.len()
    );
}

fn read_doc(f: &Path, c: &CreditorId, dir: &Path) -> Result<UblDocument, UblError> {
    read(f, c, dir)
}
