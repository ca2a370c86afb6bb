// Property tests for the lesson loader (fast-check, 10,000 generated packs). A generator builds
// a course as data (pages, steps with every check kind, probes, diagnostics, quizzes, frames,
// prose in each language), writes it the way an author would (steps.yaml with defaults left out
// at random, <lang>.md with markers), and knows every line it wrote. Then one fault, or none, is
// put in: the pack must either load to exactly the model, or fail with a LessonLoadError whose
// `file:line` is the line the fault was written on. No other exception may escape.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LessonLoadError, loadCourse, type LessonProblem } from '../../src/course/loader.js';

const RUNS = 10_000;
// Packs are written to tmpfs when there is one: 10,000 packs of files are most of the run time.
const root = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kthw-loader-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
type Lang = 'ko' | 'en';

// ---------- generators: ids, text, check specs ----------

const idBase = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,6}$/);
/** Text that YAML must carry exactly: any code point but lone surrogates, quotes and newlines included. */
const anyText = fc.string({ unit: 'binary', maxLength: 12 });
const someText = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
/** One prose line: starts and ends with a letter, so it is never blank, a marker, a fence or a heading. */
const proseLine = fc
  .tuple(fc.constantFrom('a', 'Z', '가', '힣', 'é'), fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('b', '다', 'x'))
  .map(([a, mid, b]) => a + mid.replace(/[\r\n]/g, ' ') + b);
const proseBlock = fc.array(fc.oneof(proseLine, fc.constant('')), { minLength: 1, maxLength: 3 }).map((ls) => {
  // Leading/trailing blank lines are not part of a text (the parser trims them): the model has none.
  while (ls[0] === '') ls.shift();
  while (ls.at(-1) === '') ls.pop();
  return ls.length ? ls : ['x'];
});

const VALID_PATTERNS = ['^ok$', 'v1\\.32', 'mode.*06[0-7][0-7]', '(?i)refused', 'a|b', '\\d+', '[^/]+$', '(a+)+$'];
const textMatch = fc
  .record({ equals: anyText, contains: anyText, matches: fc.constantFrom(...VALID_PATTERNS) }, { requiredKeys: [] })
  .filter((m) => Object.keys(m).length > 0);
const where = fc.constantFrom('server', 'jumpbox');

/** Each kind with every defaulted key present: the loaded form of the spec. */
const checkBody = fc.oneof(
  fc.record(
    {
      kind: fc.constant('file'),
      path: someText,
      or: fc.array(someText, { minLength: 1, maxLength: 2 }),
      exists: fc.boolean(),
      type: fc.constantFrom('file', 'directory', 'symlink'),
      mode: fc.stringMatching(/^0?[0-7]{3,4}$/),
      owner: anyText,
      group: anyText,
      sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
      contains: anyText,
      where,
    },
    { requiredKeys: ['kind', 'path', 'exists'] },
  ),
  fc.record(
    { kind: fc.constant('service'), name: fc.stringMatching(/^[A-Za-z0-9@._:-]{1,12}$/), active: fc.boolean(), enabled: fc.boolean(), stable: fc.boolean() },
    { requiredKeys: ['kind', 'name'] },
  ),
  fc.record(
    { kind: fc.constant('port'), port: fc.integer({ min: 1, max: 65535 }), listening: fc.boolean(), process: anyText },
    { requiredKeys: ['kind', 'port', 'listening'] },
  ),
  fc.record(
    {
      kind: fc.constant('http'),
      url: fc.tuple(fc.constantFrom('http://', 'https://'), anyText).map(([a, b]) => a + b),
      status: fc.integer({ min: 100, max: 599 }),
      body: textMatch,
      json: fc.record({ path: someText, equals: anyText }),
      cacert: anyText,
      insecure: fc.boolean(),
      timeoutSeconds: fc.integer({ min: 1, max: 60 }),
    },
    { requiredKeys: ['kind', 'url', 'status', 'insecure', 'timeoutSeconds'] },
  ),
  fc.record(
    { kind: fc.constant('command'), run: someText, readOnly: fc.boolean(), exit: fc.integer({ min: -5, max: 255 }), stdout: textMatch, stderr: textMatch },
    { requiredKeys: ['kind', 'run', 'readOnly', 'exit'] },
  ),
  fc.record(
    {
      kind: fc.constant('kube'),
      resource: fc.stringMatching(/^[a-z0-9.]{1,10}$/),
      name: someText,
      namespace: anyText,
      kubeconfig: anyText,
      exists: fc.boolean(),
      field: fc.record({ path: someText, equals: anyText }),
    },
    { requiredKeys: ['kind', 'resource', 'name', 'kubeconfig', 'exists'] },
  ),
);
const DEFAULTS: Record<string, Obj> = {
  file: { exists: true },
  port: { listening: true },
  http: { status: 200, insecure: false, timeoutSeconds: 5 },
  command: { readOnly: false, exit: 0 },
  kube: { kubeconfig: '/root/admin.kubeconfig', exists: true },
  step: { run: [], timeoutSeconds: 120, observes: false, probes: [], diagnostics: [] },
  journal: { lines: 40, where: 'server' },
  portProbe: { where: 'server' },
};

