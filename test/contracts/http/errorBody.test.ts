import { describe, expect, it } from 'vitest';
import { errorBodySchema, type ErrorBody } from '../../../contracts/http/errorBody.js';
import { compileSchema } from '../../../contracts/schemaValidator.js';

const validate = compileSchema<ErrorBody>(errorBodySchema);

const valid: ErrorBody = {
  error: {
    code: 'signature_mismatch',
    message_id: 'WHK-002',
    message: 'The signature does not match the body.',
    correlation_id: 'run-1.s1.1.1',
    details: [{ failure: 'mismatch' }],
  },
};

describe('error body contract', () => {
  it('accepts the one error shape, with or without details', () => {
    expect(validate(valid)).toBe(true);
    const { details: _details, ...withoutDetails } = valid.error;
    expect(validate({ error: withoutDetails })).toBe(true);
  });

  it('refuses bad codes, bad message ids, empty messages and extra fields', () => {
    expect(validate({ error: { ...valid.error, code: 'Signature-Mismatch' } })).toBe(false);
    expect(validate({ error: { ...valid.error, message_id: 'WHK-2' } })).toBe(false);
    expect(validate({ error: { ...valid.error, message: '' } })).toBe(false);
    expect(validate({ error: { ...valid.error, stack: 'at …' } })).toBe(false);
    expect(validate({ ...valid, status: 401 })).toBe(false);
    const { correlation_id: _id, ...noCorrelation } = valid.error;
    expect(validate({ error: noCorrelation })).toBe(false);
  });
});
