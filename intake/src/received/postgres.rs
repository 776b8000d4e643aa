//! The store of received claims in PostgreSQL, for any number of server instances on one
//! database. Exactly-once holds across instances through the database alone: a batch runs in
//! one transaction that first takes an advisory lock on its creditor, so the same
//! Idempotency-Key sent to two instances at once is judged once and the other instance replays
//! the answer; the answers table's key and the revisions table's (creditor, claim id, revision)
//! key refuse a second copy even if that lock were bypassed. The transaction commits, with
//! synchronous commit, before the answer leaves. Schema changes are versioned migrations in
//! `intake/migrations/`, applied by [`Postgres::migrate`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use serde_json::Value;
use tokio_postgres::types::Json;
use tokio_postgres::NoTls;

use super::{
    change_of, status_change, take_status, ClaimStore, Decide, Fut, Incoming, Processed,
    ReceivedError, StatusRecorded, StoredAnswer, StoredClaim,
};
use crate::schema::{Change, StatusUpdate};

/// The migrations, in order: (version, name, SQL). A version once released never changes.
const MIGRATIONS: &[(i32, &str, &str)] = &[(
    1,
    "intake",
    include_str!("../../migrations/0001_intake.sql"),
)];

/// Advisory lock taken while migrating, so two instances starting at once migrate once.
const MIGRATION_LOCK: i64 = 0x696e_6361_7373_6f00;
/// Advisory lock held from drawing change numbers to commit.
const CHANGE_LOCK: i64 = 0x696e_6361_7373_6f01;

/// The store of received claims in a PostgreSQL database.
pub struct Postgres {
    pool: Pool,
}

/// A creditor with a token in the database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreditorRow {
    /// The creditor's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// When the token was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn db(e: impl std::fmt::Display) -> ReceivedError {
    ReceivedError::Database(e.to_string())
}

/// A tokio-postgres error with the server's own message, which its `Display` leaves out.
fn pg(e: tokio_postgres::Error) -> ReceivedError {
    match e.as_db_error() {
        Some(d) => ReceivedError::Database(format!("{} ({})", d.message(), d.code().code())),
        None => db(e),
    }
}

fn json<T: serde::Serialize>(v: &T) -> Json<&T> {
    Json(v)
}

fn record(v: Json<Value>) -> Result<StoredClaim, ReceivedError> {
    serde_json::from_value(v.0).map_err(|e| ReceivedError::Unreadable(e.to_string()))
}

/// The advisory lock of one creditor's claims.
fn creditor_lock(creditor: &str) -> i64 {
    let h = blake3::hash(format!("incasso-intake-creditor\0{creditor}").as_bytes());
    i64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes"))
}

/// SHA-256 of a token, hex: what the creditors table keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