interface StepModel {
  /** The step as the loader returns it (defaults filled in). */
  loaded: Obj;
  /** Extra markdown sections per language: hints, diagnostics, quiz texts, frames. */
  texts: Array<{ kind: string; key: string; text: string[] }>;
  frames: number;
  title: string;
  body: string[];
}

/** A step, built once its id is known (ids are made unique by their position). */
const stepArb = fc
    .record({
      where,
      cwd: fc.option(someText, { nil: undefined }),
      run: fc.array(someText, { maxLength: 2 }),
      timeoutSeconds: fc.integer({ min: 1, max: 3600 }),
      observes: fc.boolean(),
      checks: fc.array(fc.tuple(checkBody, fc.option(idBase, { nil: undefined })), { minLength: 1, maxLength: 3 }),
      journal: fc.option(fc.record({ journal: fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/), lines: fc.integer({ min: 1, max: 500 }), where }), { nil: undefined }),
      portProbe: fc.option(fc.record({ port: fc.integer({ min: 1, max: 65535 }), where }), { nil: undefined }),
      hints: fc.uniqueArray(idBase, { minLength: 1, maxLength: 3 }),
      diag: fc.array(fc.tuple(idBase, fc.nat(), textMatch, fc.option(fc.array(someText, { minLength: 1, maxLength: 2 }), { nil: undefined })), { maxLength: 3 }),
      // One step in four is a quiz.
      quiz: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.array(fc.tuple(idBase, fc.uniqueArray(idBase, { minLength: 2, maxLength: 5 }), fc.nat()), { minLength: 1, maxLength: 2 }) },
      ),
      title: proseLine,
      body: proseBlock,
      fence: fc.boolean(),
      frames: fc.nat(3),
      textFor: fc.array(proseBlock, { minLength: 4, maxLength: 4 }),
    })
    .map((g) => (stepId: string): StepModel => {
      let t = 0;
      const nextText = () => g.textFor[t++ % g.textFor.length]!;
      const texts: StepModel['texts'] = [];
      const hints = g.hints;
      for (const h of hints) texts.push({ kind: 'hint', key: `${stepId}.${h}`, text: nextText() });
      const frames = g.frames;
      for (let n = 1; n <= frames; n++) texts.push({ kind: 'frame', key: `${stepId}.${n}`, text: nextText() });
      const body = g.fence ? [...g.body, '', '```', `<!-- step: not-a-marker -->`, '```'] : g.body;
      if (g.quiz) {
        const quiz = g.quiz.map(([q, options, pick], i) => ({ id: `${q}-q${i}`, options, answer: options[pick % options.length]! }));
        for (const q of quiz) {
          texts.push({ kind: 'quiz', key: `${stepId}.${q.id}`, text: nextText() });
          for (const o of q.options) {
            texts.push({ kind: 'option', key: `${stepId}.${q.id}.${o}`, text: nextText() });
            if (o !== q.answer) texts.push({ kind: 'explain', key: `${stepId}.${q.id}.${o}`, text: nextText() });
          }
        }
        const loaded: Obj = { id: stepId, where: g.where, ...DEFAULTS.step!, timeoutSeconds: g.timeoutSeconds, observes: g.observes, checks: [], quiz, hints };
        return { loaded, texts, frames, title: g.title, body };
      }
      const checks = g.checks.map(([c, id], i) => ({ ...c, id: id === undefined ? `${c.kind}-${i + 1}` : `${id}-c${i}` }) as Obj);
      const probes: Obj[] = [...(g.journal ? [g.journal] : []), ...(g.portProbe ? [g.portProbe] : [])];
      const run = g.run;
      const diagnostics = g.diag.map(([d, pick, match, fix], i): Obj => {
        // Conditions that refer only to what the step has: a check, a probed journal or port, the run.
        const options: Obj[] = [{ check: checks[pick % checks.length]!.id as string, found: match }];
        if (g.journal) options.push({ journal: { unit: g.journal.journal, match } });
        if (g.portProbe) options.push({ port: { port: g.portProbe.port, listening: pick % 2 === 0 } });
        if (run.length > 0) options.push({ exit: pick % 3, output: match });
        const diag: Obj = { id: `${d}-d${i}`, when: options[pick % options.length]! };
        if (fix) diag.fix = fix;
        texts.push({ kind: 'diagnostic', key: `${stepId}.${diag.id as string}`, text: nextText() });
        return diag;
      });
      const loaded: Obj = {
        id: stepId,
        where: g.where,
        ...(g.cwd !== undefined ? { cwd: g.cwd } : {}),
        run,
        timeoutSeconds: g.timeoutSeconds,
        observes: g.observes,
        checks,
        probes,
        hints,
        diagnostics,
      };
      return { loaded, texts, frames, title: g.title, body };
    });

