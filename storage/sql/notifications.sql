-- Notifications service: recipients learned from USER_CREATED and the stored
-- ("sent") messages. Applied idempotently at every start.
CREATE SCHEMA IF NOT EXISTS notifications;

CREATE TABLE IF NOT EXISTS notifications.recipients (
  user_id bigint PRIMARY KEY,
  email   text   NOT NULL,
  name    text   NOT NULL
);

CREATE TABLE IF NOT EXISTS notifications.messages (
  id       bigint      PRIMARY KEY,
  user_id  bigint      NOT NULL,
  -- At most one notification per order, even if ORDER_PROCESSED arrives twice.
  order_id bigint      NOT NULL UNIQUE,
  email    text        NOT NULL,
  subject  text        NOT NULL,
  body     text        NOT NULL,
  sent_at  timestamptz NOT NULL
);

-- Listing one user's messages, newest first (the unfiltered list, newest
-- first, uses the primary key).
CREATE INDEX IF NOT EXISTS messages_user_id_idx
  ON notifications.messages (user_id, id DESC);

-- Every event this service published: all in its outbox
-- (storage/sql/reliability.sql, applied before this file; see orders.events).
CREATE OR REPLACE VIEW notifications.events AS
  SELECT seq, topic, payload, at FROM notifications.outbox;
