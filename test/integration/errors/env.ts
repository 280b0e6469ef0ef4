/** Real services only: a missing setting is a failure, never a skip. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set; start the services and export their settings (npm run services -- env)`,
    );
  }
  return value;
}

/** A loopback port nothing listens on (port 1 needs root to bind, so it stays closed). */
export const CLOSED_PORT = 1;