const pageArb = (maxSteps: number) => fc
  .tuple(idBase, fc.array(fc.tuple(idBase, stepArb), { minLength: 1, maxLength: maxSteps }), proseLine, proseBlock)
  .map(([pid, steps, title, intro]) => (pageIndex: number) => {
    const id = `${pid}-p${pageIndex}`;
    return { pid: id, title, intro, folder: `${String(pageIndex + 1).padStart(2, '0')}-${id}`, steps: steps.map(([b, make], s) => make(`${b}-p${pageIndex}s${s}`)) };
  });

const courseOf = (maxPages: number, maxSteps: number) => fc
  .record({
    id: idBase,
    languages: fc.constantFrom<Lang[]>(['ko', 'en'], ['en', 'ko'], ['ko'], ['en']),
    pages: fc.array(pageArb(maxSteps), { minLength: 1, maxLength: maxPages }),
    dropDefaults: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  })
  .map((c) => ({ ...c, pages: c.pages.map((make, i) => make(i)) }));
const courseArb = courseOf(2, 2);
type CourseModel = typeof courseArb extends fc.Arbitrary<infer T> ? T : never;

// ---------- rendering, with the line of every node ----------

/** A YAML double-quoted scalar: JSON's escapes, plus \u escapes for what YAML calls non-printable. */
function yamlString(s: string): string {
  return JSON.stringify(s).replace(/[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
const scalar = (v: Json): string => (typeof v === 'string' ? yamlString(v) : String(v));

/** Block YAML, one key per line; `at` gets the line of every path ("steps.0.checks.1.kind"). */
function emitYaml(value: Obj, at: Map<string, number>, omit: (path: string, key: string, v: Json) => boolean): string[] {
  const out: string[] = [];
  const mapping = (obj: Obj, indent: number, path: string, firstPrefix: string | null) => {
    let first = true;
    for (const [k, v] of Object.entries(obj)) {
      if (omit(path, k, v)) continue;
      const pad = first && firstPrefix !== null ? firstPrefix : ' '.repeat(indent);
      first = false;
      const p = path ? `${path}.${k}` : k;
      at.set(p, out.length + 1);
      if (Array.isArray(v)) {
        if (v.length === 0) out.push(`${pad}${k}: []`);
        else {
          out.push(`${pad}${k}:`);
          sequence(v, indent + 2, p);
        }
      } else if (v !== null && typeof v === 'object') {
        out.push(`${pad}${k}:`);
        mapping(v, indent + 2, p, null);
      } else out.push(`${pad}${k}: ${scalar(v)}`);
    }
  };
  const sequence = (items: Json[], indent: number, path: string) => {
    items.forEach((item, i) => {
      const p = `${path}.${i}`;
      at.set(p, out.length + 1);
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) mapping(item, indent + 2, p, `${' '.repeat(indent)}- `);
      else out.push(`${' '.repeat(indent)}- ${scalar(item as Json)}`);
    });
  };
  mapping(value, 0, '', null);
  return out;
}

interface Pack {
  files: Map<string, string[]>;
  /** Line of each YAML path, per steps.yaml. */
  yamlLines: Map<string, Map<string, number>>;
  /** Line of each marker ("hint:step.h") per markdown file. */
  mdLines: Map<string, Map<string, number>>;
}

/** Which defaulted keys are left out: the model's coin flips, so a pack shows both forms. */
function omitter(model: CourseModel) {
  let n = 0;
  return (path: string, key: string, v: Json, owner: Obj | undefined): boolean => {
    if (!owner) return false;
    // A quiz step has no checks at all in the source (the loader gives it an empty list).
    if (key === 'checks' && Array.isArray(v) && v.length === 0) return true;
    const kind = typeof owner.kind === 'string' ? owner.kind : /^steps\.\d+$/.test(path) ? 'step' : 'journal' in owner ? 'journal' : 'port' in owner && !('listening' in owner) ? 'portProbe' : '';
    const defaults = DEFAULTS[kind];
    let isDefault = defaults !== undefined && key in defaults && JSON.stringify(defaults[key]) === JSON.stringify(v);
    if (kind !== '' && key === 'id' && typeof owner.kind === 'string') {
      isDefault = /^(file|service|port|http|command|kube)-\d+$/.test(v as string); // the loader's own name for it
    }
    return isDefault && model.dropDefaults[n++ % model.dropDefaults.length]!;
  };
}

function renderPack(model: CourseModel, pageOverrides: Map<number, Obj> = new Map()): Pack {
  const files = new Map<string, string[]>();
  const yamlLines = new Map<string, Map<string, number>>();
  const mdLines = new Map<string, Map<string, number>>();
  files.set('course.yaml', [`id: ${yamlString(model.id)}`, `languages: [${model.languages.join(', ')}]`, 'pages:', ...model.pages.map((p) => `  - ${yamlString(p.folder)}`)]);
  const omit = omitter(model);
  model.pages.forEach((page, pi) => {
    const doc: Obj = pageOverrides.get(pi) ?? { page: page.pid, steps: page.steps.map((s) => s.loaded) };
    const at = new Map<string, number>();
    // Look the owner of each key up by path, so the omitter knows its kind.
    const ownerOf = (path: string): Obj | undefined => {
      let cur: Json = doc;
      for (const seg of path ? path.split('.') : []) cur = (cur as Obj)[seg] as Json;
      return cur as Obj;
    };
    files.set(`${page.folder}/steps.yaml`, emitYaml(doc, at, (path, key, v) => omit(path, key, v, ownerOf(path))));
    yamlLines.set(`${page.folder}/steps.yaml`, at);
    for (const lang of model.languages) {
      const lines: string[] = [`# ${page.title}`, '', ...page.intro];
      const markers = new Map<string, number>();
      const section = (kind: string, key: string, text: string[]) => {
        lines.push('');
        markers.set(`${kind}:${key}`, lines.length + 1);
        lines.push(`<!-- ${kind}: ${key} -->`, ...text);
      };
      for (const s of page.steps) {
        section('step', s.loaded.id as string, [`## ${s.title}`, '', ...s.body]);
        for (const t of s.texts) section(t.kind, t.key, t.text);
      }
      files.set(`${page.folder}/${lang}.md`, [...lines, '']);
      mdLines.set(`${page.folder}/${lang}.md`, markers);
    }
  });
  return { files, yamlLines, mdLines };
}

let packNo = 0;
function writePack(pack: Pack): string {
  const dir = join(root, String(packNo++ % 4));
  rmSync(dir, { recursive: true, force: true });
  for (const [file, lines] of pack.files) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), lines.join('\n'));
  }
  return dir;
}

