import { describe, expect, it } from 'vitest';
import { wrongScope } from '../../../../simulators/api/faults/wrongScope.js';
import { context, createCall, exportCall, plan } from '../callFixtures.js';

describe('wrongScope fault', () => {
  it("gives each call the other operation's scope, as the contract names them", () => {
    const [read, create] = wrongScope.apply(plan(exportCall(), createCall()), {}, context()).flat();
    expect(read).toMatchObject({ scope: 'orders:write', faults: ['wrongScope'] });
    expect(create).toMatchObject({ scope: 'orders:read', faults: ['wrongScope'] });
  });

  it('uses the scope it is given', () => {
    const [call] = wrongScope
      .apply(plan(exportCall()), { scope: 'orders:admin' }, context())
      .flat();
    expect(call?.scope).toBe('orders:admin');
  });
});
