-- Exactly-once delivery: the same tables in every service schema, applied
-- idempotently at every start right before the service's own schema file
-- (which defines {schema}.events over the outbox and its own tables).
-- {schema} stands for the service schema (users, billing, orders or
-- notifications); storage/pg/reliability.cpp substitutes it from that fixed
-- list, never from input. Only CREATE ... IF NOT EXISTS here: databases of
-- earlier versions gain the tables and keep their data.

CREATE SCHEMA IF NOT EXISTS {schema};

-- Events committed with the state change that caused them, until every
-- subscriber has acknowledged them (then pruned). payload is the serialized
-- event: binary, opaque to storage.
CREATE TABLE IF NOT EXISTS {schema}.outbox (
  seq     bigint      PRIMARY KEY CHECK (seq > 0),
  topic   text        NOT NULL,
  payload bytea       NOT NULL,
  at      timestamptz NOT NULL
);

-- The largest seq ever written to the outbox, which pruning must not forget:
-- the next event continues from it. One row at most.
CREATE TABLE IF NOT EXISTS {schema}.outbox_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  max_seq   bigint  NOT NULL CHECK (max_seq > 0)
);

-- The last seq each subscriber acknowledged; never lowered.
CREATE TABLE IF NOT EXISTS {schema}.outbox_cursors (
  subscriber text   PRIMARY KEY,
  acked_seq  bigint NOT NULL CHECK (acked_seq >= 0)
);

-- As a consumer: the last seq applied per topic; never lowered.
CREATE TABLE IF NOT EXISTS {schema}.inbox (
  topic       text   PRIMARY KEY,
  applied_seq bigint NOT NULL CHECK (applied_seq >= 0)
);

-- Commands sent with an Idempotency-Key and their replies (both serialized,
-- binary). The primary key makes a second execution of the same key fail
-- instead of racing past a check.
CREATE TABLE IF NOT EXISTS {schema}.idempotency_keys (
  scope   text        NOT NULL,
  key     text        NOT NULL,
  request bytea       NOT NULL,
  reply   bytea       NOT NULL,
  at      timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);

-- Purging expired keys.
CREATE INDEX IF NOT EXISTS idempotency_keys_at_idx
  ON {schema}.idempotency_keys (at);
