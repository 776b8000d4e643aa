//! The workbench in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`) driven through WebDriver over `incasso serve` on a ledger of the fixtures.
//! A person opens the overview, accepts a doubtful match, assigns money not applied, looks at the
//! claims, switches to Dutch; afterwards the store holds the same decisions the CLI would have
//! recorded, in its audit log. `INCASSO_SCREENSHOTS=DIR` keeps a PNG of each page there.

use std::io::BufRead;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use super::*;

/// The text of the element `at` finds.
async fn text(c: &Client, at: Locator<'_>) -> String {
    c.find(at).await.unwrap().text().await.unwrap()
}

/// The text of the element `at` finds, once the page has it.
async fn text_when(c: &Client, at: Locator<'_>) -> String {
    c.wait()
        .for_element(at)
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Clicks the element `at` finds.
async fn click(c: &Client, at: Locator<'_>) {
    c.find(at).await.unwrap().click().await.unwrap();
}

/// Goes to `url` until its page no longer says decisions made here are being worked in.
async fn settled(c: &Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        c.goto(url).await.unwrap();
        if c.find(Locator::Id("working")).await.is_err() {
            return;
        }
        assert!(Instant::now() < deadline, "{url} stayed 'being worked in'");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The fixtures whose ledger has a doubtful match, money not applied and held claims.
const QUEUE: [&str; 5] = [
    "ledger/nl-semicolon.csv",
    "ledger/en-comma.csv",
    "bank/rabobank-2026-11.camt053.xml",
    "bank/rabobank-2026-11.csv",
    "bank/knab-2026-11-15.sta",
];

/// A process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver on a free port, once it takes connections; None where it is not installed
/// (a failure under CI=true, whose `.ci/with-services` installs it).
fn chromedriver() -> Option<(Killed, u16)> {
    let Ok(found) = Command::new("chromedriver").arg("--version").output() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromedriver is not installed under CI=true: run the tests through .ci/with-services"
        );
        eprintln!("no chromedriver: skipping the browser test");
        return None;
    };
    assert!(found.status.success());
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((Killed(child), port))
}

/// `incasso serve` on `data` with a known token; its base URL.
fn workbench(data: &Path, dir: &Path) -> (Killed, String, String) {
    let token = "workbench-test-token-0123456789";
    let file = dir.join("token");
    std::fs::write(&file, token).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_incasso"))
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", "127.0.0.1:0", "--token-file"])
        .arg(&file)
        .arg("--inbox")
        .arg(dir.join("inbox"))
        .args(["--user", "bookkeeper-anna"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    let base = url.split("/?").next().unwrap().to_string();
    (Killed(child), base, url)
}

/// A runtime for one browser session.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A WebDriver session in headless Chromium, with its own profile directory.
async fn browser(port: u16, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--window-size=1400,1000",
            format!("--user-data-dir={}", profile.display())]}),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session in Chromium")
}

