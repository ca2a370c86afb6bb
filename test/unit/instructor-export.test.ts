// The class reports, one format at a time, each read back by an independent reader: JSON by
// JSON.parse and our own reader, CSV by a small RFC 4180 parser here and by Python's csv module,
// JUnit by Python's XML parser (expat: not well-formed = exception), HTML by Python's html.parser.
// A hostile student (script tags, event handlers, terminal escapes, bidi controls, XML-invalid
// characters, formula starts) is in every class.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../../src/i18n/index.js';
import { csvField, exportCsv } from '../../src/instructor/export/csv.js';
import { exportHtml } from '../../src/instructor/export/html.js';
import { EXPORTERS, EXPORT_FORMATS } from '../../src/instructor/export/index.js';
import { exportJson, readSnapshotJson } from '../../src/instructor/export/json.js';
import { exportJunit } from '../../src/instructor/export/junit.js';
import { exportMarkdown, mdCodeBlock } from '../../src/instructor/export/md.js';
import { stepOf, type ClassSnapshot, type StudentRow } from '../../src/instructor/snapshot.js';
import { BIDI, ESC, IMG, PAGES, SCRIPT, STEP_IDS, hostileStudent, snapshotOf, stuckStudent, unreachableStudent } from '../helpers/class-snapshot.js';