impl Postgres {
    /// Connects a pool of at most `max_connections` to `url` (`postgres://USER@HOST:PORT/DB`)
    /// and checks that the database answers.
    pub async fn connect(url: &str, max_connections: usize) -> Result<Postgres, ReceivedError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| db(format!("the database URL is not valid: {e}")))?;
        // A stuck or partitioned instance must not hold a creditor's lock (or the feed's) for
        // hours: waits for a lock, statements and idle transactions are bounded (the request
        // then fails with a 5xx and the client retries), and dead peers are noticed.
        let mut options = config.get_options().unwrap_or("").to_string();
        options.push_str(
            " -c lock_timeout=10000 -c statement_timeout=60000 -c idle_in_transaction_session_timeout=30000",
        );
        config
            .options(options.trim())
            .keepalives(true)
            .keepalives_idle(std::time::Duration::from_secs(30))
            .connect_timeout(std::time::Duration::from_secs(10));
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .create_timeout(Some(std::time::Duration::from_secs(10)))
            .wait_timeout(Some(std::time::Duration::from_secs(30)))
            .build()
            .map_err(db)?;
        let pg = Postgres { pool };
        drop(pg.client().await?);
        Ok(pg)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, ReceivedError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => pg(e),
            e => db(e),
        })
    }

    /// Applies the migrations the database lacks, in one transaction under a lock; refuses a
    /// database migrated by a newer incasso or one whose applied migration differs from ours.
    /// Returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i32>, ReceivedError> {
        let mut client = self.client().await?;
        // A database that is up to date needs no DDL right: a server may run as a role that
        // only reads and writes rows.
        if self.current(&client).await? {
            return Ok(Vec::new());
        }
        let tx = client.transaction().await.map_err(pg)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(pg)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS intake_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await
        .map_err(pg)?;
        let applied: HashMap<i32, String> = tx
            .query("SELECT version, checksum FROM intake_migrations", &[])
            .await
            .map_err(pg)?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let newest = MIGRATIONS.last().map_or(0, |m| m.0);
        if let Some(v) = applied.keys().find(|v| **v > newest) {
            return Err(db(format!(
                "the database is at intake schema version {v}, newer than this incasso knows ({newest}): upgrade incasso"
            )));
        }
        let mut now = Vec::new();
        for (version, name, sql) in MIGRATIONS {
            let sum = blake3::hash(sql.as_bytes()).to_hex().to_string();
            match applied.get(version) {
                Some(s) if *s == sum => continue,
                Some(_) => {
                    return Err(db(format!(
                        "migration {version} ({name}) in the database differs from this incasso's; the schema was changed by hand or by another build"
                    )))
                }
                None => {}
            }
            tx.batch_execute(sql).await.map_err(pg)?;
            tx.execute(
                "INSERT INTO intake_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                &[version, name, &sum],
            )
            .await
            .map_err(pg)?;
            now.push(*version);
        }
        tx.commit().await.map_err(pg)?;
        Ok(now)
    }

    /// Whether every migration is applied, exactly as this incasso has it.
    async fn current(&self, client: &deadpool_postgres::Object) -> Result<bool, ReceivedError> {
        let exists: bool = client
            .query_one("SELECT to_regclass('intake_migrations') IS NOT NULL", &[])
            .await
            .map_err(pg)?
            .get(0);
        if !exists {
            return Ok(false);
        }
        let applied: Vec<(i32, String)> = client
            .query(
                "SELECT version, checksum FROM intake_migrations ORDER BY version",
                &[],
            )
            .await
            .map_err(pg)?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let ours: Vec<(i32, String)> = MIGRATIONS
            .iter()
            .map(|(v, _, sql)| (*v, blake3::hash(sql.as_bytes()).to_hex().to_string()))
            .collect();
        Ok(applied == ours)
    }

    /// Adds a creditor with a new random token, returned once; only its hash is kept.
    pub async fn add_creditor(&self, id: &str, name: &str) -> Result<String, ReceivedError> {
        if let Some(p) = crate::validate::id_problem("creditor id", id) {
            return Err(db(p));
        }
        let mut bytes = [0u8; 24];
        getrandom(&mut bytes)?;
        let token = format!("inc_{}", hex::encode(bytes));
        let n = self
            .client()
            .await?
            .execute(
                "INSERT INTO creditors (id, name, token_sha256) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET name = $2, token_sha256 = $3, created_at = now(), revoked_at = NULL
                 WHERE creditors.revoked_at IS NOT NULL",
                &[&id, &name, &token_hash(&token)],
            )
            .await
            .map_err(pg)?;
        if n == 0 {
            return Err(db(format!(
                "creditor {id} has a token already: revoke it first to issue a new one"
            )));
        }
        Ok(token)
    }

    /// Every creditor in the database.
    pub async fn creditors(&self) -> Result<Vec<CreditorRow>, ReceivedError> {
        Ok(self
            .client()
            .await?
            .query(
                "SELECT id, name, created_at, revoked_at FROM creditors ORDER BY id",
                &[],
            )
            .await
            .map_err(pg)?
            .into_iter()
            .map(|r| CreditorRow {
                id: r.get(0),
                name: r.get(1),
                created_at: r.get(2),
                revoked_at: r.get(3),
            })
            .collect())
    }

    /// Revokes a creditor's token; false when it has none in force.
    pub async fn revoke_creditor(&self, id: &str) -> Result<bool, ReceivedError> {
        Ok(self
            .client()
            .await?
            .execute(
                "UPDATE creditors SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                &[&id],
            )
            .await
            .map_err(pg)?
            == 1)
    }

    /// Numbers and inserts changes; holds the change lock until the transaction ends.
    async fn insert_changes(
        tx: &deadpool_postgres::Transaction<'_>,
        changes: &[Change],
    ) -> Result<(), ReceivedError> {
        if changes.is_empty() {
            return Ok(());
        }
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CHANGE_LOCK])
            .await
            .map_err(pg)?;
        let creditors: Vec<&str> = changes.iter().map(|c| c.creditor.as_str()).collect();
        let ids: Vec<&str> = changes.iter().map(|c| c.claim_id.as_str()).collect();
        let events: Vec<&str> = changes.iter().map(|c| c.event.as_str()).collect();
        let bodies: Vec<Json<&Change>> = changes.iter().map(json).collect();
        tx.execute(
            "INSERT INTO changes (seq, creditor, claim_id, event, body)
             SELECT nextval('change_seq'), c, i, e, b
             FROM unnest($1::text[], $2::text[], $3::text[], $4::json[]) WITH ORDINALITY AS t(c, i, e, b, n)
             ORDER BY n",
            &[&creditors, &ids, &events, &bodies],
        )
        .await
        .map_err(pg)?;
        Ok(())
    }
}