#[test]
fn a_person_works_the_queue_in_a_browser() {
    let Some((_driver, port)) = chromedriver() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &QUEUE);
    std::fs::write(
        data.join("policy.toml"),
        "[creditor]\nname = \"Acme Groothandel B.V.\"\niban = \"NL91ABNA0417164300\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
    let broken = dir.path().join("kapot.csv");
    std::fs::write(&broken, "dit is geen export\n\u{1}\u{2}\n").unwrap();
    let (_server, base, login) = workbench(&data, dir.path());
    let shots = std::env::var("INCASSO_SCREENSHOTS").ok().map(PathBuf::from);
    let profile = dir.path().join("chromium");
    runtime().block_on(async {
        let c = browser(port, &profile).await;
        let shot = |name: &'static str| {
            let (c, shots) = (&c, shots.clone());
            async move {
                if let Some(d) = shots {
                    std::fs::create_dir_all(&d).unwrap();
                    std::fs::write(
                        d.join(format!("workbench-{name}.png")),
                        c.screenshot().await.unwrap(),
                    )
                    .unwrap();
                }
            }
        };

        // Without the token nothing shows; the printed link lets the person in.
        c.goto(&format!("{base}/review")).await.unwrap();
        let body = text(&c, Locator::Css("body")).await;
        assert!(body.contains("Open the link"), "{body}");
        c.goto(&login).await.unwrap();
        let attention = text(&c, Locator::Id("attention")).await;
        assert!(attention.contains("1 doubtful matches"), "{attention}");
        shot("overview").await;

        // The review queue: the first candidate is right, one click.
        c.goto(&format!("{base}/review")).await.unwrap();
        let row = c.find(Locator::Css("tr.item")).await.unwrap();
        let payment = row.attr("data-payment").await.unwrap().unwrap();
        let document = row.attr("data-document").await.unwrap().unwrap();
        // The money in review for D300's invoice (the payer's account is D100's) shows on
        // D300's page too (review 45d, F-7: it showed on neither).
        c.goto(&format!("{base}/debtor/D300")).await.unwrap();
        let listed = text(&c, Locator::Id("debtor-payments")).await;
        assert!(listed.contains(&payment), "{listed}");
        // A debtor or letter the workbench does not know says so (review 45d, F-4).
        c.goto(&format!("{base}/debtor/NOPE")).await.unwrap();
        let body = text(&c, Locator::Css("body")).await;
        assert!(
            body.contains("NOPE: no such debtor in the ledger"),
            "{body}"
        );
        c.goto(&format!("{base}/letter/D300?kind=aanmaning"))
            .await
            .unwrap();
        let body = text(&c, Locator::Css("body")).await;
        assert!(
            body.contains("is no letter this workbench writes"),
            "{body}"
        );
        c.goto(&format!("{base}/review")).await.unwrap();
        shot("review").await;
        click(&c, Locator::Id("accept-0")).await;
        let msg = text_when(&c, Locator::Id("message")).await;
        assert!(msg.contains(&payment), "{msg}");
        // At once: the row says what was decided, with no button left to decide it again, or
        // (worked in already) it is gone.
        if c.find(Locator::Id("working")).await.is_ok() {
            let row = text(
                &c,
                Locator::Css(&format!("tr.item[data-payment='{payment}']")),
            )
            .await;
            assert!(row.contains("Decided, being worked in"), "{row}");
            assert!(c.find(Locator::Id("accept-0")).await.is_err());
        }
        settled(&c, &format!("{base}/review")).await;
        assert!(
            c.find(Locator::Id("empty")).await.is_ok(),
            "the queue is empty"
        );

        // Money not applied: the tax refund goes to an invoice by hand, for part of it.
        c.goto(&format!("{base}/unapplied")).await.unwrap();
        shot("unapplied").await;
        let line = c.find(Locator::Css("tr.line")).await.unwrap();
        let refund = line.attr("data-payment").await.unwrap().unwrap();
        let form = line.find(Locator::Css("form.assign")).await.unwrap();
        form.find(Locator::Css("input[name=document]"))
            .await
            .unwrap()
            .send_keys("F2026-003")
            .await
            .unwrap();
        form.find(Locator::Css("input[name=amount]"))
            .await
            .unwrap()
            .send_keys("100,00")
            .await
            .unwrap();
        form.find(Locator::Css("button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let msg = text_when(&c, Locator::Id("message")).await;
        assert!(msg.contains(&refund) && msg.contains("F2026-003"), "{msg}");

        // Claims: held ones with their rule and reason.
        c.goto(&format!("{base}/claims")).await.unwrap();
        let held = text(&c, Locator::Id("held")).await;
        assert!(held.contains("disputed by the debtor"), "{held}");
        shot("claims").await;

        // A date chosen stays on: the header's links carry it.
        c.goto(&format!("{base}/items?as_of=2026-11-20"))
            .await
            .unwrap();
        let title = text(&c, Locator::Css("h1")).await;
        assert!(title.contains("2026-11-20"), "{title}");
        c.find(Locator::Css("header a[href='/review?as_of=2026-11-20']"))
            .await
            .unwrap();

        // Open items, filtered; a debtor's page from there.
        c.goto(&format!("{base}/items?currency=USD")).await.unwrap();
        let items = text(&c, Locator::Id("items")).await;
        assert!(
            items.contains("USD 750.50") && !items.contains("EUR"),
            "{items}"
        );
        shot("items").await;
        c.goto(&format!("{base}/items?currency=EUR")).await.unwrap();
        click(&c, Locator::Css("#items a")).await;
        let timeline = text_when(&c, Locator::Id("timeline")).await;
        assert!(!timeline.is_empty(), "the debtor's timeline");
        shot("debtor").await;
        // The held consumer invoice is in dollars: no letter states the law's costs, which are
        // set in euros; the page says why.
        c.goto(&format!(
            "{base}/letter/C-02?kind=fourteen-day-letter&currency=USD"
        ))
        .await
        .unwrap();
        let letter = text(&c, Locator::Css("body")).await;
        assert!(letter.contains("set in euros by law"), "{letter}");
        shot("letter").await;
        // C-01 has a credit note not yet set off and a disputed invoice: no letter demands
        // either; the page says why.
        c.goto(&format!("{base}/letter/C-01?kind=fourteen-day-letter"))
            .await
            .unwrap();
        let held = text(&c, Locator::Css("body")).await;
        assert!(
            held.contains("credit not set off") && held.contains("CN-1001"),
            "{held}"
        );
        c.goto(&format!("{base}/conflicts")).await.unwrap();
        assert!(
            c.find(Locator::Id("empty")).await.is_ok(),
            "no conflicts in these fixtures"
        );

        // The inbox: a file dropped with the browser is imported, a broken one quarantined
        // with its note.
        for (file, want) in [
            (fixture("ledger/utf16le-pipe.csv"), "imported"),
            (broken.clone(), "quarantined"),
        ] {
            c.goto(&format!("{base}/inbox")).await.unwrap();
            c.find(Locator::Css("input[type=file]"))
                .await
                .unwrap()
                .send_keys(file.to_str().unwrap())
                .await
                .unwrap();
            click(&c, Locator::Css("form[action='/inbox/upload'] button")).await;
            let msg = text_when(&c, Locator::Id("message")).await;
            assert!(msg.contains(want), "{want}: {msg}");
        }
        // And a file dropped on the drop zone (the page's one script puts it in the form): a
        // drop as the browser delivers it, made in the page.
        c.goto(&format!("{base}/inbox")).await.unwrap();
        c.execute(
            "const dt = new DataTransfer();\
             dt.items.add(new File(['geen export\\n\\u0001'], 'gesleept.csv', {type: 'text/csv'}));\
             document.querySelector('.dropzone').dispatchEvent(\
               new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));",
            vec![],
        )
        .await
        .unwrap();
        let msg = text_when(&c, Locator::Id("message")).await;
        assert!(
            msg.contains("quarantined") && msg.contains("gesleept.csv"),
            "{msg}"
        );
        let listed = text(&c, Locator::Id("inbox")).await;
        assert!(
            listed.contains("utf16le-pipe.csv")
                && listed.contains("kapot.csv")
                && listed.contains("gesleept.csv"),
            "{listed}"
        );
        shot("inbox").await;

        // Nederlands.
        click(&c, Locator::Css("a.lang")).await;
        let header = text(&c, Locator::Css("header")).await;
        assert!(
            header.contains("Overzicht") && header.contains("Te beoordelen"),
            "{header}"
        );
        // The words a Dutch bookkeeper decides by are Dutch too, beside the chrome (review 45d,
        // F-5): the ageing legend, and what became of each payment.
        settled(&c, &format!("{base}/")).await;
        let overview = c.source().await.unwrap();
        assert!(
            overview.contains("dagen:") && !overview.contains(" days:"),
            "{overview}"
        );
        settled(&c, &format!("{base}/debtor/D100")).await;
        let statuses = text(&c, Locator::Id("debtor-payments")).await;
        assert!(statuses.contains("toegewezen"), "{statuses}");
        c.close().await.unwrap();

        // What the browser did is what the CLI sees, in the audit log too.
        let allocations = ok(incasso(&data, &["allocations", "--format", "csv"]));
        assert!(
            allocations.contains(&format!("{payment},{document},"))
                && allocations.contains(&format!("{refund},F2026-003,100.00,manual")),
            "{allocations}"
        );
        let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
        assert_eq!(audit.matches(",allocate,").count(), 2, "{audit}");
        assert_eq!(
            audit.matches("by bookkeeper-anna (workbench)").count(),
            2,
            "who decided: {audit}"
        );
    });

    // A form sent from elsewhere (no CSRF token, another site's Origin) changes nothing.
    let o = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
        .args(["-H", "Origin: http://evil.example", "-b", &session_cookie()])
        .args(["--data", "csrf=x&back=/review&payment=p&document=d"])
        .arg(format!("{base}/allocate"))
        .output();
    if let Ok(o) = o {
        assert_eq!(String::from_utf8_lossy(&o.stdout), "403");
    }
    // The filtered list as CSV, with the cookie.
    let o = Command::new("curl")
        .args(["-s", "-b", &session_cookie()])
        .arg(format!("{base}/items.csv?currency=USD"))
        .output();
    if let Ok(o) = o {
        let csv = String::from_utf8_lossy(&o.stdout);
        assert!(
            csv.starts_with("invoice,debtor,currency,open") && csv.lines().count() == 2,
            "{csv}"
        );
    }
}

/// Two sources tell invoice TOSL108 differently (the UBL file 1729.00, a ledger export 1728.00):
/// the conflict waits on its page with both values; the person takes the incoming version, and
/// the store, the CLI and the audit log (with who decided) agree afterwards.
#[test]
fn a_person_resolves_a_conflict_in_a_browser() {
    let Some((_driver, port)) = chromedriver() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(
        &data,
        &[
            "ubl/nl-si-ubl-2.0-minimal.xml",
            "ubl/nl-si-ubl-2.0-full.xml",
        ],
    );
    let out = import_fixtures(&data, &["sources/ledger-matching-ubl.csv"]);
    assert!(out.contains("1 in conflict"), "{out}");
    std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
    let (_server, base, login) = workbench(&data, dir.path());
    runtime().block_on(async {
        let c = browser(port, &dir.path().join("chromium")).await;
        c.goto(&login).await.unwrap();
        let attention = text(&c, Locator::Id("attention")).await;
        assert!(attention.contains("conflict"), "{attention}");
        c.goto(&format!("{base}/conflicts")).await.unwrap();
        let page = text(&c, Locator::Css("main")).await;
        assert!(
            page.contains("TOSL108") && page.contains("1729.00") && page.contains("1728.00"),
            "{page}"
        );
        let id = c
            .find(Locator::Css(
                "form[action='/conflicts/resolve'] input[name=id]",
            ))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .unwrap();
        click(
            &c,
            Locator::Css("form[action='/conflicts/resolve'] input[value=incoming] ~ button"),
        )
        .await;
        let msg = text_when(&c, Locator::Id("message")).await;
        assert!(msg.contains("TOSL108") && msg.contains("incoming"), "{msg}");
        // The same form sent again (another tab): the page says it is resolved already, no
        // HTTP 500 (review 45d, F-4).
        let csrf = incasso_workbench::auth::Access::new("workbench-test-token-0123456789".into())
            .csrf()
            .to_string();
        let o = Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{redirect_url}",
            ])
            .args(["-b", &session_cookie()])
            .args(["--data", &format!("csrf={csrf}&id={id}&keep=stored")])
            .arg(format!("{base}/conflicts/resolve"))
            .output();
        if let Ok(o) = o {
            let said = String::from_utf8_lossy(&o.stdout).to_string();
            assert!(
                said.starts_with("303") && said.contains("already"),
                "{said}"
            );
        }
        c.goto(&format!("{base}/conflicts")).await.unwrap();
        assert!(
            c.find(Locator::Id("empty")).await.is_ok(),
            "no conflict left open"
        );
        c.close().await.unwrap();
    });
    assert!(ok(incasso(&data, &["conflicts"])).contains("0 conflict(s) open"));
    let receivables = ok(incasso(
        &data,
        &["receivables", "--as-of", "2026-12-31", "--format", "csv"],
    ));
    assert!(receivables.contains(",1728.00,1728.00,"), "{receivables}");
    let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
    let resolved: Vec<&str> = audit
        .lines()
        .filter(|l| l.contains("conflict-resolved"))
        .collect();
    assert_eq!(resolved.len(), 1, "{audit}");
    assert!(
        resolved[0].contains("by bookkeeper-anna (workbench)"),
        "who decided: {audit}"
    );
}

