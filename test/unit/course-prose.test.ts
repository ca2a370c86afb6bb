import { describe, expect, it } from 'vitest';
import { parseProse } from '../../src/course/prose.js';

const page = [
  '# Page title', //                           1
  '', //                                       2
  'Intro **paragraph**.', //                   3
  '', //                                       4
  '<!-- step: copy -->', //                    5
  '## Copy the files', //                      6
  '', //                                       7
  'Why and how.', //                           8
  '', //                                       9
  '```', //                                   10
  '<!-- step: inside-a-fence -->', //         11
  '```', //                                   12
  '<!-- hint: copy.folder -->', //            13
  'Run it in `~/kubernetes-the-hard-way`.', //14
  '', //                                      15
  '<!-- diagnostic: copy.no-dns -->', //      16
  'Check /etc/hosts.', //                     17
  '  second line', //                         18
].join('\n');

describe('parseProse', () => {
  it('reads title, intro, step sections, hints and diagnostics with their lines', () => {
    const { prose, errors } = parseProse(page);
    expect(errors).toEqual([]);
    expect(prose.title).toBe('Page title');
    expect(prose.intro).toBe('Intro **paragraph**.');
    expect([...prose.steps.keys()]).toEqual(['copy']);
    expect(prose.steps.get('copy')).toEqual({
      title: 'Copy the files',
      body: 'Why and how.\n\n```\n<!-- step: inside-a-fence -->\n```',
    });
    expect(prose.hints.get('copy.folder')).toBe('Run it in `~/kubernetes-the-hard-way`.');
    expect(prose.diagnostics.get('copy.no-dns')).toBe('Check /etc/hosts.\n  second line');
    expect(prose.lines.steps.get('copy')).toBe(5);
    expect(prose.lines.hints.get('copy.folder')).toBe(13);
    expect(prose.lines.diagnostics.get('copy.no-dns')).toBe(16);
  });

  it('accepts CRLF line endings', () => {
    const { prose, errors } = parseProse(page.replace(/\n/g, '\r\n'));
    expect(errors).toEqual([]);
    expect(prose.steps.get('copy')?.title).toBe('Copy the files');
  });

  it('reports unknown markers, bad ids, duplicates, missing titles and empty texts by line', () => {
    const text = [
      '# T', //                       1
      '<!-- step: a -->', //          2
      'no heading here', //           3
      '<!-- step: b -->', //          4
      '## B', //                      5
      '<!-- step: b -->', //          6
      '## B again', //                7
      '<!-- hnit: b.x -->', //        8
      '<!-- hint: b -->', //          9
      'text', //                     10
      '<!-- hint: b.empty -->', //   11
      '', //                         12
      '<!-- diagnostic: b.d -->', // 13
      'one', //                      14
      '<!-- diagnostic: b.d -->', // 15
      'two', //                      16
    ].join('\n');
    const { errors } = parseProse(text);
    expect(errors.map((e) => e.line)).toEqual([8, 9, 3, 6, 11, 15]);
    expect(errors[0]!.message).toMatch(/^unknown marker "<!-- hnit: b\.x -->"/);
    expect(errors[1]!.message).toMatch(/hint marker needs "<step-id>\.<hint-id>"/);
    expect(errors[2]!.message).toMatch(/step "a" has no title/);
    expect(errors[3]!.message).toBe('duplicate step "b" (first at line 4)');
    expect(errors[4]!.message).toBe('hint "b.empty" has no text');
    expect(errors[5]!.message).toBe('duplicate diagnostic "b.d" (first at line 13)');
  });

  it('requires a "# " title before the first marker', () => {
    expect(parseProse('<!-- step: a -->\n## A\n').errors).toEqual([
      { line: 1, message: expect.stringMatching(/the page has no title/) },
    ]);
    expect(parseProse('stray\n# T\n').errors).toEqual([{ line: 1, message: expect.stringMatching(/text before the page title/) }]);
  });

  it('reports a code fence that never closes', () => {
    const { errors } = parseProse('# T\n<!-- step: a -->\n## A\n```\n<!-- hint: a.h -->\n');
    expect(errors).toEqual([{ line: 6, message: 'a code block opened with ``` is never closed' }]);
  });
});
