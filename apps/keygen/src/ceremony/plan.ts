// The ceremony file: strict YAML parsed, normalised and validated into a plan, with every problem
// reported at once with its dot-path and line (key-ceremony.md feature 1; boulder's cmd/ceremony).

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { rehearsalName } from './options.ts';
import type { StepSpec } from './steps.ts';

export const ROLES = ['administrator', 'custodian', 'witness', 'auditor', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface Person {
  readonly name: string;
  readonly role: Role;
}

export type ArgValue = string | number | boolean | string[];

export interface CeremonyStep {
  /** 1-based. */
  readonly number: number;
  readonly line: number;
  readonly command: string;
  readonly note: string | undefined;
  readonly args: Readonly<Record<string, ArgValue>>;
  readonly spec: StepSpec;
}

export interface Ceremony {
  readonly title: string;
  readonly people: readonly Person[];
  readonly transcript: string;
  readonly summary: string;
  readonly steps: readonly CeremonyStep[];
}

/** One problem: where (dot-path and line) and what. */
export interface PlanProblem {
  readonly path: string;
  readonly line: number;
  readonly message: string;
}

export function formatProblem(p: PlanProblem): string {
  return p.line > 0 ? `${p.path}: ${p.message} (line ${p.line})` : `${p.path}: ${p.message}`;
}

const TOP_KEYS = ['title', 'roles', 'transcript', 'summary', 'steps'] as const;
const PERSON_KEYS = ['name', 'role'] as const;
const STEP_KEYS = ['command', 'note', 'args'] as const;

class Problems {
  readonly list: PlanProblem[] = [];
  constructor(readonly lines: LineCounter) {}
  lineOf(node: Node | null | undefined): number {
    const offset = node?.range?.[0];
    return offset === undefined ? 0 : this.lines.linePos(offset).line;
  }
  add(where: string, node: Node | null | undefined | number, message: string): void {
    const line = typeof node === 'number' ? node : this.lineOf(node);
    this.list.push({ path: where, line, message });
  }
}

/** The pairs of a map with their keys as strings; unknown keys are problems. */
function mapEntries(
  node: YAMLMap,
  where: string,
  allowed: readonly string[],
  problems: Problems,
): Map<string, { key: Node; value: Node | null }> {
  const out = new Map<string, { key: Node; value: Node | null }>();
  for (const pair of node.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : '?';
    const at = where === '' ? key : `${where}.${key}`;
    if (!allowed.includes(key)) {
      problems.add(at, keyNode, `unknown key (expected one of ${allowed.join(', ')})`);
      continue;
    }
    out.set(key, { key: keyNode, value: (pair.value as Node | null) ?? null });
  }
  return out;
}

/** A scalar as written (so `02` stays "02", not the number 2). */
function scalarText(node: Node | null): string | undefined {
  if (!node || !isScalar(node)) return undefined;
  const s = node as Scalar & { source?: string };
  if (s.value === null) return undefined;
  return typeof s.source === 'string' ? s.source : String(s.value);
}

function requireText(
  entries: Map<string, { key: Node; value: Node | null }>,
  key: string,
  where: string,
  parent: Node,
  problems: Problems,
): string | undefined {
  const e = entries.get(key);
  const at = where === '' ? key : `${where}.${key}`;
  if (!e) {
    problems.add(at, parent, 'missing');
    return undefined;
  }
  const text = scalarText(e.value);
  if (text === undefined || text.trim() === '') {
    problems.add(at, e.value ?? e.key, 'must be a non-empty text');
    return undefined;
  }
  return text.trim();
}

function argValue(
  spec: StepSpec,
  name: string,
  node: Node | null,
  at: string,
  problems: Problems,
): ArgValue | undefined {
  const arg = spec.args[name]!;
  if (arg.kind === 'inputs') {
    const items = isSeq(node) ? (node.items as Node[]) : [node];
    const files: string[] = [];
    items.forEach((item, i) => {
      const t = scalarText(item);
      if (t === undefined || t === '') problems.add(`${at}[${i}]`, item ?? node, 'must be a file path');
      else files.push(t);
    });
    if (files.length === 0) problems.add(at, node, 'must list at least one file');
    return files;
  }
  if (arg.kind === 'bool') {
    if (!isScalar(node) || typeof node.value !== 'boolean') {
      problems.add(at, node, 'must be true or false');
      return undefined;
    }
    return node.value;
  }
  const text = scalarText(node);
  if (text === undefined || text === '') {
    problems.add(at, node, 'must be a value, not a list or a map');
    return undefined;
  }
  if (arg.kind === 'int') {
    const min = arg.min ?? 0;
    const max = arg.max ?? Number.MAX_SAFE_INTEGER;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      problems.add(at, node, `must be a whole number from ${min} to ${max}`);
      return undefined;
    }
    return Number(text);
  }
  if (arg.kind === 'dkga' && !['02', '04'].includes(text)) {
    problems.add(at, node, 'must be "02" or "04"');
    return undefined;
  }
  return text;
}