/// A claim held because a payment may have paid it: the person says the payment did not pay
/// it ("release"), the page shows that at once, and once worked in the invoice is no longer held
/// for that payment; the store's review list and audit log agree.
#[test]
fn a_person_releases_a_held_claim_in_a_browser() {
    let Some((_driver, port)) = chromedriver() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let src = fixture("othergen/nl-camt");
    for f in [src.join("ledger.csv"), src.join("bank")] {
        ok(incasso(&data, &["import", f.to_str().unwrap()]));
    }
    std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
    let (_server, base, login) = workbench(&data, dir.path());
    let claims = format!("{base}/claims?as_of=2026-06-30");
    let (payment, invoice) = runtime().block_on(async {
        let c = browser(port, &dir.path().join("chromium")).await;
        c.goto(&login).await.unwrap();
        c.goto(&claims).await.unwrap();
        let row = c
            .find(Locator::Css("tr.held:has(button.release)"))
            .await
            .unwrap();
        let invoice = row.attr("data-invoice").await.unwrap().unwrap();
        let payment = row
            .find(Locator::Css("input[name=payment]"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .unwrap();
        row.find(Locator::Css("button.release"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let msg = text_when(&c, Locator::Id("message")).await;
        assert!(msg.contains(&payment) && msg.contains('↛'), "{msg}");
        settled(&c, &claims).await;
        for row in c
            .find_all(Locator::Css(&format!("tr.held[data-invoice='{invoice}']")))
            .await
            .unwrap()
        {
            let text = row.text().await.unwrap();
            assert!(
                !text.contains(&format!("possible payment {payment} ")),
                "{invoice} is still held for {payment}: {text}"
            );
        }
        c.close().await.unwrap();
        (payment, invoice)
    });
    let review = ok(incasso(
        &data,
        &["review", "--as-of", "2026-06-30", "--format", "csv"],
    ));
    assert!(
        !review
            .lines()
            .any(|l| l.starts_with(&format!("{payment},")) && l.contains(&invoice)),
        "{review}"
    );
    let audit = ok(incasso(&data, &["audit", "--format", "csv"]));
    let released: Vec<&str> = audit
        .lines()
        .filter(|l| l.contains(",unallocate,"))
        .collect();
    assert_eq!(released.len(), 1, "{audit}");
    assert!(
        released[0].contains(&payment) && released[0].contains("by bookkeeper-anna (workbench)"),
        "{audit}"
    );
}

/// The value of the first `name="VALUE"` attribute after `from` in `html`.
fn attr<'h>(html: &'h str, from: &str, name: &str) -> &'h str {
    let at = html
        .find(from)
        .unwrap_or_else(|| panic!("{from} in {html}"));
    let rest = &html[at..];
    let start = rest.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    let end = start + rest[start..].find('"').unwrap();
    &rest[start..end]
}

/// A decision made in the workbench answers at once: the next page shows the row decided,
/// with no button to decide it again, while the ledger is worked out again behind it (or is
/// worked out already); then the queue is empty and the store holds the decision. Over plain
/// HTTP, so it runs where no browser is installed too.
#[test]
fn a_decision_shows_at_once_and_is_worked_in_behind_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &QUEUE);
    std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
    let (_server, base, _) = workbench(&data, dir.path());
    let (payment, document) = runtime().block_on(async {
        let web = reqwest::Client::new();
        let get = |path: String| {
            let web = web.clone();
            async move {
                let r = web
                    .get(path)
                    .header("cookie", &session_cookie())
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                r.text().await.unwrap()
            }
        };
        let queue = get(format!("{base}/review")).await;
        let payment = attr(&queue, "<tr class=\"item\"", "data-payment").to_string();
        let document = attr(&queue, "<tr class=\"item\"", "data-document").to_string();
        let csrf = attr(&queue, "name=\"csrf\"", "value").to_string();
        let page = web
            .post(format!("{base}/allocate"))
            .header("cookie", &session_cookie())
            .form(&[
                ("csrf", csrf.as_str()),
                ("back", "/review"),
                ("payment", &payment),
                ("document", &document),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"message\""), "{page}");
        if page.contains("id=\"working\"") {
            let row = &page[page.find(&format!("data-payment=\"{payment}\"")).unwrap()..];
            let row = &row[..row.find("</tr>").unwrap()];
            assert!(row.contains("Decided, being worked in"), "{row}");
            assert!(
                !row.contains("<form"),
                "no button to decide it again: {row}"
            );
        } else {
            assert!(page.contains("id=\"empty\""), "{page}");
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let settled = loop {
            let p = get(format!("{base}/review")).await;
            if !p.contains("id=\"working\"") {
                break p;
            }
            assert!(Instant::now() < deadline, "still being worked in: {p}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(settled.contains("id=\"empty\""), "{settled}");
        let overview = get(format!("{base}/")).await;
        assert!(overview.contains("<b>0</b> doubtful matches"), "{overview}");
        // An import by another process: the next page shows the ledger as it was, without a
        // button, until the new one is worked out; then the buttons are back.
        ok(incasso(
            &data,
            &[
                "import",
                fixture("ledger/utf16le-pipe.csv").to_str().unwrap(),
            ],
        ));
        let page = get(format!("{base}/unapplied")).await;
        if page.contains("id=\"working\"") {
            assert!(page.contains("The ledger changed"), "{page}");
            assert!(
                !page.contains("action=\"/allocate\""),
                "no decision on it: {page}"
            );
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let p = get(format!("{base}/unapplied")).await;
            if !p.contains("id=\"working\"") {
                assert!(p.contains("action=\"/allocate\""), "{p}");
                break;
            }
            assert!(Instant::now() < deadline, "still being worked out: {p}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (payment, document)
    });
    let allocations = ok(incasso(&data, &["allocations", "--format", "csv"]));
    assert!(
        allocations.contains(&format!("{payment},{document},")),
        "{allocations}"
    );
}

/// The session cookie the workbench of the test token sets.
fn session_cookie() -> String {
    incasso_workbench::auth::Access::new("workbench-test-token-0123456789".into()).cookie_pair()
}

/// A file over the upload limit is refused with the limit and where to put it instead: on its
/// announced length before any of its body is waited for, and when a body of no announced length
/// passes the limit; nothing of it stays in the inbox (review 45d, F-9: "the upload broke off:
/// Error parsing `multipart/form-data` request").
#[test]
fn an_upload_over_the_limit_says_so() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_fixtures(&data, &QUEUE);
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let (_server, base, _) = workbench(&data, dir.path());
    let host = base.trim_start_matches("http://").to_string();
    let head = |length: &str| {
        format!(
            "POST /inbox/upload HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\n{length}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n\r\n",
            session_cookie()
        )
    };
    let answer = |mut s: std::net::TcpStream| {
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            if got.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let text = String::from_utf8_lossy(&got).to_string();
        let location = text
            .lines()
            .find_map(|l| l.strip_prefix("location: "))
            .unwrap_or_else(|| panic!("{text}"))
            .to_string();
        let message: String = reqwest::Url::parse(&format!("http://{host}{location}"))
            .unwrap()
            .query_pairs()
            .find_map(|(k, v)| (k == "msg").then(|| v.into_owned()))
            .unwrap_or_default();
        assert!(
            message.contains("larger than the 256 MB an upload takes")
                && message.contains(inbox.to_str().unwrap()),
            "{message}"
        );
    };
    // Announced: three gigabytes, and no byte of them sent.
    let mut s = std::net::TcpStream::connect(&host).unwrap();
    s.write_all(head("Content-Length: 3000000000").as_bytes())
        .unwrap();
    answer(s);
    // Not announced: the body is sent in chunks until the server answers.
    let s = std::net::TcpStream::connect(&host).unwrap();
    let mut w = s.try_clone().unwrap();
    let start = head("Transfer-Encoding: chunked");
    let sender = std::thread::spawn(move || {
        let part =
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\n";
        let _ = w.write_all(start.as_bytes());
        let _ = write!(w, "{:x}\r\n{part}\r\n", part.len());
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..300 {
            if write!(w, "{:x}\r\n", chunk.len()).is_err()
                || w.write_all(&chunk).is_err()
                || w.write_all(b"\r\n").is_err()
            {
                break;
            }
        }
    });
    answer(s);
    let _ = sender.join();
    let left: Vec<_> = std::fs::read_dir(&inbox).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}