const translator = createTranslator();
const en = translator.forLang('en');
const ko = translator.forLang('ko');
const dir = mkdtempSync(join(tmpdir(), 'kthw-instructor-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function python(script: string, text: string): unknown {
  const file = join(dir, `in-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text, 'utf8');
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8', timeout: 15_000 }));
}

function mixedClass(lang: 'en' | 'ko' = 'en'): ClassSnapshot {
  const skipped = stuckStudent('건너뛴 학생', 7, 3);
  skipped.steps.p1s2 = { status: 'skipped' };
  const inProgress = stuckStudent('Lee, "Jay"', 12, 75);
  inProgress.steps.p4s3 = { ...inProgress.steps.p4s3!, status: 'in-progress' };
  const fromFile = stuckStudent('보고서 학생', 9);
  fromFile.source = 'report';
  fromFile.reach = { kind: 'unreachable', reason: 'connect ECONNREFUSED 10.0.0.9:22' };
  return snapshotOf(
    [
      stuckStudent('김민준', 3, 12),
      stuckStudent('Alice Done', 23),
      skipped,
      inProgress,
      fromFile,
      unreachableStudent('박서연', 'auth', 'Permission denied (publickey)'),
      unreachableStudent('=HYPERLINK("http://x")', 'timeout', '+1 no answer in 10 s'),
      hostileStudent(),
    ],
    lang,
  );
}

/** What the cleaned hostile found value reads as: every control sequence and invisible char gone. */
const HOSTILE_FOUND = `${SCRIPT}failed`;

// Characters no report may contain: C0/C1 controls (but tab, LF, CR), bidi controls, zero-width.
const FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\ufffe\uffff]/;

describe('every format', () => {
  for (const format of EXPORT_FORMATS) {
    it(`${format}: carries no control sequence, bidi control or zero-width character from a server`, () => {
      for (const t of [en, ko]) {
        const out = EXPORTERS[format](mixedClass(), t);
        // The CSV's BOM is the one U+FEFF allowed, at the very start.
        const body = format === 'csv' ? out.replace(/^\ufeff/, '') : out;
        expect(body).not.toMatch(FORBIDDEN);
        expect(body).not.toContain('\x1b');
        expect(body).toContain('Mallory');
      }
    });
  }
});

describe('json', () => {
  it('reads back into the same snapshot (derived fields recomputed, not stored in the model)', () => {
    const snap = mixedClass();
    snap.students = snap.students.filter((s) => !s.name.startsWith('Mallory'));
    expect(readSnapshotJson(exportJson(snap))).toEqual(snap);
  });

  it('has the documented shape, in course order, with derived progress and stuck time', () => {
    const doc = JSON.parse(exportJson(mixedClass())) as { format: string; version: number; students: Array<Record<string, unknown>> };
    expect(Object.keys(doc)).toEqual(['format', 'version', 'takenAt', 'tutorVersion', 'lessonPackHash', 'lang', 'pages', 'students']);
    expect(doc.format).toBe('kthw-tutor.class-snapshot');
    const kim = doc.students[0]!;
    expect(Object.keys(kim)).toEqual(['name', 'target', 'source', 'reach', 'currentStep', 'stuckForMs', 'progress', 'steps']);
    expect(kim).toMatchObject({ name: '김민준', currentStep: 'p2s2', stuckForMs: 12 * 60_000, progress: { pagesDone: 1, stepsPassed: 3, stepsTotal: 23 } });
    expect(Object.keys(kim.steps as object)).toEqual(STEP_IDS);
    expect(doc.students[1]).toMatchObject({ currentStep: null, stuckForMs: null });
    expect(doc.students[5]!.reach).toEqual({ kind: 'auth', reason: 'Permission denied (publickey)' });
  });

  it('fills steps a row does not mention as not started and drops ids the course does not have', () => {
    const row: StudentRow = { name: 'x', target: 't', source: 'live', reach: { kind: 'ok' }, steps: { p1s1: { status: 'passed' }, bogus: { status: 'passed' } } };
    const back = readSnapshotJson(exportJson(snapshotOf([row])));
    expect(Object.keys(back.students[0]!.steps)).toEqual(STEP_IDS);
    expect(back.students[0]!.steps.p1s2).toEqual({ status: 'not-started' });
  });

  it('cleans untrusted text but keeps what it says', () => {
    const doc = JSON.parse(exportJson(mixedClass()));
    const m = doc.students[7];
    expect(m.name).toBe(`Mallory ${IMG}`);
    const step = m.steps[m.currentStep];
    expect(step.failing[0].found).toBe(HOSTILE_FOUND);
    expect(step.evidence).toContain(SCRIPT);
    expect(step.evidence).toContain('desrever');
    expect(step.diagnostic).toBe(`diagnostic ${IMG}`);
  });

  it('is byte-for-byte the same for the same snapshot', () => {
    expect(exportJson(mixedClass())).toBe(exportJson(mixedClass()));
  });

  it('refuses what is not a snapshot, naming the file and the field', () => {
    expect(() => readSnapshotJson('{', 'class.json')).toThrow(/^class\.json: not valid JSON/);
    const doc = JSON.parse(exportJson(mixedClass()));
    doc.students[0].steps.p1s1.status = 'great';
    expect(() => readSnapshotJson(JSON.stringify(doc), 'class.json')).toThrow(/class\.json: .*students\.0\.steps\.p1s1\.status/);
  });
});

/** RFC 4180, strictly: records end in CRLF, a bare CR or LF is only allowed inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (c === '"') (quoted = false), i++;
      else (field += c), i++;
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
      i++;
    } else if (c === ',') (row.push(field), (field = '')), i++;
    else if (c === '\r' && text[i + 1] === '\n') (row.push(field), rows.push(row), (row = []), (field = '')), (i += 2);
    else if (c === '\r' || c === '\n') throw new Error(`bare line end outside quotes at ${i}`);
    else (field += c), i++;
  }
  if (quoted) throw new Error('unterminated quote');
  if (field !== '' || row.length > 0) throw new Error('last record does not end in CRLF');
  return rows;
}

const PY_CSV = "import csv,json,sys\nwith open(sys.argv[1], newline='', encoding='utf-8-sig') as f: print(json.dumps(list(csv.reader(f))))";

describe('csv', () => {
  it('starts with a BOM, ends records in CRLF, one row per student and a column per step', () => {
    const out = exportCsv(mixedClass(), en);
    expect(out.startsWith('\ufeff')).toBe(true);
    const rows = parseCsv(out.slice(1));
    expect(rows).toHaveLength(1 + 8);
    for (const r of rows) expect(r).toHaveLength(9 + 23);
    expect(rows[0]!.slice(0, 9)).toEqual(['Student', 'Server', 'Source', 'Connection', 'Pages done', 'Steps passed', 'Steps total', 'Current step', 'Stuck for (min)']);
    expect(rows[0]![9]).toBe('1.1 Step 1.1');
    expect(rows[1]!.slice(0, 9)).toEqual(['김민준', 'root@10.0.0.4:22', 'checked live', 'reachable', '1', '3', '23', '2.2 Step 2.2', '12']);
    expect(rows[1]!.slice(9, 14)).toEqual(['passed', 'passed', 'passed', 'failing', 'not started']);
  });

  it('reads the same in Python’s csv module as in the RFC 4180 parser, Korean included', () => {
    for (const t of [en, ko]) {
      const out = exportCsv(mixedClass('ko'), t);
      expect(python(PY_CSV, out)).toEqual(parseCsv(out.slice(1)));
    }
    const rows = python(PY_CSV, exportCsv(mixedClass('ko'), ko)) as string[][];
    expect(rows[0]![0]).toBe('수강생');
    expect(rows.map((r) => r[0])).toContain('박서연');
    expect(rows[6]![3]).toBe('인증 거부: Permission denied (publickey)');
  });

  it('quotes commas and quotes, and neutralizes cells a spreadsheet would run as formulas', () => {
    const rows = parseCsv(exportCsv(mixedClass(), en).slice(1));
    expect(rows[4]![0]).toBe('Lee, "Jay"');
    expect(rows[7]![0]).toBe(`'=HYPERLINK("http://x")`);
    // A reason starting with "+" inside a longer cell is not at the start: left alone.
    expect(rows[7]![3]).toBe('timed out: +1 no answer in 10 s');
    for (const [value, cell] of [
      ['=1+1', "'=1+1"],
      ['+1', "'+1"],
      ['-1', "'-1"],
      ['@SUM(A1)', "'@SUM(A1)"],
      ['\tx', "'\tx"],
      ['  =x', "'  =x"],
      ['a=b', 'a=b'],
      ['한글', '한글'],
    ]) {
      expect(parseCsv(`${csvField(value!)}\r\n`)[0]![0], value).toBe(cell);
    }
    expect(csvField(-3)).toBe('-3');
    expect(parseCsv(`${csvField('two\nlines, "q"')}\r\n`)).toEqual([['two\nlines, "q"']]);
  });
});

