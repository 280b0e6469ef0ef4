import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import {
  cassandraCredentialsRefused,
  isCassandraAvailabilityError,
} from '../../../src/db/cassandraErrors.js';

const { errors } = cassandra;

/**
 * Refused credentials reach the app as the driver's "no host available", which by itself reads
 * like an outage; the start-up must say what is wrong instead. (The real refusal, by a node
 * with PasswordAuthenticator, is in test/cluster/security.test.ts.)
 */
describe('cassandraCredentialsRefused', () => {
  it('names the credentials settings when every host refused the login', () => {
    const refused = new errors.NoHostAvailableError({
      '127.0.0.1:9042': new errors.AuthenticationError(
        'Provided username batchport_app and/or password are incorrect',
      ),
    });
    expect(isCassandraAvailabilityError(refused)).toBe(true); // what the plain classifier would say
    const error = cassandraCredentialsRefused(refused);
    expect(error?.message).toBe(
      'Cassandra refused to authenticate this process (Provided username batchport_app and/or password ' +
        'are incorrect): check CASSANDRA_USERNAME and CASSANDRA_PASSWORD against the role created for the ' +
        'app (see docs/deployment.md)',
    );
    expect(error?.cause).toBe(refused);
  });

  it('leaves an unreachable cluster an outage', () => {
    const down = new errors.NoHostAvailableError({
      '127.0.0.1:9042': Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9042'), {
        code: 'ECONNREFUSED',
      }),
    });
    expect(cassandraCredentialsRefused(down)).toBeUndefined();
  });
});
