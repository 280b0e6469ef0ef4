-- Webhooks: the hand-off to card generation (docs/hand-off.md).
--
-- webhook_endpoints: a user's receivers. The signing secret is kept readable because HMAC needs
-- it; a rotation keeps the previous one until previous_secret_expires_at, and every delivery in
-- that window carries both signatures.
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id                         uuid PRIMARY KEY,
  user_id                    text        NOT NULL,
  url                        text        NOT NULL,
  events                     text[]      NOT NULL,
  description                text,
  enabled                    boolean     NOT NULL DEFAULT true,
  -- Why the service disabled it (410 Gone, failing for days); NULL when enabled or user-disabled.
  disabled_reason            text,
  secret                     text        NOT NULL,
  previous_secret            text,
  previous_secret_expires_at timestamptz,
  -- First failed attempt since the last success; the endpoint is disabled after WEBHOOK_DISABLE_AFTER.
  failing_since              timestamptz,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS webhook_endpoints_user ON webhook_endpoints (user_id, created_at);

-- The transactional outbox: one row per (event, endpoint), inserted in the same statement or
-- transaction as the batch change that causes it. Its id is the `webhook-id` header, kept across
-- retries and replays. The event's data is a snapshot taken at the transition.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  endpoint_id     uuid        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_type      text        NOT NULL,
  batch_id        uuid,
  data            jsonb       NOT NULL,
  occurred_at     timestamptz NOT NULL DEFAULT now(),
  state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  -- Attempts of the current round (reset by a replay): the position in the retry schedule.
  round_attempts  integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- A deliverer's claim: another deliverer takes the row only once lease_until has passed.
  lease_until     timestamptz,
  lease_token     uuid,
  delivered_at    timestamptz,
  -- Milliseconds, as the list's cursor carries them (a finer value would skip rows between pages).
  created_at      timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS webhook_attempts (
  id           bigserial PRIMARY KEY,
  delivery_id  uuid        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL,
  status_code  integer,
  error        text,
  duration_ms  integer     NOT NULL,
  response     text
);
CREATE INDEX IF NOT EXISTS webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