function load(dir: string): { ok: true; course: ReturnType<typeof loadCourse> } | { ok: false; errors: LessonProblem[] } {
  try {
    return { ok: true, course: loadCourse(dir) };
  } catch (err) {
    // Anything but a LessonLoadError is a loader crash: let the property fail on it.
    if (!(err instanceof LessonLoadError)) throw err;
    return { ok: false, errors: err.errors };
  }
}

/** The loaded prose of a page in one language, compared without its line table. */
function expectProse(course: ReturnType<typeof loadCourse>, model: CourseModel, pack: Pack) {
  model.pages.forEach((page, pi) => {
    for (const lang of model.languages) {
      const prose = course.pages[pi]!.prose[lang]!;
      expect(prose.title).toBe(page.title);
      expect(prose.intro).toBe(page.intro.join('\n'));
      const steps = new Map(page.steps.map((s) => [s.loaded.id as string, { title: s.title, body: s.body.join('\n') }]));
      expect(prose.steps).toEqual(steps);
      const byKind = (kind: string) => new Map(page.steps.flatMap((s) => s.texts.filter((t) => t.kind === kind).map((t) => [t.key, t.text.join('\n')] as const)));
      expect(prose.hints).toEqual(byKind('hint'));
      expect(prose.diagnostics).toEqual(byKind('diagnostic'));
      expect(prose.questions).toEqual(byKind('quiz'));
      expect(prose.options).toEqual(byKind('option'));
      expect(prose.explains).toEqual(byKind('explain'));
      expect(prose.frames).toEqual(byKind('frame'));
      const markers = pack.mdLines.get(`${page.folder}/${lang}.md`)!;
      for (const [id, line] of prose.lines.steps) expect(line).toBe(markers.get(`step:${id}`));
      for (const [key, line] of prose.lines.hints) expect(line).toBe(markers.get(`hint:${key}`));
    }
  });
}