function parseStep(
  node: Node,
  i: number,
  specs: readonly StepSpec[],
  problems: Problems,
): CeremonyStep | undefined {
  const where = `steps[${i}]`;
  if (!isMap(node)) {
    problems.add(where, node, 'must be a map with command and args');
    return undefined;
  }
  const entries = mapEntries(node, where, STEP_KEYS, problems);
  const command = requireText(entries, 'command', where, node, problems);
  const noteEntry = entries.get('note');
  const note = noteEntry ? scalarText(noteEntry.value) : undefined;
  if (noteEntry && note === undefined)
    problems.add(`${where}.note`, noteEntry.value ?? noteEntry.key, 'must be a text');
  if (command === undefined) return undefined;
  const spec = specs.find((s) => s.command === command);
  if (!spec) {
    problems.add(
      `${where}.command`,
      entries.get('command')!.value,
      `unknown command '${command}' (expected one of ${specs.map((s) => s.command).join(', ')})`,
    );
    return undefined;
  }
  const args: Record<string, ArgValue> = {};
  const argsEntry = entries.get('args');
  if (argsEntry && !isMap(argsEntry.value)) {
    problems.add(`${where}.args`, argsEntry.value ?? argsEntry.key, 'must be a map of option: value');
  } else if (argsEntry && isMap(argsEntry.value)) {
    const argEntries = mapEntries(argsEntry.value, `${where}.args`, Object.keys(spec.args), problems);
    for (const [name, e] of argEntries) {
      const v = argValue(spec, name, e.value, `${where}.args.${name}`, problems);
      if (v !== undefined) args[name] = v;
    }
    for (const [name, a] of Object.entries(spec.args)) {
      if (a.required && !argEntries.has(name))
        problems.add(`${where}.args.${name}`, argsEntry.value, 'missing');
    }
  } else {
    for (const [name, a] of Object.entries(spec.args)) {
      if (a.required) problems.add(`${where}.args.${name}`, node, 'missing');
    }
  }
  for (const p of spec.check?.(args) ?? []) problems.add(`${where}.args.${p.arg}`, node, p.message);
  return { number: i + 1, line: problems.lineOf(node), command, note, args, spec };
}

/**
 * Parse and validate ceremony YAML. Unknown keys, duplicate keys, aliases and trailing documents
 * are errors; all problems come back at once, each with its dot-path and line.
 */
