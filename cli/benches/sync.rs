//! Sync benchmark: `incasso sync` (release) against the local API stand-ins of `tests/api_server`
//! with 100,000 invoices (`SYNC_INVOICES`), per package: the first sync's time and peak memory,
//! the peak memory at a quarter of the size (what grows with the total), and the second
//! sync's requests and time with nothing changed upstream. `SYNC_PACKAGES=exact` runs one
//! (moneybird, exact, xero, twinfield).

#[path = "../../tests/api_server/mod.rs"]
mod api_server;
mod common;

use std::path::Path;

fn secret_file(dir: &Path, name: &str, value: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, value).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p.display().to_string()
}

fn config(dir: &Path, server: &api_server::Server, kind: &str) -> String {
    let url = server.url();
    let id = secret_file(dir, "client_id", api_server::CLIENT_ID);
    let secret = secret_file(dir, "client_secret", api_server::CLIENT_SECRET);
    let refresh = secret_file(dir, "refresh", api_server::FIRST_REFRESH);
    let token = secret_file(dir, "mb", api_server::MB_TOKEN);
    let oauth = format!("client_id_file = \"{id}\"\nclient_secret_file = \"{secret}\"\nrefresh_token_file = \"{refresh}\"\ncalls_per_minute = 1000000\n");
    let body = match kind {
        "moneybird" => format!("[[source]]\nname = \"mb\"\nkind = \"moneybird\"\nadministration = \"1\"\nbase_url = \"{url}/mb\"\ntoken_file = \"{token}\"\ncalls_per_minute = 1000000\n"),
        "exact" => format!("[[source]]\nname = \"ex\"\nkind = \"exact\"\ndivision = 1\nbase_url = \"{url}/exact\"\n{oauth}"),
        "twinfield" => format!("[[source]]\nname = \"tw\"\nkind = \"twinfield\"\noffice = \"{}\"\nlogin_url = \"{url}/twinfield\"\nfirst_year = 2025\n{oauth}", api_server::twinfield::OFFICE),
        _ => format!("[[source]]\nname = \"xe\"\nkind = \"xero\"\ntenant = \"{}\"\nbase_url = \"{url}/xero\"\ntoken_url = \"{url}/xero/connect/token\"\n{oauth}", api_server::TENANT),
    };
    let p = dir.join("incasso.toml");
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

fn one(kind: &str, invoices: usize) -> (usize, f64, f64, f64, usize) {
    let mut up = api_server::Upstream::with(invoices / 20, invoices);
    if kind == "twinfield" {
        // Spread over the year's periods, as a real ledger is: Twinfield is read a period at a
        // time.
        for (i, inv) in up.invoices.iter_mut().enumerate() {
            inv.date = format!("2026-{:02}-01", i % 12 + 1);
            inv.due = inv.date.clone();
        }
    }
    let server = api_server::start(up);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &server, kind);
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let (first, rss) = common::run(&["--data-dir", data, "sync", "--config", &cfg]);
    let before = server
        .up()
        .log
        .iter()
        .filter(|l| !l.contains("token"))
        .count();
    let first_requests = before;
    let (second, _) = common::run(&["--data-dir", data, "sync", "--config", &cfg]);
    let requests = server
        .up()
        .log
        .iter()
        .filter(|l| !l.contains("token"))
        .count()
        - before;
    let docs = incasso_store::Store::open(Path::new(data))
        .unwrap()
        .documents()
        .unwrap()
        .len();
    assert_eq!(docs, invoices, "{kind}: every invoice is in the ledger");
    (first_requests, first, rss, second, requests)
}

fn main() {
    let n = common::env_n("SYNC_INVOICES", 100_000) as usize;
    println!(
        "sync of {n} invoices ({} contacts) from the local stand-in",
        n / 20
    );
    println!(
        "package    requests  first sync   peak RSS   RSS at n/4   second sync   its requests"
    );
    let packages =
        std::env::var("SYNC_PACKAGES").unwrap_or_else(|_| "moneybird,exact,xero,twinfield".into());
    for kind in packages.split(',') {
        let (first_requests, first, rss, second, requests) = one(kind, n);
        let (_, _, quarter_rss, _, _) = one(kind, n / 4);
        println!(
            "{kind:<10} {first_requests:>8} {first:>8.2} s {rss:>7.0} MB {quarter_rss:>9.0} MB {second:>10.2} s {requests:>10}"
        );
    }
}
