// Hidden secret input (io/secret-input.ts) over a stand-in terminal: what is typed comes back as
// bytes, and every buffer that held it is wiped.
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { createSecretReader } from '../src/io/secret-input.ts';

/** A stdin that says it is a terminal; raw mode is a no-op. */
function fakeTty(): NodeJS.ReadStream {
  const s = new PassThrough() as unknown as NodeJS.ReadStream & { setRawMode(on: boolean): void };
  Object.assign(s, { isTTY: true, setRawMode: () => s });
  return s;
}

test('regression: a pasted line arriving with its Enter in one chunk is wiped from that chunk', async () => {
  const stdin = fakeTty();
  const reader = createSecretReader(stdin, new PassThrough());
  const pending = reader.read('component: ');
  const chunk = Buffer.from('0123456789ABCDEF\r');
  stdin.emit('data', chunk);
  const typed = await pending;
  expect(Buffer.from(typed).toString('latin1')).toBe('0123456789ABCDEF');
  expect(chunk.every((b) => b === 0)).toBe(true);
});

test('backspace removes the last byte; keys split over chunks are joined and each chunk wiped', async () => {
  const stdin = fakeTty();
  const reader = createSecretReader(stdin, new PassThrough());
  const pending = reader.read('passphrase: ');
  const first = Buffer.from('abX');
  const second = Buffer.from('\x7fc\n');
  stdin.emit('data', first);
  stdin.emit('data', second);
  expect(Buffer.from(await pending).toString('latin1')).toBe('abc');
  expect([...first, ...second].every((b) => b === 0)).toBe(true);
});