export function parseCeremony(
  text: string,
  specs: readonly StepSpec[],
): { ceremony?: Ceremony; problems: PlanProblem[] } {
  const lines = new LineCounter();
  const problems = new Problems(lines);
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs) || docs.length === 0) {
    problems.add('(file)', 0, 'is empty: a ceremony needs title, roles, transcript, summary and steps');
    return { problems: problems.list };
  }
  for (const extra of docs.slice(1)) {
    problems.add(
      '(file)',
      lines.linePos(extra.range[0]).line,
      'has a second YAML document: one ceremony per file',
    );
  }
  const doc = docs[0]!;
  for (const err of doc.errors) {
    const line = err.linePos?.[0]?.line ?? (err.pos ? lines.linePos(err.pos[0]).line : 0);
    const first = err.message.split(/ at line|\n/)[0] ?? err.message;
    problems.add('(yaml)', line, first.replace('Map keys must be unique', 'duplicate key'));
  }
  if (doc.errors.length > 0) return { problems: problems.list };
  let aliasLine = 0;
  const root = doc.contents as Node | null;
  const visit = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (isAlias(n)) aliasLine ||= problems.lineOf(n);
    if (isMap(n) || isSeq(n)) for (const it of n.items) visit(it);
    if (n && typeof n === 'object' && 'key' in n && 'value' in n) {
      visit((n as { key: unknown }).key);
      visit((n as { value: unknown }).value);
    }
  };
  visit(root);
  if (aliasLine > 0)
    problems.add('(yaml)', aliasLine, 'aliases (*name) are not allowed: write every value out');
  if (!isMap(root)) {
    problems.add('(file)', root ?? 0, 'must be a map with title, roles, transcript, summary and steps');
    return { problems: problems.list };
  }
  const entries = mapEntries(root, '', TOP_KEYS, problems);
  const title = requireText(entries, 'title', '', root, problems);
  const transcript = requireText(entries, 'transcript', '', root, problems);
  const summary = requireText(entries, 'summary', '', root, problems);

  const people: Person[] = [];
  const rolesEntry = entries.get('roles');
  if (!rolesEntry) problems.add('roles', root, 'missing: name the administrator, custodians and witnesses');
  else if (!isSeq(rolesEntry.value) || rolesEntry.value.items.length === 0) {
    problems.add('roles', rolesEntry.value ?? rolesEntry.key, 'must be a list of { name, role }');
  } else {
    rolesEntry.value.items.forEach((item, i) => {
      const where = `roles[${i}]`;
      if (!isMap(item)) {
        problems.add(where, item as Node, 'must be a map with name and role');
        return;
      }
      const e = mapEntries(item, where, PERSON_KEYS, problems);
      const name = requireText(e, 'name', where, item, problems);
      const role = requireText(e, 'role', where, item, problems);
      if (role !== undefined && !(ROLES as readonly string[]).includes(role)) {
        problems.add(`${where}.role`, e.get('role')!.value, `must be one of ${ROLES.join(', ')}`);
      } else if (name !== undefined && role !== undefined) {
        if (people.some((p) => p.name === name && p.role === role)) {
          problems.add(where, item, `${name} is listed twice as ${role}`);
        }
        people.push({ name, role: role as Role });
      }
    });
  }

  const steps: CeremonyStep[] = [];
  const stepsEntry = entries.get('steps');
  if (!stepsEntry) problems.add('steps', root, 'missing');
  else if (!isSeq(stepsEntry.value) || stepsEntry.value.items.length === 0) {
    problems.add('steps', stepsEntry.value ?? stepsEntry.key, 'must be a non-empty list of steps');
  } else {
    stepsEntry.value.items.forEach((item, i) => {
      const step = parseStep(item as Node, i, specs, problems);
      if (step) steps.push(step);
    });
  }
  if (problems.list.length > 0 || title === undefined || transcript === undefined || summary === undefined) {
    return { problems: problems.list };
  }
  return { ceremony: { title, people, transcript, summary, steps }, problems: [] };
}

/** A step ready to run: the argv for its command and its files, resolved (and renamed in a rehearsal). */
export interface ResolvedStep {
  readonly step: CeremonyStep;
  readonly argv: string[];
  readonly inputs: string[];
  readonly outputs: string[];
}

export interface ResolvedPlan {
  readonly steps: ResolvedStep[];
  readonly transcript: string;
  readonly summary: string;
}

