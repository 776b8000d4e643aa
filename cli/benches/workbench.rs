//! `cargo bench --bench workbench`: how fast each page of `incasso serve` answers on a large
//! store, before and right after a decision, and how long the decision takes to be worked in
//! behind the pages.
//!
//! Scale with `INCASSO_BENCH_INVOICES` (default 1,000,000; 90% as many bank lines, one debtor per
//! twenty invoices). `INCASSO_BENCH_DIR=DIR` keeps the generated files and the store there and
//! uses them again on the next run. The pages are as of today (the date `incasso serve` works the
//! ledger out for when it starts), or as of `INCASSO_BENCH_AS_OF`.

mod common;

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{env_n, generate_with_bank, run};

const TOKEN: &str = "bench-workbench-token-0123456789";
const ROUNDS: usize = 3;

/// The value of the first `name="VALUE"` attribute after `from` in `html`.
fn attr<'h>(html: &'h str, from: &str, name: &str) -> Option<&'h str> {
    let rest = &html[html.find(from)?..];
    let start = rest.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + rest[start..].find('"')?;
    Some(&rest[start..end])
}

/// A process killed when dropped.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The workbench's HTTP side, with the access cookie.
struct Web {
    client: reqwest::Client,
    base: String,
}

impl Web {
    /// GETs `path`; its body and how long it took, in milliseconds.
    async fn get(&self, path: &str) -> (String, f64) {
        let t = Instant::now();
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", format!("incasso_workbench={TOKEN}"))
            .send()
            .await
            .expect("the workbench answers");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let body = r.text().await.expect("a page");
        (body, t.elapsed().as_secs_f64() * 1000.0)
    }

    /// POSTs a decision's form; how long until its answer (the redirect), in milliseconds.
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> f64 {
        let t = Instant::now();
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", format!("incasso_workbench={TOKEN}"))
            .form(form)
            .send()
            .await
            .expect("the workbench answers");
        assert!(r.status().is_redirection(), "{path}: {}", r.status());
        t.elapsed().as_secs_f64() * 1000.0
    }
}

fn main() {
    let n = env_n("INCASSO_BENCH_INVOICES", 1_000_000);
    let temp = tempfile::tempdir().expect("a temp dir");
    let dir = std::env::var("INCASSO_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| temp.path().to_path_buf());
    let (gen, data) = (dir.join("gen"), dir.join("data"));
    if !data.join("ledger.sled").exists() {
        generate_with_bank(n, &gen);
        let d = data.to_str().expect("UTF-8");
        for f in ["ledger-nl.csv", "bank-rabobank.csv"] {
            run(&[
                "--data-dir",
                d,
                "import",
                gen.join(f).to_str().expect("UTF-8"),
            ]);
        }
    }
    let token = dir.join("token");
    std::fs::write(&token, TOKEN).expect("token file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0", "--token-file"])
        .arg(&token)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("incasso serve");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("its output"))
        .read_line(&mut line)
        .expect("its link");
    let _server = Killed(child);
    let url = line.trim().rsplit(' ').next().expect("a link");
    let web = Web {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client"),
        base: url.split("/?").next().expect("its base").to_string(),
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(measure(n, &web));
}