// ---------- faults: each edits the pack and says where the loader must point ----------

interface Fault {
  name: string;
  file: string;
  line: number;
  message: RegExp;
  /** Every problem reported is this one (else: it is among them). */
  only: boolean;
}

const splice = (lines: string[], at: number, remove: number, ...add: string[]) => lines.splice(at - 1, remove, ...add);
const indentOf = (line: string) => /^[ -]*/.exec(line)![0].replace(/-/g, ' ');

type FaultMaker = (model: CourseModel, pack: Pack, pick: number) => Fault | undefined;
const pickOf = <T,>(xs: readonly T[], n: number): T => xs[n % xs.length]!;
const stepsFileOf = (model: CourseModel, n: number) => {
  const pi = n % model.pages.length;
  const page = model.pages[pi]!;
  const si = Math.floor(n / 7) % page.steps.length;
  return { pi, page, si, step: page.steps[si]!, file: `${page.folder}/steps.yaml` };
};

const FAULTS: Record<string, FaultMaker> = {
  duplicateKey(model, pack, n) {
    const { si, file } = stepsFileOf(model, n);
    const line = pack.yamlLines.get(file)!.get(`steps.${si}.where`)!;
    const lines = pack.files.get(file)!;
    splice(lines, line + 1, 0, indentOf(lines[line - 1]!) + lines[line - 1]!.trimStart().replace(/^- /, ''));
    return { name: 'duplicateKey', file, line: line + 1, message: /^not valid YAML: Map keys must be unique/, only: true };
  },
  unknownKey(model, pack, n) {
    const { si, file } = stepsFileOf(model, n);
    const line = pack.yamlLines.get(file)!.get(`steps.${si}.where`)!;
    const lines = pack.files.get(file)!;
    splice(lines, line + 1, 0, `${indentOf(lines[line - 1]!)}colour: "red"`);
    return { name: 'unknownKey', file, line: line + 1, message: /^unknown key "colour" in steps\[\d+\]$/, only: true };
  },
  unresolvedAlias(model, pack, n) {
    const { si, file } = stepsFileOf(model, n);
    const line = pack.yamlLines.get(file)!.get(`steps.${si}.where`)!;
    const lines = pack.files.get(file)!;
    lines[line - 1] = lines[line - 1]!.replace(/where: .*$/, 'where: *nowhere');
    return { name: 'unresolvedAlias', file, line, message: /^not valid YAML: Unresolved alias/, only: true };
  },
  aliasBomb(model, pack, n) {
    const { file } = stepsFileOf(model, n);
    // "Billion laughs": nine levels of nine aliases each.
    const bomb = [`x0: &a0 [${Array(9).fill('"lol"').join(',')}]`];
    for (let i = 1; i < 9; i++) bomb.push(`x${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
    splice(pack.files.get(file)!, 2, 0, ...bomb);
    return { name: 'aliasBomb', file, line: 3, message: /^not valid YAML: Excessive alias count/, only: true };
  },
  unclosedQuote(model, pack, n) {
    const { si, file } = stepsFileOf(model, n);
    const line = pack.yamlLines.get(file)!.get(`steps.${si}.where`)!;
    const lines = pack.files.get(file)!;
    splice(lines, line + 1, 0, `${indentOf(lines[line - 1]!)}colour: "red`);
    return { name: 'unclosedQuote', file, line: line + 1, message: /^not valid YAML: Missing closing "quote/, only: false };
  },
  wrongType(model, pack, n) {
    const { si, file, step } = stepsFileOf(model, n);
    const key = 'timeoutSeconds';
    const lines = pack.files.get(file)!;
    const whereLine = pack.yamlLines.get(file)!.get(`steps.${si}.where`)!;
    // Replace the key when it was written, else add it.
    const existing = pack.yamlLines.get(file)!.get(`steps.${si}.${key}`);
    const line = existing ?? whereLine + 1;
    splice(lines, line, existing ? 1 : 0, `${indentOf(lines[whereLine - 1]!)}${key}: "soon"`);
    return { name: 'wrongType', file, line, message: /^steps\[\d+\]\.timeoutSeconds: .*number/, only: true };
  },
  unknownKind(model, pack, n) {
    const { si, file, step } = stepsFileOf(model, n);
    const checks = step.loaded.checks as Obj[];
    if (checks.length === 0) return undefined;
    const ci = n % checks.length;
    const line = pack.yamlLines.get(file)!.get(`steps.${si}.checks.${ci}.kind`)!;
    const lines = pack.files.get(file)!;
    lines[line - 1] = lines[line - 1]!.replace(/kind: ".*"$/, 'kind: "socket"');
    return { name: 'unknownKind', file, line, message: /^unknown check kind "socket" at steps\[\d+\]\.checks\[\d+\]\.kind: use one of file, service, port, http, command, kube$/, only: true };
  },
  missingSection(model, pack, n) {
    const { page, si, file, step } = stepsFileOf(model, n);
    const lang = pickOf(model.languages, n);
    const md = `${page.folder}/${lang}.md`;
    const id = step.loaded.id as string;
    const at = pack.mdLines.get(md)!.get(`step:${id}`)!;
    // Drop the marker and the title: the body then reads as part of the text before it.
    splice(pack.files.get(md)!, at, 2);
    const line = pack.yamlLines.get(file)!.get(`steps.${si}.id`)!;
    return { name: 'missingSection', file, line, message: new RegExp(`^step ${id} has no section in ${lang}\\.md`), only: true };
  },
  extraHint(model, pack, n) {
    const { page, step } = stepsFileOf(model, n);
    const lang = pickOf(model.languages, n);
    const md = `${page.folder}/${lang}.md`;
    const lines = pack.files.get(md)!;
    lines.push(`<!-- hint: ${step.loaded.id as string}.ghost-hint -->`, 'text');
    return { name: 'extraHint', file: md, line: lines.length - 1, message: /^text for hint ".*\.ghost-hint", which .*steps\.yaml does not list$/, only: true };
  },
  unknownMarker(model, pack, n) {
    const { page } = stepsFileOf(model, n);
    const md = `${page.folder}/${pickOf(model.languages, n)}.md`;
    const lines = pack.files.get(md)!;
    lines.push('', '<!-- stpe: x -->', 'text');
    return { name: 'unknownMarker', file: md, line: lines.length - 1, message: /^unknown marker "<!-- stpe: x -->"/, only: true };
  },
  badMarkerId(model, pack, n) {
    const { page } = stepsFileOf(model, n);
    const md = `${page.folder}/${pickOf(model.languages, n)}.md`;
    const lines = pack.files.get(md)!;
    lines.push('', '<!-- step: Bad_Id -->', '## Title', 'text');
    return { name: 'badMarkerId', file: md, line: lines.length - 2, message: /^step marker has a bad id "Bad_Id"/, only: false };
  },
  missingLanguageFile(model, pack, n) {
    const { page, pi } = stepsFileOf(model, n);
    const lang = pickOf(model.languages, n);
    pack.files.delete(`${page.folder}/${lang}.md`);
    return { name: 'missingLanguageFile', file: 'course.yaml', line: 4 + pi, message: new RegExp(`^page ${page.folder} has no ${lang}\\.md`), only: true };
  },
  pageMismatch(model, pack, n) {
    const { file } = stepsFileOf(model, n);
    const lines = pack.files.get(file)!;
    lines[0] = 'page: "other-page"';
    return { name: 'pageMismatch', file, line: 1, message: /^page is "other-page", but the folder/, only: true };
  },
  duplicateHint(model, pack, n) {
    const { si, file, step } = stepsFileOf(model, n);
    const hints = step.loaded.hints as string[];
    const at = pack.yamlLines.get(file)!;
    const last = at.get(`steps.${si}.hints.${hints.length - 1}`)!;
    const lines = pack.files.get(file)!;
    splice(lines, last + 1, 0, lines[last - 1]!.replace(/- ".*"$/, `- ${yamlString(hints[0]!)}`));
    return { name: 'duplicateHint', file, line: last + 1, message: new RegExp(`^duplicate hint id "${hints[0]}"`), only: true };
  },
  frameGap(model, pack, n) {
    const { page, step } = stepsFileOf(model, n);
    if (step.frames < 2) return undefined;
    const lang = pickOf(model.languages, n);
    const md = `${page.folder}/${lang}.md`;
    const id = step.loaded.id as string;
    // Frame 1 renumbered to frame n+1: frames 2..n+1 leave a gap at 1, reported at frame 2.
    const line1 = pack.mdLines.get(md)!.get(`frame:${id}.1`)!;
    const lines = pack.files.get(md)!;
    lines[line1 - 1] = `<!-- frame: ${id}.${step.frames + 1} -->`;
    const line2 = pack.mdLines.get(md)!.get(`frame:${id}.2`)!;
    return { name: 'frameGap', file: md, line: line2, message: new RegExp(`^frame ${id}\\.2 leaves a gap`), only: true };
  },
  missingExplain(model, pack, n) {
    const { page, step } = stepsFileOf(model, n);
    const quiz = step.loaded.quiz as Array<{ id: string; options: string[]; answer: string }> | undefined;
    if (!quiz) return undefined;
    const q = pickOf(quiz, n);
    const wrong = q.options.find((o) => o !== q.answer)!;
    const key = `${step.loaded.id as string}.${q.id}.${wrong}`;
    const lang = pickOf(model.languages, n);
    const md = `${page.folder}/${lang}.md`;
    const markers = pack.mdLines.get(md)!;
    const explain = markers.get(`explain:${key}`)!;
    // The explanation's text becomes more text of the option before it.
    splice(pack.files.get(md)!, explain, 1);
    return { name: 'missingExplain', file: md, line: markers.get(`option:${key}`)!, message: new RegExp(`^wrong option ${key.replace(/\./g, '\\.')} has no explanation`), only: true };
  },
};

function applyFault(model: CourseModel, pack: Pack, name: string, n: number): Fault | undefined {
  return FAULTS[name]!(model, pack, n);
}

describe('loadCourse on generated packs', () => {
  it('loads a clean pack to exactly the model, or points file:line at the one fault put in', () => {
    const started = performance.now();
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(courseArb, fc.constantFrom('none', 'none', 'none', ...Object.keys(FAULTS)), fc.nat(), (model, faultName, n) => {
        const pack = renderPack(model);
        const fault = faultName === 'none' ? undefined : applyFault(model, pack, faultName, n);
        seen.set(fault?.name ?? 'none', (seen.get(fault?.name ?? 'none') ?? 0) + 1);
        const result = load(writePack(pack));
        if (!fault) {
          if (!result.ok) throw new Error(`a clean pack did not load:\n${result.errors.map((e) => `${e.file}:${e.line}: ${e.message}`).join('\n')}`);
          expect(result.course.id).toBe(model.id);
          expect(result.course.languages).toEqual(model.languages);
          expect(result.course.pages.map((p) => [p.id, p.folder])).toEqual(model.pages.map((p) => [p.pid, p.folder]));
          result.course.pages.forEach((p, i) => expect(p.steps).toEqual(model.pages[i]!.steps.map((s) => s.loaded)));
          expectProse(result.course, model, pack);
          return;
        }
        expect(result.ok, `${fault.name} was not reported`).toBe(false);
        if (result.ok) return;
        const hit = result.errors.filter((e) => e.file === fault.file && e.line === fault.line && fault.message.test(e.message));
        const list = result.errors.map((e) => `${e.file}:${e.line}: ${e.message}`).join('\n');
        expect(hit.length, `${fault.name}: expected ${fault.file}:${fault.line} ${fault.message}, got\n${list}`).toBe(1);
        if (fault.only) expect(result.errors, `${fault.name}: more than the one problem:\n${list}`).toHaveLength(1);
        // Every problem names a file of the pack and a line inside it.
        for (const e of result.errors) {
          const lines = pack.files.get(e.file) ?? (e.file === fault.file ? [] : undefined);
          expect(lines, `${e.file} is not a file of the pack`).toBeDefined();
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.line).toBeLessThanOrEqual(lines!.length + 1);
        }
      }),
      { numRuns: RUNS },
    );
    console.log(`loader: ${RUNS} packs in ${Math.round(performance.now() - started)} ms; faults: ${JSON.stringify(Object.fromEntries(seen))}`);
  }, 120_000);
});

