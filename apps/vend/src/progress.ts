// A one-line progress display on stderr for batches (lines done, lines/s, share of the input read).
// Only when stderr is a terminal: a log file or a pipe gets nothing, so scripts see clean stderr.

export interface Progress {
  /** Report the running totals; redraws at most every 200 ms. */
  update(lines: number, bytesRead: number): void;
  /** Print a line (a warning) without tearing the progress line. */
  message(line: string): void;
  /** Erase the progress line. */
  finish(): void;
}

const REDRAW_MS = 200;

/** The progress display for `stream`, or a silent one when it is not a TTY. */
export function createProgress(
  stream: NodeJS.WriteStream,
  totalBytes: number | undefined,
  now: () => number = Date.now,
): Progress {
  if (!stream.isTTY) return silentProgress(stream);
  const started = now();
  let lastDraw = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  return {
    update(lines, bytesRead) {
      const t = now();
      if (t - lastDraw < REDRAW_MS) return;
      lastDraw = t;
      const seconds = (t - started) / 1000;
      const rate = seconds > 0 ? Math.round(lines / seconds) : 0;
      let text = `sts-vend: ${lines.toLocaleString('en-US')} lines, ${rate.toLocaleString('en-US')} lines/s`;
      if (totalBytes !== undefined && totalBytes > 0) {
        text += `, ${Math.min(100, Math.floor((bytesRead / totalBytes) * 100))}%`;
      }
      stream.write(`\r\x1b[K${text}`);
      drawn = true;
    },
    message(line) {
      clear();
      stream.write(`${line}\n`);
      lastDraw = 0;
    },
    finish: clear,
  };
}

function silentProgress(stream: NodeJS.WriteStream): Progress {
  return {
    update() {},
    message(line) {
      stream.write(`${line}\n`);
    },
    finish() {},
  };
}
