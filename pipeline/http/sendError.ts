import type { Request, Response } from 'express';
import { errorBody, type PipelineErrorSpec } from './errors.js';

export function sendError(
  req: Request,
  res: Response,
  spec: PipelineErrorSpec,
  details?: Record<string, unknown>[],
  message?: string,
): void {
  res.status(spec.status).json(errorBody(spec, req.correlationId, details, message));
}
