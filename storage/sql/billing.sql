-- Billing service: accounts, the ledger of every movement of money and the
-- decided order charges. Applied idempotently at every start. Amounts are
-- int64 cents.
CREATE SCHEMA IF NOT EXISTS billing;

CREATE TABLE IF NOT EXISTS billing.accounts (
  user_id   bigint      PRIMARY KEY,
  -- The last balance_after of the account's ledger; never negative.
  balance   bigint      NOT NULL CHECK (balance >= 0),
  opened_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS billing.ledger (
  id            bigint      PRIMARY KEY,
  user_id       bigint      NOT NULL REFERENCES billing.accounts (user_id),
  amount        bigint      NOT NULL,
  kind          text        NOT NULL
                CHECK (kind IN ('deposit', 'payment', 'order_charge')),
  -- The order of an order_charge, NULL otherwise.
  order_id      bigint,
  balance_after bigint      NOT NULL CHECK (balance_after >= 0),
  at            timestamptz NOT NULL
);

-- One account's ledger, oldest first.
CREATE INDEX IF NOT EXISTS ledger_user_id_idx ON billing.ledger (user_id, id);

-- One row per order Billing decided, paid or not: makes ORDER_CREATED
-- processing idempotent across restarts.
CREATE TABLE IF NOT EXISTS billing.order_charges (
  order_id bigint      PRIMARY KEY,
  user_id  bigint      NOT NULL,
  sum      bigint      NOT NULL,
  result   text        NOT NULL CHECK (result IN ('paid', 'not_enough_money')),
  at       timestamptz NOT NULL DEFAULT now()
);

-- The ORDER_PROCESSED log is billing.order_charges: each decision's row
-- carries its event (seq and serialized event, same INSERT) instead of an
-- outbox row inserted and later deleted. NULL in rows from before this.
ALTER TABLE billing.order_charges ADD COLUMN IF NOT EXISTS event_seq bigint;
ALTER TABLE billing.order_charges ADD COLUMN IF NOT EXISTS event bytea;
-- Read back by seq in pages (see orders.orders_event_seq_brin).
CREATE INDEX IF NOT EXISTS order_charges_event_seq_brin
  ON billing.order_charges USING brin (event_seq);
ALTER INDEX billing.order_charges_event_seq_brin SET (autosummarize = on);

-- Every event Billing published (see orders.events).
CREATE OR REPLACE VIEW billing.events AS
  SELECT seq, topic, payload, at FROM billing.outbox
  UNION ALL
  SELECT event_seq, 'order_processed', event, at FROM billing.order_charges
  WHERE event_seq IS NOT NULL;
