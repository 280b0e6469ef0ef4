/**
 * Integration tests run against the real services started by `npm test` (scripts/withStack.ts).
 * If they are not configured the run stops here, loudly, instead of skipping anything.
 */
const REQUIRED = [
  'DATABASE_URL',
  'REDIS_HOST',
  'REDIS_PORT',
  'SEAWEEDFS_ENDPOINT',
  'SEAWEEDFS_ACCESS_KEY',
  'SEAWEEDFS_SECRET_KEY',
  'CASSANDRA_CONTACT_POINTS',
  'JWT_SECRET',
];

export default function setup(): void {
  const missing = REQUIRED.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(
      `integration tests need the real services; missing ${missing.join(', ')}.\n` +
        'Run them with `npm test` (starts PostgreSQL, Redis, SeaweedFS and Cassandra), or start them with\n' +
        '`npm run services -- up --all` and `set -a; source <(npm run -s services -- env); set +a`.',
    );
  }
}
