import type { Request, Response } from 'express';
import type { ErrorBody } from '../../../contracts/http/errorBody.js';
import type { ErrorCategory } from '../../http/errors.js';

/** One way the orders API says no: the same fields as the pipeline's error table. */
export interface OrderApiErrorSpec {
  status: number;
  category: ErrorCategory;
  code: string;
  messageId: string;
  message: string;
}

/**
 * Every way `GET /v1/orders` and `POST /v1/orders` say no on their own, as one table (the guard's
 * refusals, invalid_token … rate_limited, are in pipeline/http/errors.ts). Each 4xx is in the
 * OpenAPI document (contracts/api/openapi.json).
 */
export const ORDER_API_ERRORS = {
  invalidParameter: {
    status: 400,
    category: 'validation',
    code: 'invalid_parameter',
    messageId: 'ORD-400',
    message: 'A query parameter is invalid; details name it.',
  },
  invalidCursor: {
    status: 400,
    category: 'validation',
    code: 'invalid_cursor',
    messageId: 'ORD-401',
    message:
      'The cursor is not one this API issued to you for this query; start again without it (with changed_since).',
  },
  idempotencyKeyMissing: {
    status: 400,
    category: 'validation',
    code: 'idempotency_key_missing',
    messageId: 'ORD-402',
    message: 'Send an Idempotency-Key header, new for each new order, the same when retrying.',
  },
  idempotencyKeyInvalid: {
    status: 400,
    category: 'validation',
    code: 'idempotency_key_invalid',
    messageId: 'ORD-403',
    message: 'The Idempotency-Key must be 1 to 255 visible ASCII characters, sent once.',
  },
  malformedJson: {
    status: 400,
    category: 'validation',
    code: 'malformed_json',
    messageId: 'ORD-404',
    message: 'The body is not valid JSON.',
  },
  unsupportedMediaType: {
    status: 415,
    category: 'validation',
    code: 'unsupported_media_type',
    messageId: 'ORD-415',
    message: 'Send the order as application/json.',
  },
  invalidOrder: {
    status: 422,
    category: 'validation',
    code: 'invalid_order',
    messageId: 'ORD-422',
    message: 'The order does not match the contract; details name each field and rule.',
  },
  idempotencyKeyReused: {
    status: 422,
    category: 'conflict',
    code: 'idempotency_key_reused',
    messageId: 'ORD-423',
    message:
      'This Idempotency-Key was already used with a different request; use a new key for a new order.',
  },
} as const satisfies Record<string, OrderApiErrorSpec>;

export function sendOrderApiError(
  req: Request,
  res: Response,
  spec: OrderApiErrorSpec,
  details?: Record<string, unknown>[],
): void {
  const body: ErrorBody = {
    error: {
      code: spec.code,
      category: spec.category,
      message_id: spec.messageId,
      message: spec.message,
      correlation_id: req.correlationId,
      ...(details && details.length > 0 ? { details } : {}),
    },
  };
  res.status(spec.status).json(body);
}
