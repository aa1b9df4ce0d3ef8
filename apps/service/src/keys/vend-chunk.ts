// A chunk of POST /v1/tokens/batch lines, worked inside the key boundary's thread: lines read, TIDs
// picked from the minute of now, tokens made, answer lines and ledger rows written. The serving thread
// is left the ledger insert and the socket, and a million-line batch runs on both cores.

import { MAX_TID, tidFromInstant } from 'sts-token';
import {
  answerLine,
  type LineFault,
  ledgerValue,
  lineFault,
  MAX_LINE_BYTES,
  type ParsedLine,
  parseBatchLine,
} from '../api/batch-line.ts';
import { usableTid } from '../api/tid-allocation.ts';
import { columnsDigest, type SharedTokenFields, type TokenColumns } from '../audit.ts';
import { newRef } from '../context.ts';
import type { KeyStore, VendItem } from './key-store.ts';

export interface ChunkRequest {
  tenant: string;
  /** Whole lines of the body as sent (UTF-8), each ending in a newline but perhaps the body's last. */
  bytes: Uint8Array;
  /** The number of the chunk's first line in the body. */
  firstLine: number;
  nowMs: number;
  /** The refs the serving thread has judged for this batch: usable (and loaded here), or refused with why. */
  usable: readonly string[];
  refused: Readonly<Record<string, LineFault>>;
  shared: SharedTokenFields;
}

export interface ChunkReply {
  /** Refs the chunk names that have not been judged: the serving thread judges them and sends it again. */
  unjudged: string[];
  /**
   * The answers to the chunk's lines, in order, as one text ('' for a blank line): one string to pass
   * between threads instead of one per line. `ends[i]` is where line i's answer ends in it.
   */
  answers: string;
  ends: number[];
  /** The ledger rows, TOKEN_COLUMNS values each (see audit.ts). */
  values: TokenColumns;
  /** Per ledger row: the index of its line in `answers`. */
  rowLine: number[];
  /** Per ledger row: its TID was picked here from now (a clash is retried), not asked for. */
  picked: boolean[];
  /** columnsDigest of `values`. */
  digest: string;
  /**
   * Lines answered with an error after their configuration was found (a TID of now out of its range,
   * a bad amount, …), as [line index, meter, config ref] triples: a moved meter is said first.
   */
  faults: (number | string)[];
  /** A line longer than MAX_LINE_BYTES: the lines before it are answered, the batch ends there. */
  tooLong?: number;
}

/** Work one chunk. TIDs are picked without the ledger: the serving thread's insert is the judge. */
export function vendChunk(keys: KeyStore, m: ChunkRequest): ChunkReply {
  const usable = new Set(m.usable);
  const lines: (ParsedLine | null)[] = [];
  const unjudged = new Set<string>();
  const reply: ChunkReply = {
    unjudged: [],
    answers: '',
    ends: [],
    values: [],
    rowLine: [],
    picked: [],
    digest: '',
    faults: [],
  };
  const text = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength).toString('utf8');
  for (let start = 0; start < text.length; ) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = text.length;
    if (nl - start > MAX_LINE_BYTES) {
      reply.tooLong = m.firstLine + lines.length;
      break;
    }
    const line = text.slice(start, nl);
    start = nl + 1;
    if (line.trim() === '') {
      lines.push(null);
      continue;
    }
    const p = parseBatchLine(m.firstLine + lines.length, line);
    if (!('error' in p) && !usable.has(p.ref) && m.refused[p.ref] === undefined) unjudged.add(p.ref);
    lines.push(p);
  }
  if (unjudged.size > 0) {
    reply.unjudged = [...unjudged];
    return reply;
  }

  const answers: string[] = [];
  const items: VendItem[] = [];
  const owners: number[] = [];
  const nowTids = new Map<string, number | Error>();
  const lastPicked = new Map<string, number>();
  lines.forEach((p, i) => {
    const n = m.firstLine + i;
    if (p === null) {
      answers.push('');
      return;
    }
    answers.push('');
    if ('error' in p) {
      answers[i] = answerLine(p.id, { error: p.error });
      return;
    }
    const refused = m.refused[p.ref];
    if (refused !== undefined) {
      answers[i] = answerLine(p.id, { error: lineFault(n, refused.code, refused.message) });
      return;
    }
    if (p.needsTid) {
      const isStid = p.request.isStid === true;
      const baseDate = keys.baseDate(m.tenant, p.ref);
      let now: number | Error | undefined;
      if (baseDate !== undefined) {
        const key = `${baseDate}:${isStid}`;
        now = nowTids.get(key);
        if (now === undefined) {
          try {
            now = tidFromInstant(new Date(m.nowMs).toISOString(), baseDate, { isStid });
          } catch (e) {
            now = e as Error;
          }
          nowTids.set(key, now);
        }
      }
      if (now instanceof Error) {
        const code = (now as { code?: string }).code ?? 'invalid-time';
        answers[i] = answerLine(p.id, { error: lineFault(n, code, `now: ${now.message}`) });
        reply.faults.push(i, p.drn!, p.ref);
        return;
      }
      if (now !== undefined) {
        // A meter named twice in the chunk gets the next minute for its second token.
        let tid = Math.max(now, (lastPicked.get(p.drn!) ?? -1) + 1);
        while (!usableTid(tid, isStid)) tid++;
        if (tid > MAX_TID) {
          answers[i] = answerLine(p.id, {
            error: lineFault(n, 'tid-exhausted', `meter ${p.drn} has no free TID left after ${now}`),
          });
          reply.faults.push(i, p.drn!, p.ref);
          return;
        }
        lastPicked.set(p.drn!, tid);
        p.request.tid = tid;
      }
    }
    items.push({ ref: p.ref, request: p.request });
    owners.push(i);
  });

  const results = keys.vend(m.tenant, items);
  results.forEach((res, k) => {
    const i = owners[k]!;
    const p = lines[i] as Exclude<ParsedLine, { error: LineFault }>;
    if ('error' in res) {
      answers[i] = answerLine(p.id, { error: lineFault(m.firstLine + i, res.error.code, res.error.message) });
      if (p.drn !== undefined) reply.faults.push(i, p.drn, p.ref);
      return;
    }
    const value = ledgerValue(p.request);
    let list = '';
    for (const t of res.tokens) {
      const ref = newRef('tok');
      reply.values.push(ref, p.drn ?? '', p.ref, t.token, t.nectarType, t.class, t.subclass, t.tid, value);
      reply.rowLine.push(i);
      reply.picked.push(p.needsTid);
      list += `${list === '' ? '' : ','}${tokenJson(t, ref)}`;
    }
    answers[i] = `{"id":${JSON.stringify(p.id)},"tokens":[${list}]}\n`;
  });
  reply.digest = columnsDigest(reply.values, m.shared);
  let end = 0;
  for (const a of answers) {
    end += a.length;
    reply.ends.push(end);
  }
  reply.answers = answers.join('');
  return reply;
}

/**
 * A token of an answer line as JSON, written out: the line's costliest part with JSON.stringify, and
 * every field here is digits or a name of ours (sts-token's type names, a ref of hex digits).
 */
function tokenJson(
  t: { token: string; type: string; nectarType: string; class: number; subclass: number; tid: number | null },
  ref: string,
): string {
  return `{"token":"${t.token}","type":"${t.type}","nectarType":"${t.nectarType}","class":${t.class},"subclass":${t.subclass},"tid":${t.tid},"ref":"${ref}"}`;
}
