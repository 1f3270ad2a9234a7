-- Users service: registered users. Applied idempotently at every start.
CREATE SCHEMA IF NOT EXISTS users;

CREATE TABLE IF NOT EXISTS users.users (
  id         bigint      PRIMARY KEY,
  email      text        NOT NULL,
  -- The lower-cased email: at most one registration per address, whatever
  -- its case. Computed by the application so that every implementation of the
  -- repository agrees on it.
  email_key  text        NOT NULL UNIQUE,
  name       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The argon2id hash of the user's password (libsodium's crypto_pwhash_str
-- string); NULL: no password, an account registered before passwords
-- existed. Added in place to a table created without it.
ALTER TABLE users.users ADD COLUMN IF NOT EXISTS password_hash text;

-- Every event this service published: all in its outbox
-- (storage/sql/reliability.sql, applied before this file; see orders.events).
CREATE OR REPLACE VIEW users.events AS
  SELECT seq, topic, payload, at FROM users.outbox;
