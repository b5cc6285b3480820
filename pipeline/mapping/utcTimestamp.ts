/**
 * A partner's timestamp, read strictly: UTC ISO-8601 with a `Z`
 * (`2026-01-15T12:00:00Z`, up to nine fraction digits), a real calendar date and time. JavaScript's
 * Date rolls impossible dates over (February 30th becomes March 1st), which would silently store a
 * time the partner never meant; every component is checked instead.
 */
const UTC_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** Years PostgreSQL's timestamptz and JavaScript's Date both hold without surprises. */
const EARLIEST_YEAR = 1;
const LATEST_YEAR = 9999;

/** Milliseconds since the epoch, or undefined when `text` is not such a timestamp. */
export function parseUtcTimestamp(text: string): number | undefined {
  const match = UTC_TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < EARLIEST_YEAR || year > LATEST_YEAR) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // 23:59:60 (a leap second) is valid ISO-8601 but no store keeps it; refuse rather than shift.
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  // Date.UTC reads years 0–99 as 1900–1999; only those need the slower setter.
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