const PY_XML = `import sys, json, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print(json.dumps({'tag': root.tag, 'attrib': root.attrib, 'suites': [
  {'attrib': s.attrib, 'props': {p.get('name'): p.get('value') for p in s.iter('property')},
   'cases': [{'attrib': c.attrib, 'children': [{'tag': k.tag, 'attrib': k.attrib, 'text': k.text} for k in c]} for c in s.findall('testcase')]}
  for s in root.findall('testsuite')]}))`;

interface XmlCase {
  attrib: Record<string, string>;
  children: Array<{ tag: string; attrib: Record<string, string>; text: string | null }>;
}
interface XmlDoc {
  tag: string;
  attrib: Record<string, string>;
  suites: Array<{ attrib: Record<string, string>; props: Record<string, string>; cases: XmlCase[] }>;
}

describe('junit', () => {
  const snap = mixedClass();
  const doc = python(PY_XML, exportJunit(snap, en)) as XmlDoc;

  it('is well-formed XML: one testsuite per student, one testcase per step, totals that add up', () => {
    expect(doc.tag).toBe('testsuites');
    expect(doc.suites).toHaveLength(snap.students.length);
    let failures = 0;
    for (const [k, suite] of doc.suites.entries()) {
      const student = snap.students[k]!;
      expect(suite.cases).toHaveLength(23);
      const states = STEP_IDS.map((id) => stepOf(student, id).status);
      const count = (...s: string[]) => states.filter((x) => s.includes(x)).length;
      expect(suite.attrib).toMatchObject({
        tests: '23',
        failures: String(count('failing', 'in-progress')),
        errors: String(count('unreachable')),
        skipped: String(count('skipped', 'not-started')),
      });
      failures += count('failing', 'in-progress');
      suite.cases.forEach((c, i) => {
        const want = { passed: [], failing: ['failure'], 'in-progress': ['failure'], unreachable: ['error'], skipped: ['skipped'], 'not-started': ['skipped'] }[states[i]!];
        expect(c.children.map((x) => x.tag), `${student.name} ${STEP_IDS[i]}`).toEqual(want);
      });
    }
    expect(doc.attrib.failures).toBe(String(failures));
    expect(doc.attrib.tests).toBe(String(23 * snap.students.length));
  });

  it('a failure says what was expected and found; an unreachable server is an error with the reason', () => {
    const kim = doc.suites[0]!;
    expect(kim.attrib.name).toBe('김민준');
    expect(kim.cases[3]!.attrib).toMatchObject({ classname: 'p2', name: '2.2 Step 2.2' });
    expect(kim.cases[3]!.children[0]).toMatchObject({ tag: 'failure', attrib: { message: 'p2s2-c1: mode: expected 0600, found 0644', type: 'failing' } });
    const park = doc.suites[5]!;
    expect(park.cases[0]!.children[0]!.attrib).toEqual({ message: 'authentication refused: Permission denied (publickey)', type: 'auth' });
    expect(park.props).toMatchObject({ reach: 'authentication refused: Permission denied (publickey)', source: 'live' });
  });

  it('hostile text reads back exactly as the cleaned text: escaped, not interpreted, not broken', () => {
    const m = doc.suites[7]!;
    expect(m.attrib.name).toBe(`Mallory ${IMG}`);
    expect(m.attrib.hostname).toBe(`root@evil"host'<b>:22`);
    const failure = m.cases[5]!.children[0]!;
    expect(failure.attrib.message).toBe(`p3s2-unit: state: expected active, found ${HOSTILE_FOUND}`);
    expect(failure.text).toContain(`found ${HOSTILE_FOUND}`);
    expect(failure.text).toContain(']]> <!-- -->');
    expect(failure.text).toContain(`Diagnosis: diagnostic ${IMG}`);
    expect(failure.text).not.toMatch(FORBIDDEN);
  });

  it('stays well-formed whatever code units a server sends: all of the BMP, lone surrogates included', () => {
    const every = Array.from({ length: 0x10000 }, (_, i) => String.fromCharCode(i)).join('');
    const s = stuckStudent(every.slice(0, 2000), 0, 1, { evidence: every, diagnostic: every });
    s.steps.p1s1!.failing = [{ checkId: every.slice(0x20, 0x80), property: every.slice(0, 300), expected: every, found: every.slice(0xd000) }];
    s.reach = { kind: 'ok' };
    const back = python(PY_XML, exportJunit(snapshotOf([s, unreachableStudent(every.slice(0xd700, 0xe100), 'timeout', every)]), en)) as XmlDoc;
    expect(back.suites).toHaveLength(2);
    expect(back.suites[0]!.cases[0]!.children[0]!.text).toContain('0123456789:;');
    expect(back.suites[1]!.cases[0]!.children[0]!.tag).toBe('error');
  });

  it('keeps line breaks in attributes as references instead of letting a parser fold them', () => {
    const s = stuckStudent('x', 0, 1);
    s.steps.p1s1!.failing = [{ checkId: 'c', error: 'line one\nline two\tend', expected: '', found: null }];
    const back = python(PY_XML, exportJunit(snapshotOf([s]), en)) as XmlDoc;
    // The one-line form of the reason (cleanLine) is in the message; the body keeps the text.
    expect(back.suites[0]!.cases[0]!.children[0]!.attrib.message).toBe('c: could not check: line one line two end');
  });
});