/// Random bytes from the operating system, for tokens.
fn getrandom(buf: &mut [u8]) -> Result<(), ReceivedError> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|e| ReceivedError::Storage(format!("reading /dev/urandom: {e}")))
}

impl ClaimStore for Postgres {
    fn claim<'a>(&'a self, creditor: &'a str, claim_id: &'a str) -> Fut<'a, Option<StoredClaim>> {
        Box::pin(async move {
            self.client()
                .await?
                .query_opt(
                    "SELECT record FROM claims WHERE creditor = $1 AND claim_id = $2",
                    &[&creditor, &claim_id],
                )
                .await
                .map_err(pg)?
                .map(|r| record(r.get(0)))
                .transpose()
        })
    }

    fn first_use_of_signature<'a>(&'a self, signature: &'a str, now: i64) -> Fut<'a, bool> {
        Box::pin(async move {
            let client = self.client().await?;
            let fresh = client
                .execute(
                    "INSERT INTO signatures (signature, seen_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[&signature, &now],
                )
                .await
                .map_err(pg)?
                == 1;
            if fresh && now % 64 == 0 {
                let horizon = now - 2 * crate::auth::SIGNATURE_WINDOW_SECS;
                client
                    .execute("DELETE FROM signatures WHERE seen_at < $1", &[&horizon])
                    .await
                    .map_err(pg)?;
            }
            Ok(fresh)
        })
    }

    fn process(&self, b: Incoming, decide: Decide) -> Fut<'_, Processed> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            tx.execute(
                "SELECT pg_advisory_xact_lock($1)",
                &[&creditor_lock(&b.creditor)],
            )
            .await
            .map_err(pg)?;
            if let Some(r) = tx
                .query_opt(
                    "SELECT body_hash, status, body FROM answers WHERE creditor = $1 AND idempotency_key = $2",
                    &[&b.creditor, &b.key],
                )
                .await
                .map_err(pg)?
            {
                let a = StoredAnswer {
                    body_hash: r.get(0),
                    status: r.get::<_, i16>(1) as u16,
                    body: r.get(2),
                };
                return Ok(if a.body_hash == b.body_hash {
                    Processed::Replayed(a)
                } else {
                    Processed::KeyReused
                });
            }
            let mut stored = HashMap::new();
            for r in tx
                .query(
                    "SELECT record FROM claims WHERE creditor = $1 AND claim_id = ANY($2) FOR UPDATE",
                    &[&b.creditor, &b.claim_ids],
                )
                .await
                .map_err(pg)?
            {
                let c = record(r.get(0))?;
                stored.insert(c.claim.claim_id.clone(), c);
            }
            let decided = decide(&stored);
            let a = &decided.answer;
            tx.execute(
                "INSERT INTO answers (creditor, idempotency_key, body_hash, status, body) VALUES ($1, $2, $3, $4, $5)",
                &[&b.creditor, &b.key, &a.body_hash, &(a.status as i16), &a.body],
            )
            .await
            .map_err(pg)?;
            let accepted = &decided.accepted;
            if !accepted.is_empty() {
                let col = |f: &dyn Fn(&StoredClaim) -> String| -> Vec<String> {
                    accepted.iter().map(|(c, _)| f(c)).collect()
                };
                let ids = col(&|c| c.claim.claim_id.clone());
                let revision: Vec<i32> = accepted
                    .iter()
                    .map(|(c, _)| c.claim.revision as i32)
                    .collect();
                let latest: Vec<i32> = accepted
                    .iter()
                    .map(|(c, _)| c.latest_revision() as i32)
                    .collect();
                let withdrawn: Vec<bool> = accepted
                    .iter()
                    .map(|(c, _)| c.withdrawn().is_some())
                    .collect();
                let state: Vec<Option<&str>> = accepted
                    .iter()
                    .map(|(c, _)| c.agency.as_ref().map(|a| a.state.code()))
                    .collect();
                let at: Vec<DateTime<Utc>> = accepted.iter().map(|(c, _)| c.accepted_at).collect();
                let batch = col(&|c| c.batch_id.clone());
                let records: Vec<Json<&StoredClaim>> =
                    accepted.iter().map(|(c, _)| json(c)).collect();
                tx.execute(
                    "INSERT INTO claims (creditor, claim_id, revision, latest_revision, withdrawn, agency_state, accepted_at, batch_id, record)
                     SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[], $5::bool[], $6::text[], $7::timestamptz[], $8::text[], $9::jsonb[])
                     ON CONFLICT (creditor, claim_id) DO UPDATE SET
                        revision = excluded.revision, latest_revision = excluded.latest_revision,
                        withdrawn = excluded.withdrawn, agency_state = excluded.agency_state,
                        accepted_at = excluded.accepted_at, batch_id = excluded.batch_id, record = excluded.record",
                    &[&b.creditor, &ids, &revision, &latest, &withdrawn, &state, &at, &batch, &records],
                )
                .await
                .map_err(pg)?;
                let changes: Vec<Change> =
                    accepted.iter().map(|(c, e)| change_of(0, c, *e)).collect();
                let events: Vec<&str> = changes.iter().map(|c| c.event.as_str()).collect();
                let ev_rev: Vec<i32> = changes.iter().map(|c| c.revision as i32).collect();
                let ev_at: Vec<DateTime<Utc>> = changes.iter().map(|c| c.at).collect();
                let ev_batch: Vec<&str> = changes
                    .iter()
                    .map(|c| c.batch_id.as_deref().unwrap_or(""))
                    .collect();
                tx.execute(
                    "INSERT INTO revisions (creditor, claim_id, revision, event, accepted_at, batch_id)
                     SELECT $1, * FROM unnest($2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::text[])",
                    &[&b.creditor, &ids, &ev_rev, &events, &ev_at, &ev_batch],
                )
                .await
                .map_err(pg)?;
                // Last: the feed's lock is held from here to the commit only.
                Self::insert_changes(&tx, &changes).await?;
            }
            tx.commit().await.map_err(pg)?;
            Ok(Processed::Stored(decided.answer))
        })
    }

    fn record_status<'a>(
        &'a self,
        claim_id: &'a str,
        update: &'a StatusUpdate,
        now: DateTime<Utc>,
    ) -> Fut<'a, StatusRecorded> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let Some(row) = tx
                .query_opt(
                    "SELECT record FROM claims WHERE creditor = $1 AND claim_id = $2 FOR UPDATE",
                    &[&update.creditor, &claim_id],
                )
                .await
                .map_err(pg)?
            else {
                return Ok(StatusRecorded::NoClaim);
            };
            let mut c = record(row.get(0))?;
            let status = match take_status(&mut c, update, now) {
                Ok(s) => s,
                Err(answer) => return Ok(answer),
            };
            tx.execute(
                "UPDATE claims SET agency_state = $3, record = $4 WHERE creditor = $1 AND claim_id = $2",
                &[&update.creditor, &claim_id, &status.state.code(), &json(&c)],
            )
            .await
            .map_err(pg)?;
            Self::insert_changes(&tx, &[status_change(0, &c, &status)]).await?;
            tx.commit().await.map_err(pg)?;
            Ok(StatusRecorded::Updated(status))
        })
    }

    fn changes<'a>(
        &'a self,
        creditor: Option<&'a str>,
        after: u64,
        limit: usize,
        claims: bool,
    ) -> Fut<'a, (Vec<Change>, bool)> {
        Box::pin(async move {
            let after = i64::try_from(after).unwrap_or(i64::MAX);
            let take = i64::try_from(limit).unwrap_or(i64::MAX - 1) + 1;
            let rows = self
                .client()
                .await?
                .query(
                    "SELECT seq, body FROM changes WHERE seq > $1 AND ($2::text IS NULL OR creditor = $2)
                     ORDER BY seq LIMIT $3",
                    &[&after, &creditor, &take],
                )
                .await
                .map_err(pg)?;
            let more = rows.len() > limit;
            let changes = rows
                .into_iter()
                .take(limit)
                .map(|r| {
                    let body: Json<Value> = r.get(1);
                    let mut c: Change = serde_json::from_value(body.0)
                        .map_err(|e| ReceivedError::Unreadable(e.to_string()))?;
                    c.seq = r.get::<_, i64>(0) as u64;
                    if !claims {
                        c.claim = None;
                    }
                    Ok(c)
                })
                .collect::<Result<Vec<_>, ReceivedError>>()?;
            Ok((changes, more))
        })
    }

    fn feed_end(&self) -> Fut<'_, (String, u64)> {
        Box::pin(async move {
            let r = self
                .client()
                .await?
                .query_one(
                    "SELECT (SELECT epoch FROM feed), (SELECT coalesce(max(seq), 0) FROM changes)",
                    &[],
                )
                .await
                .map_err(pg)?;
            Ok((r.get(0), r.get::<_, i64>(1) as u64))
        })
    }

    fn all(&self) -> Fut<'_, Vec<StoredClaim>> {
        Box::pin(async move {
            self.client()
                .await?
                .query("SELECT record FROM claims ORDER BY creditor, claim_id", &[])
                .await
                .map_err(pg)?
                .into_iter()
                .map(|r| record(r.get(0)))
                .collect()
        })
    }

    fn creditor_of_token<'a>(&'a self, token: &'a str) -> Fut<'a, Option<String>> {
        Box::pin(async move {
            Ok(self
                .client()
                .await?
                .query_opt(
                    "SELECT id FROM creditors WHERE token_sha256 = $1 AND revoked_at IS NULL",
                    &[&token_hash(token)],
                )
                .await
                .map_err(pg)?
                .map(|r| r.get(0)))
        })
    }
}
