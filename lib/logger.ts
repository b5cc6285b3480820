import { pino, type DestinationStream, type Logger } from 'pino';
import { LOG_REDACT_PATHS } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Where JSON lines go; stdout when omitted. */
  destination?: DestinationStream;
}

/**
 * JSON logs (pino). Records carry `partner_id` and `correlation_id` as top-level fields so a log
 * excerpt can be cut per exchange; secrets and signature values are redacted at the source.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid },
    },
    options.destination,
  );
}

/** A logger that drops everything: for tests and benchmarks that measure other things. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
