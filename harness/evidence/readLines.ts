import { createReadStream } from 'node:fs';

/**
 * The lines of a file (or of the byte range [start, end)), read as the caller consumes them. A
 * stream's own iterator waits for the caller, where readline's reads ahead and queues every line:
 * on a file of 200,000 exchanges that queue would be the memory this is here to save.
 */
export async function* readLines(
  file: string,
  range: { start?: number; end?: number } = {},
): AsyncGenerator<string> {
  const stream = createReadStream(file, {
    encoding: 'utf8',
    start: range.start,
    ...(range.end !== undefined ? { end: range.end - 1 } : {}),
  });
  let rest = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) yield line;
  }
  if (rest !== '') yield rest;
}