describe('md', () => {
  const out = exportMarkdown(mixedClass(), en);
  const cells = (line: string) => line.replace(/^\||\|$/g, '').split(/(?<!\\)\|/);

  it('has a summary table and one table per page, a row per student, a column per step', () => {
    for (const [p, page] of PAGES.entries()) {
      const at = out.indexOf(`## ${p + 1}. ${page.title}\n`);
      expect(at, page.title).toBeGreaterThan(-1);
      const lines = out.slice(at).split('\n').slice(2);
      const table = lines.slice(0, lines.findIndex((l) => !l.startsWith('|')));
      expect(table).toHaveLength(2 + 8);
      for (const line of table) expect(cells(line), line).toHaveLength(1 + page.steps.length);
    }
    const kimRow = out.split('\n').find((l) => l.startsWith('| 김민준 | ✓ | ✓ |'));
    expect(kimRow).toBeDefined();
    // A server that could not be reached is not "nothing failing".
    const park = out.slice(out.indexOf('### 박서연'));
    expect(park.slice(0, park.indexOf('\n###'))).toContain('Not checked: the server could not be reached');
    expect(park.slice(0, park.indexOf('\n###'))).not.toContain('Nothing is failing');
  });

  it('escapes untrusted text so it stays text: no raw tag, no extra table cell, evidence in a fence it cannot close', () => {
    // Inside a fenced block text is literal; everywhere else a tag must be escaped.
    const outsideFences = out.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, '');
    expect(outsideFences).toContain('Mallory \\<img src=x onerror="window.\\_\\_pwned=2"\\>');
    expect(outsideFences).not.toMatch(/(?<!\\)<(script|img|b)\b/);
    const mallory = out.split('\n').find((l) => l.startsWith('| Mallory'))!;
    expect(cells(mallory)).toHaveLength(7);
    // The evidence holds ``` itself: the fence is longer.
    const block = mdCodeBlock('a\n```\nb');
    expect(block.split('\n')[0]).toBe('````text');
    expect(block.split('\n').at(-1)).toBe('````');
    const evidence = /^````text\n([\s\S]*?)\n````$/m.exec(out)?.[1];
    expect(evidence).toBe(`${SCRIPT}${IMG}redgpj.exe & "quotes" 'single' ]]> <!-- -->\nline 2 desrever\n\`\`\`\nafter fence | pipe |`);
  });
});