// The shrunk counterexamples of the bug the faults above found, kept as plain regressions:
// YAML that parses but cannot be converted made loadCourse throw a bare ReferenceError.
describe('regressions found by the properties', () => {
  const fixture = join(import.meta.dirname, '..', 'fixtures', 'courses', 'valid');
  const withSteps = (text: string) => {
    const dir = join(root, `regression-${packNo++}`);
    cpSync(fixture, dir, { recursive: true });
    writeFileSync(join(dir, '01-basics', 'steps.yaml'), text);
    return dir;
  };
  const problems = (dir: string) => {
    const r = load(dir);
    return r.ok ? [] : r.errors;
  };

  it('an alias to an anchor that does not exist is a problem at its line', () => {
    const dir = withSteps('page: basics\nsteps:\n  - id: a\n    where: *nowhere\n');
    expect(problems(dir)).toEqual([
      { file: '01-basics/steps.yaml', line: 4, message: 'not valid YAML: Unresolved alias (the anchor must be set before the alias): nowhere' },
    ]);
    // After an alias that resolves, the one that does not is named.
    const dir2 = withSteps('page: basics\nsteps:\n  - id: &a a\n    where: server\n    hints: [*a]\n    observes: *nowhere\n');
    expect(problems(dir2).map((e) => `${e.file}:${e.line}`)).toEqual(['01-basics/steps.yaml:6']);
  });

  it('aliases that expand into a huge document are a problem at the first alias', () => {
    const bomb = ['x0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) bomb.push(`x${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
    const dir = withSteps(`page: basics\n${bomb.join('\n')}\n`);
    expect(problems(dir)).toEqual([{ file: '01-basics/steps.yaml', line: 3, message: expect.stringMatching(/^not valid YAML: Excessive alias count/) }]);
  });
});