function isUnder(file: string, dir: string): boolean {
  return file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

/**
 * Resolve every path against `baseDir` (in a rehearsal, outputs become `REHEARSAL-name`, and inputs
 * that earlier steps produce follow them), then check without touching a secret: inputs readable
 * or produced by an earlier step, outputs absent and written once, no path both read and written.
 */
export function resolvePlan(
  ceremony: Ceremony,
  ceremonyFile: string,
  rehearsal: boolean,
): { plan?: ResolvedPlan; problems: PlanProblem[] } {
  const baseDir = path.dirname(path.resolve(ceremonyFile));
  const abs = (p: string): string => path.resolve(baseDir, p);
  const problems: PlanProblem[] = [];

  // Pass 1: every output (files and directories) under its written name.
  const outputNames = new Set<string>([abs(ceremony.transcript), abs(ceremony.summary)]);
  const outdirNames: string[] = [];
  for (const step of ceremony.steps) {
    for (const [name, spec] of Object.entries(step.spec.args)) {
      const v = step.args[name];
      if (typeof v !== 'string') continue;
      if (spec.kind === 'output') outputNames.add(abs(v));
      if (spec.kind === 'outdir') outdirNames.push(abs(v));
    }
  }
  const mapPath = (p: string): string => {
    const a = abs(p);
    if (!rehearsal) return a;
    if (outputNames.has(a) || outdirNames.includes(a)) return rehearsalName(a, true);
    const dir = outdirNames.find((d) => isUnder(a, d));
    return dir ? rehearsalName(dir, true) + a.slice(dir.length) : a;
  };

  const transcript = mapPath(ceremony.transcript);
  const summary = mapPath(ceremony.summary);
  const ceremonyAbs = path.resolve(ceremonyFile);
  const written = new Map<string, string>(); // path → who writes it
  const claim = (file: string, who: string, where: string, line: number): void => {
    const prev = written.get(file);
    if (prev) problems.push({ path: where, line, message: `${file} is also written by ${prev}` });
    else if (file === ceremonyAbs)
      problems.push({ path: where, line, message: 'is the ceremony file itself' });
    else if (fs.existsSync(file)) {
      problems.push({ path: where, line, message: `${file} already exists (outputs are never overwritten)` });
    }
    written.set(file, who);
  };
  claim(transcript, 'the transcript', 'transcript', 0);
  claim(summary, 'the summary', 'summary', 0);

  const steps: ResolvedStep[] = [];
  for (const step of ceremony.steps) {
    const where = `steps[${step.number - 1}]`;
    const who = `step ${step.number} (${step.command})`;
    const argv: string[] = [];
    const inputs: string[] = [];
    const outputs: string[] = [];
    const outdirs: string[] = [];
    const indirs: string[] = [];
    const positional: string[] = [];
    for (const [name, spec] of Object.entries(step.spec.args)) {
      const v = step.args[name];
      if (v === undefined) continue;
      if (spec.kind === 'inputs') {
        for (const f of v as string[]) {
          const m = mapPath(f);
          inputs.push(m);
          positional.push(m);
        }
        continue;
      }
      if (spec.kind === 'bool') {
        if (v === true) argv.push(`--${name}`);
        continue;
      }
      const isPath = ['input', 'indir', 'output', 'outdir'].includes(spec.kind);
      const value = isPath ? mapPath(String(v)) : String(v);
      if (spec.kind === 'input') inputs.push(value);
      if (spec.kind === 'indir') indirs.push(value);
      if (spec.kind === 'output') outputs.push(value);
      if (spec.kind === 'outdir') outdirs.push(value);
      argv.push(`--${name}`, value);
    }
    const implied = step.spec.impliedOutputs?.(step.args).map(mapPath) ?? [];
    outputs.push(...implied);
    if (step.spec.rehearsal && rehearsal) argv.push('--rehearsal');
    argv.push(...positional);

    for (const input of inputs) {
      const at = `${where}.args`;
      if (outputs.includes(input)) {
        problems.push({ path: at, line: step.line, message: `${input} is both read and written` });
        continue;
      }
      if (written.has(input)) continue; // an earlier step writes it
      try {
        const st = fs.statSync(input);
        if (!st.isFile()) throw new Error('not a file');
        fs.accessSync(input, fs.constants.R_OK);
      } catch {
        problems.push({
          path: at,
          line: step.line,
          message: `${input} is not a readable file, and no earlier step writes it`,
        });
      }
    }
    for (const dir of indirs) {
      const made = [...written.keys()].some((f) => isUnder(f, dir));
      if (!made && !(fs.existsSync(dir) && fs.statSync(dir).isDirectory())) {
        problems.push({
          path: `${where}.args`,
          line: step.line,
          message: `${dir} is not a directory, and no earlier step writes into it`,
        });
      }
    }
    for (const dir of outdirs) {
      if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
        problems.push({
          path: `${where}.args`,
          line: step.line,
          message: `${dir} exists and is not a directory`,
        });
      }
    }
    for (const out of outputs) claim(out, who, `${where}.args`, step.line);
    steps.push({ step, argv, inputs, outputs });
  }
  if (problems.length > 0) return { problems };
  return { plan: { steps, transcript, summary }, problems };
}