const PY_HTML = `import sys, json
from html.parser import HTMLParser
class P(HTMLParser):
  def __init__(self):
    super().__init__(); self.tags = {}; self.attrs = set(); self.text = []
  def handle_starttag(self, tag, attrs):
    self.tags[tag] = self.tags.get(tag, 0) + 1
    for k, v in attrs: self.attrs.add(k)
  def handle_data(self, d): self.text.append(d)
p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read())
print(json.dumps({'tags': p.tags, 'attrs': sorted(p.attrs), 'text': ''.join(p.text)}))`;

describe('html', () => {
  const out = exportHtml(mixedClass('ko'), ko);
  const parsed = python(PY_HTML, out) as { tags: Record<string, number>; attrs: string[]; text: string };

  it('is one page in the snapshot language with no script, no handler, nothing to fetch', () => {
    expect(out).toMatch(/^<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">/);
    expect(parsed.tags.script).toBeUndefined();
    expect(parsed.tags.img).toBeUndefined();
    expect(parsed.tags.link).toBeUndefined();
    expect(parsed.tags.b).toBeUndefined();
    expect(parsed.attrs.filter((a) => a.startsWith('on'))).toEqual([]);
    expect(parsed.attrs).not.toContain('src');
    expect(out).not.toMatch(/url\(|@import|https?:\/\/(?!x&quot;)/);
    expect([...out.matchAll(/href="([^"]*)"/g)].every((m) => m[1]!.startsWith('#student-'))).toBe(true);
  });

  it('has a cell per student and step, and the hostile text as visible text', () => {
    expect(parsed.tags.td).toBeGreaterThanOrEqual(8 * 23);
    expect((out.match(/<td class="st st-/g) ?? []).length).toBe(8 * 23);
    expect(parsed.text).toContain(`Mallory ${IMG}`);
    expect(parsed.text).toContain(SCRIPT);
    expect(parsed.text).toContain('수강생 진행 현황');
    expect(parsed.text).toContain('2026-12-03 13:30 UTC 기준');
    expect(/<section class="student" id="student-5"[\s\S]*?<\/section>/.exec(out)?.[0]).toContain('점검하지 못했습니다');
    expect(/<section class="student" id="student-1"[\s\S]*?<\/section>/.exec(out)?.[0]).toContain('실패한 점검이 없습니다');
    expect(parsed.text).not.toContain(ESC);
    expect(parsed.text).not.toContain(BIDI[0]);
  });

  it('says so when the class is empty', () => {
    expect(exportHtml(snapshotOf([]), en)).toContain('No students in this report.');
  });
});
