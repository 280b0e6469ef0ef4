/**
 * A test double that implements only the members a test path uses. Reading any other member
 * throws, so a service that starts calling something new fails loudly instead of receiving
 * `undefined`. The one cast of the doubles lives here, behind that guard.
 */
export function strictDouble<T extends object>(name: string, impl: Partial<T>): T {
  return new Proxy(impl, {
    get(target, prop, receiver) {
      if (typeof prop === 'symbol' || prop in target || prop === 'then' || prop === 'toJSON') {
        return Reflect.get(target, prop, receiver);
      }
      throw new Error(`test double ${name} has no member "${prop}"`);
    },
  }) as T;
}
