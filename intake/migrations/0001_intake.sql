-- incasso intake, version 1: received claims, their revisions, answers to Idempotency-Keys,
-- signatures seen, the change feed, and creditors' tokens (as SHA-256 hashes).

CREATE TABLE creditors (
    id text PRIMARY KEY,
    name text NOT NULL DEFAULT '',
    token_sha256 text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- One row per claim: its latest state. `record` is the whole claim as the agency keeps it.
CREATE TABLE claims (
    creditor text NOT NULL,
    claim_id text NOT NULL,
    revision integer NOT NULL CHECK (revision >= 1),
    latest_revision integer NOT NULL,
    withdrawn boolean NOT NULL,
    agency_state text,
    accepted_at timestamptz NOT NULL,
    batch_id text NOT NULL,
    record jsonb NOT NULL,
    PRIMARY KEY (creditor, claim_id),
    CHECK (latest_revision >= revision)
);

-- One row per accepted revision or withdrawal: a revision is taken once, ever.
CREATE TABLE revisions (
    creditor text NOT NULL,
    claim_id text NOT NULL,
    revision integer NOT NULL,
    event text NOT NULL CHECK (event IN ('new', 'update', 'withdrawn')),
    accepted_at timestamptz NOT NULL,
    batch_id text NOT NULL,
    PRIMARY KEY (creditor, claim_id, revision),
    FOREIGN KEY (creditor, claim_id) REFERENCES claims
);

-- The answer given to each Idempotency-Key, written in the transaction of its batch.
CREATE TABLE answers (
    creditor text NOT NULL,
    idempotency_key text NOT NULL,
    body_hash text NOT NULL,
    status smallint NOT NULL,
    body text NOT NULL,
    answered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (creditor, idempotency_key)
);

-- Request signatures seen recently (a second use is a replay).
CREATE TABLE signatures (
    signature text PRIMARY KEY,
    seen_at bigint NOT NULL
);
CREATE INDEX signatures_by_age ON signatures (seen_at);

-- The change feed. Numbers are drawn under a lock held until commit, so they follow commit
-- order and a reader paging by number never skips a change committed late.
CREATE SEQUENCE change_seq;
CREATE TABLE changes (
    seq bigint PRIMARY KEY,
    creditor text NOT NULL,
    claim_id text NOT NULL,
    event text NOT NULL CHECK (event IN ('new', 'update', 'withdrawn', 'status')),
    -- json, not jsonb: the feed hands the text on as it was written, so nothing re-parses it.
    body json NOT NULL,
    FOREIGN KEY (creditor, claim_id) REFERENCES claims
);
CREATE INDEX changes_by_creditor ON changes (creditor, seq);

-- The feed's identity: a cursor names it, so one from another database (a restore, a move) is
-- refused instead of silently skipping changes numbered anew.
CREATE TABLE feed (epoch text NOT NULL);
INSERT INTO feed (epoch) VALUES (md5(random()::text || clock_timestamp()::text));
