-- Orders service: the users it learned of from USER_CREATED and the orders.
-- Applied idempotently at every start. Amounts are int64 cents.
CREATE SCHEMA IF NOT EXISTS orders;

CREATE TABLE IF NOT EXISTS orders.known_users (
  user_id bigint PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS orders.orders (
  id         bigint      PRIMARY KEY,
  user_id    bigint      NOT NULL,
  item_id    bigint      NOT NULL,
  quantity   integer     NOT NULL CHECK (quantity > 0),
  sum        bigint      NOT NULL CHECK (sum >= 0),
  status     text        NOT NULL
             CHECK (status IN ('pending', 'paid', 'rejected')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Orders reloads its pending orders at every start; they are few.
CREATE INDEX IF NOT EXISTS orders_pending_idx
  ON orders.orders (id) WHERE status = 'pending';
