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