async fn measure(n: u64, web: &Web) {
    let as_of = std::env::var("INCASSO_BENCH_AS_OF").unwrap_or_default();
    let q = if as_of.is_empty() {
        String::new()
    } else {
        format!("as_of={as_of}")
    };
    println!("| {n} invoices | page | first request | then (slowest of {ROUNDS}) |");
    println!("|---|---|---|---|");
    let (overview, first) = web.get(&format!("/?{q}")).await;
    assert!(overview.contains("id=\"attention\""), "{overview}");
    let (items, _) = web.get(&format!("/items?{q}")).await;
    let debtor = attr(&items, "href=\"/debtor/", "href")
        .expect("an open item")
        .to_string();
    let pages: Vec<(String, String)> = vec![
        ("overview".into(), format!("/?{q}")),
        ("open items, first page".into(), format!("/items?{q}")),
        (
            "open items, EUR, page 4".into(),
            format!("/items?currency=EUR&page=3&{q}"),
        ),
        ("review queue".into(), format!("/review?{q}")),
        ("money not applied".into(), format!("/unapplied?{q}")),
        (
            "money not applied, searched".into(),
            format!("/unapplied?q=2026-06&{q}"),
        ),
        ("claims".into(), format!("/claims?{q}")),
        ("a debtor".into(), format!("{debtor}?{q}")),
        ("conflicts".into(), format!("/conflicts?{q}")),
    ];
    for (k, (name, path)) in pages.iter().enumerate() {
        let mut times = Vec::new();
        for _ in 0..ROUNDS {
            times.push(web.get(path).await.1);
        }
        let slowest = times.iter().copied().fold(0.0, f64::max);
        let first = if k == 0 {
            format!(
                "{:.2} s (waits for the ledger worked out at start)",
                first / 1000.0
            )
        } else {
            String::new()
        };
        println!("| {n} | {name} | {first} | {slowest:.0} ms |");
    }

    // Two decisions in a row from the review queue ("not this document"), then every page
    // while they are worked in, then how long until the pages show them.
    let (queue, _) = web.get(&format!("/review?{q}")).await;
    let csrf = attr(&queue, "name=\"csrf\"", "value").expect("a form");
    let mut rows = queue.split("<tr class=\"item\"").skip(1);
    let mut decide = Vec::new();
    for _ in 0..2 {
        let row = rows.next().expect("two items in review");
        let payment = attr(row, "", "data-payment")
            .expect("its payment")
            .to_string();
        let document = attr(row, "", "data-document")
            .expect("its document")
            .to_string();
        decide.push((payment, document));
    }
    let decided = Instant::now();
    for (k, (payment, document)) in decide.iter().enumerate() {
        let mut form = vec![
            ("csrf", csrf),
            ("back", "/review"),
            ("payment", payment.as_str()),
            ("document", document.as_str()),
        ];
        if !as_of.is_empty() {
            form.push(("as_of", as_of.as_str()));
        }
        let ms = web.post("/unallocate", &form).await;
        let which = if k == 0 {
            "a decision"
        } else {
            "a second one, at once"
        };
        println!("| {n} | {which} (POST, \"not this document\") | {ms:.0} ms | |");
    }
    for (name, path) in &pages {
        let (page, ms) = web.get(path).await;
        let shown = if page.contains("id=\"working\"") {
            "the last snapshot, the decisions marked"
        } else if path.starts_with("/conflicts") {
            "read from the store"
        } else {
            "worked in already"
        };
        println!("| {n} | {name}, right after ({shown}) | {ms:.0} ms | |");
    }
    let (queue, _) = web.get(&format!("/review?{q}")).await;
    if queue.contains("id=\"working\"") {
        for (payment, _) in &decide {
            let row = &queue[queue
                .find(&format!("data-payment=\"{payment}\""))
                .expect("the decided row is still listed")..];
            let row = &row[..row.find("</tr>").expect("its end")];
            assert!(
                row.contains("being worked in") && !row.contains("<form"),
                "a decided row offers no decision: {row}"
            );
        }
    }
    loop {
        let (page, _) = web.get(&format!("/review?{q}")).await;
        if !page.contains("id=\"working\"") {
            for (payment, document) in &decide {
                assert!(
                    !page.contains(&format!(
                        "data-payment=\"{payment}\" data-document=\"{document}\""
                    )),
                    "{payment} is no longer proposed for {document}"
                );
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "| {n} | both decisions worked in (pages current again) | {:.2} s after the first | |",
        decided.elapsed().as_secs_f64()
    );
    let (_, ms) = web.get(&format!("/review?{q}")).await;
    println!("| {n} | review queue, then | {ms:.0} ms | |");
}
