// The class as ONE self-contained HTML file for a projector: the matrix (a row per student, a
// cell per step, colour AND symbol), then each student's details. Inline CSS only, no script, no
// fonts or images to fetch; a Content-Security-Policy forbids all of them as a second line of
// defence behind the escaping (everything from a student's server goes through escapeMarkup).
import type { Translate } from '../../i18n/types.js';
import { STEP_STATES, stepOf, type ClassSnapshot, type StepState, type StudentRow } from '../snapshot.js';
import { escapeMarkup as h, failingText, propertyLabel, STATE_SYMBOL, stateLabel, summarize, takenAtText, valueText } from './common.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

// Colours pass WCAG AA against their text; the symbol carries the state without colour.
const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1.2rem 1.6rem; font: 20px/1.4 system-ui, "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", "Apple SD Gothic Neo", sans-serif; color: #111; background: #fff; }
/* A name or reason from a server may be one long word: it wraps instead of widening the page. */
h1, h2, h3, h4, p, li, dd { overflow-wrap: anywhere; }
h1 { font-size: 2rem; margin: 0 0 .2rem; }
h2 { font-size: 1.5rem; margin: 2rem 0 .6rem; border-bottom: 3px solid #ddd; }
h3 { font-size: 1.3rem; margin: 1.6rem 0 .4rem; }
h4 { font-size: 1.05rem; margin: 1rem 0 .3rem; }
.meta { color: #444; margin: 0 0 .8rem; }
.counts { font-size: 1.2rem; font-weight: 600; margin: .4rem 0 .8rem; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem 1rem; padding: 0; margin: 0 0 1rem; list-style: none; }
.legend li { display: flex; align-items: center; gap: .4rem; }
.legend .st { width: 2rem; height: 2rem; display: inline-flex; justify-content: center; align-items: center; border-radius: 4px; }
.wrap { overflow-x: auto; }
table { border-collapse: collapse; }
.matrix { font-size: 1.1rem; }
.matrix th, .matrix td { border: 2px solid #fff; padding: 0; text-align: center; }
.matrix thead th { background: #eee; padding: .2rem .3rem; font-weight: 600; }
.matrix thead th.page { border-bottom: 3px solid #999; }
.matrix th.name { text-align: left; padding: .2rem .6rem; max-width: 14em; min-width: 8em; overflow-wrap: anywhere; word-break: break-word; font-weight: 600; background: #f6f6f6; }
.matrix th.name a { color: inherit; text-decoration: none; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: 0 .35rem; margin-left: .3rem; border: 2px solid #4a3b8f; border-radius: 4px; color: #4a3b8f; vertical-align: middle; }
.matrix td.now.reach-bad { color: #c62828; font-weight: 600; }
.matrix td.num { padding: .2rem .5rem; white-space: nowrap; background: #f6f6f6; }
.matrix td.now { padding: .2rem .5rem; max-width: 12em; overflow-wrap: anywhere; background: #f6f6f6; text-align: left; font-size: .9rem; }
.matrix td.st { width: 2.2rem; height: 2.2rem; min-width: 2.2rem; font-weight: 700; font-size: 1.3rem; }
.matrix td.current { outline: 4px solid #000; outline-offset: -4px; }
.st-passed { background: #1f7a3a; color: #fff; }
.st-failing { background: #c62828; color: #fff; }
.st-in-progress { background: #f2b705; color: #111; }
.st-not-started { background: #e4e4e4; color: #555; }
.st-skipped { background: repeating-linear-gradient(45deg, #cfcfcf 0 6px, #ececec 6px 12px); color: #333; }
.st-unreachable { background: #4a3b8f; color: #fff; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.student { border-top: 2px solid #ddd; }
.student dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .3rem 0; }
.student dt { color: #444; }
.student dd { margin: 0; overflow-wrap: anywhere; }
.reach-bad { color: #c62828; font-weight: 600; }
.failing { font-size: .95rem; margin: .3rem 0; }
.failing th, .failing td { border: 1px solid #bbb; padding: .2rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; white-space: pre-wrap; }
.failing th { background: #f0f0f0; }
.diagnostic { background: #fff6d6; border-left: 6px solid #f2b705; padding: .4rem .7rem; margin: .4rem 0; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.evidence { background: #f4f4f4; border: 1px solid #ccc; padding: .5rem .7rem; font: .85rem/1.35 ui-monospace, "DejaVu Sans Mono", "D2Coding", monospace; white-space: pre-wrap; overflow-wrap: anywhere; max-width: 100%; margin: .3rem 0; }
.none { color: #555; }
@media print { body { font-size: 12px; } .wrap { overflow: visible; } }
`;

function cell(state: StepState, label: string, t: Translate, current: boolean): string {
  const word = stateLabel(state, t);
  return `<td class="st st-${state}${current ? ' current' : ''}" data-state="${state}" title="${h(`${label}: ${word}`, true)}"><span aria-hidden="true">${STATE_SYMBOL[state]}</span><span class="sr">${h(word)}</span></td>`;
}

function matrix(snapshot: ClassSnapshot, t: Translate): string {
  const c = (key: string) => h(t(`instructor:report.column.${key}`));
  const pageRow = snapshot.pages
    .map((p, i) => `<th class="page" colspan="${p.steps.length}" title="${h(p.title, true)}">${i + 1}. ${h(p.title)}</th>`)
    .join('');
  const stepRow = snapshot.pages
    .flatMap((p, i) => p.steps.map((s, j) => `<th scope="col" title="${h(s.title, true)}">${i + 1}.${j + 1}</th>`))
    .join('');
  const rows = snapshot.students.map((student, k) => {
    const s = summarize(snapshot, student, t);
    const cells = snapshot.pages
      .flatMap((p, i) =>
        p.steps.map((step, j) => cell(stepOf(student, step.id).status, `${s.name} · ${i + 1}.${j + 1} ${step.title}`, t, step.id === student.currentStep)),
      )
      .join('');
    // Whose row came from a report file, and why a server could not be checked, show in the matrix.
    const badge = student.source === 'report' ? `<span class="badge">${h(t('instructor:report.sourceBadge'))}</span>` : '';
    const now = student.reach.kind !== 'ok' && student.source === 'live' ? `<td class="now reach-bad">${h(s.reach)}</td>` : `<td class="now">${h(s.currentStep)}</td>`;
    return (
      `<tr data-student="${k}"><th scope="row" class="name"><a href="#student-${k}" title="${h(s.name, true)}">${h(s.name)}</a>${badge}</th>` +
      `<td class="num">${s.stepsPassed}/${s.stepsTotal}</td>${cells}` +
      `${now}<td class="num stuck">${h(s.stuckFor)}</td></tr>`
    );
  });
  return [
    '<div class="wrap"><table class="matrix">',
    `<thead><tr><th rowspan="2" class="name" scope="col">${c('name')}</th><th rowspan="2" scope="col">${c('stepsPassed')}</th>${pageRow}<th rowspan="2" scope="col">${c('currentStep')}</th><th rowspan="2" scope="col">${c('stuckFor')}</th></tr>`,
    `<tr>${stepRow}</tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody></table></div>`,
  ].join('\n');
}

function details(snapshot: ClassSnapshot, student: StudentRow, k: number, t: Translate): string {
  const s = summarize(snapshot, student, t);
  const c = (key: string) => h(t(`instructor:report.column.${key}`));
  const dl = [
    [c('target'), h(s.target)],
    [c('source'), h(s.source)],
    [c('reach'), student.reach.kind === 'ok' ? h(s.reach) : `<span class="reach-bad">${h(s.reach)}</span>`],
    [c('progress'), h(s.progress)],
    ...(s.currentStep ? [[c('currentStep'), h(s.currentStep)]] : []),
    ...(s.stuckFor ? [[c('stuckFor'), h(s.stuckFor)]] : []),
  ]
    .map(([dt, dd]) => `<dt>${dt}</dt><dd>${dd}</dd>`)
    .join('');
  const steps: string[] = [];
  for (const [i, page] of snapshot.pages.entries()) {
    for (const [j, step] of page.steps.entries()) {
      const st = stepOf(student, step.id);
      if (!st.failing?.length && st.diagnostic === undefined && st.evidence === undefined) continue;
      const parts = [`<h4><span class="st-${st.status}" style="padding:0 .3rem;border-radius:3px">${STATE_SYMBOL[st.status]}</span> ${i + 1}.${j + 1} ${h(step.title)} — ${h(stateLabel(st.status, t))}</h4>`];
      if (st.failing?.length) {
        const rows = st.failing
          .map((f) =>
            f.property === undefined
              ? `<tr><td>${h(f.checkId)}</td><td colspan="3">${h(failingText(f, t))}</td></tr>`
              : `<tr><td>${h(f.checkId)}</td><td>${h(propertyLabel(f.property, t))}</td><td class="expected">${h(valueText(f.expected, t))}</td><td class="found">${h(valueText(f.found, t))}</td></tr>`,
          )
          .join('');
        parts.push(`<table class="failing"><thead><tr><th>${c('check')}</th><th>${c('property')}</th><th>${c('expected')}</th><th>${c('found')}</th></tr></thead><tbody>${rows}</tbody></table>`);
      }
      if (st.diagnostic !== undefined) parts.push(`<div class="diagnostic"><strong>${h(t('instructor:report.diagnostic'))}:</strong> ${h(st.diagnostic)}</div>`);
      if (st.evidence !== undefined) parts.push(`<div>${h(t('instructor:report.evidence'))}:</div><pre class="evidence">${h(st.evidence)}</pre>`);
      steps.push(`<div class="step" data-step="${h(step.id, true)}">${parts.join('\n')}</div>`);
    }
  }
  const none = student.reach.kind !== 'ok' && student.source === 'live' ? 'notChecked' : 'noFailures';
  const body = steps.length > 0 ? steps.join('\n') : `<p class="none">${h(t(`instructor:report.${none}`))}</p>`;
  return `<section class="student" id="student-${k}" data-student="${k}">\n<h3>${h(s.name)}</h3>\n<dl>${dl}</dl>\n${body}\n</section>`;
}

export function exportHtml(snapshot: ClassSnapshot, t: Translate): string {
  const title = t('instructor:report.title');
  const taken = t('instructor:report.takenAt', { time: takenAtText(snapshot.takenAt) });
  const summaries = snapshot.students.map((s) => summarize(snapshot, s, t));
  const counts = t('instructor:report.counts', {
    students: snapshot.students.length,
    finished: summaries.filter((s) => s.stepsTotal > 0 && s.stepsPassed === s.stepsTotal).length,
    stuck: summaries.filter((s) => s.stuckForMs !== undefined).length,
    unreachable: snapshot.students.filter((s) => s.reach.kind !== 'ok').length,
  });
  const legend = STEP_STATES.map((s) => `<li><span class="st st-${s}" aria-hidden="true">${STATE_SYMBOL[s]}</span>${h(stateLabel(s, t))}</li>`).join('');
  const body =
    snapshot.students.length === 0
      ? `<p class="none">${h(t('instructor:report.noStudents'))}</p>`
      : `${matrix(snapshot, t)}\n<h2>${h(t('instructor:report.details'))}</h2>\n${snapshot.students.map((s, k) => details(snapshot, s, k, t)).join('\n')}`;
  return `<!DOCTYPE html>
<html lang="${snapshot.lang === 'ko' ? 'ko' : 'en'}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(CSP, true)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kthw-tutor ${h(snapshot.tutorVersion, true)}">
<title>${h(title)} — ${h(takenAtText(snapshot.takenAt))}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${h(title)}</h1>
<p class="meta"><time datetime="${h(snapshot.takenAt, true)}">${h(taken)}</time> · ${h(t('instructor:report.meta', { version: snapshot.tutorVersion, hash: snapshot.lessonPackHash }))}</p>
<p class="counts">${h(counts)}</p>
<ul class="legend" aria-label="${h(t('instructor:report.legend'), true)}">${legend}</ul>
</header>
<main>
${body}
</main>
</body>
</html>
`;
}
