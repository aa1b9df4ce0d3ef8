// The line rules of every JSON Lines batch: split a piece of input into lines, skip blank ones, parse
// each as JSON and answer it. Runs on the main thread or in a batch worker; both give the same bytes.

/**
 * Prepared decoder keys a batch keeps, per thread (sts-token's RequestCache LRU): enough for meters that
 * come back within a few thousand lines, small enough that memory stays flat (each key holds its schedule).
 */
export const BATCH_CACHED_KEYS = 4096;

/** What one piece of input (whole lines) gave: the response lines and their counts. */
export interface PieceAnswer {
  /** The response lines, each ending in a newline ('' when the piece had no request line). */
  text: string;
  /** Non-empty lines answered. */
  lines: number;
  /** Lines answered with an error. */
  failed: number;
  /** What the main thread must see in input order (the duplicate-TID check); undefined when nothing. */
  notes: unknown;
}

/**
 * Answers the request lines of a batch, piece by piece, in input order. Subclasses answer one parsed
 * request; the line splitting, trimming, line numbers and bad-JSON answers are the same for all.
 * A class, not closures: tsx keeps function names by wrapping every function created at run time, so
 * the per-line path creates none.
 */
export abstract class LineAnswerer {
  /** Lines answered with an error in the current piece; `answerRequest` adds to it. */
  protected failed = 0;

  /** The response line for one parsed request (without the newline). */
  protected abstract answerRequest(request: unknown, lineNumber: number): string;

  /** What the main thread must see of the current piece (and forget it here); undefined by default. */
  protected takeNotes(): unknown {
    return undefined;
  }

  /** Wipe what the answerer keeps (prepared keys). */
  abstract destroy(): void;

  /**
   * Answer every non-empty line of `text`, whose first line is line `firstLine` of the input. The text
   * is whole lines: each ends in '\n' except possibly the last one of the input. Blank lines are
   * skipped but still counted, so line numbers match the file.
   */
  answerPiece(text: string, firstLine: number): PieceAnswer {
    this.failed = 0;
    let lines = 0;
    let lineNumber = firstLine - 1;
    let out = '';
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      const end = newline === -1 ? text.length : newline;
      if (newline === -1 && start === end) break; // nothing after the last newline
      lineNumber++;
      let line = text.slice(start, end);
      start = end + 1;
      // Trim only when needed: most lines have no \r or surrounding blanks.
      if (line.length > 0) {
        const last = line.charCodeAt(line.length - 1);
        if (last === 13 /* \r */ || last === 32 || line.charCodeAt(0) === 32) line = line.trim();
      }
      if (line.length > 0) {
        lines++;
        out += `${this.answerLine(line, lineNumber)}\n`;
      }
      if (newline === -1) break;
    }
    return { text: out, lines, failed: this.failed, notes: this.takeNotes() };
  }

  private answerLine(line: string, lineNumber: number): string {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch (error) {
      this.failed++;
      return badJsonLine(lineNumber, error);
    }
    return this.answerRequest(request, lineNumber);
  }
}

/** The response line for a line that is not JSON. */
function badJsonLine(lineNumber: number, error: unknown): string {
  const reason = error instanceof Error ? error.message : 'not JSON';
  return JSON.stringify({ id: null, error: { code: 'bad-json', message: `line ${lineNumber}: ${reason}` } });
}
