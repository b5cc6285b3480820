import schema from './errorBody.schema.json' with { type: 'json' };

export interface ErrorBody {
  error: {
    code: string;
    /** The taxonomy: authentication, validation, policy, conflict, not_found, server, … */
    category?: string;
    message_id: string;
    message: string;
    correlation_id: string;
    details?: Record<string, unknown>[];
  };
}

export const errorBodySchema = schema;
