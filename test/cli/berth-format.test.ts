// berth's output formats and Docker's combined short flags, pure.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args.ts';
import { human, render } from '../../src/cli/berth/format.ts';

const COLS: [string, string][] = [['ID', 'CONTAINER ID'], ['Names', 'NAMES']];
const ROWS = [{ ID: 'abc', Names: 'first' }, { ID: 'defghi', Names: 'second' }];

describe('--format', () => {
  it('table, json, a template, and a table template', () => {
    assert.equal(render(undefined, COLS, ROWS), 'CONTAINER ID   NAMES\nabc            first\ndefghi         second\n');
    assert.equal(render('json', COLS, ROWS), '{"ID":"abc","Names":"first"}\n{"ID":"defghi","Names":"second"}\n');
    assert.equal(render('{{.Names}}:{{ .ID }}', COLS, ROWS), 'first:abc\nsecond:defghi\n');
    assert.equal(render('{{json .Names}}', COLS, ROWS), '"first"\n"second"\n');
    assert.equal(render('table {{.Names}}\\t{{.ID}}', COLS, ROWS), 'NAMES    CONTAINER ID\nfirst    abc\nsecond   defghi\n');
  });

  it('an unknown field or template action is refused, naming it', () => {
    assert.throws(() => render('{{.Nope}}', COLS, ROWS), /no field "Nope"/);
    assert.throws(() => render('{{range .}}x{{end}}', COLS, ROWS), /only \{\{\.Field\}\}/);
  });

  it('durations read as Docker prints them', () => {
    assert.deepEqual([0, 1, 59, 60, 150, 3600, 7200, 86400 * 3].map(human),
      ['Less than a second', '1 second', '59 seconds', 'About a minute', '3 minutes', 'About an hour', '2 hours', '3 days']);
  });
});

describe('combined short flags', () => {
  const specs = [{ name: 'interactive', alias: 'i', type: 'bool' as const }, { name: 'tty', alias: 't', type: 'bool' as const }, { name: 'publish', alias: 'p', type: 'multi' as const }];
  it('-it is -i -t; -ip80 gives the rest to the flag that takes a value', () => {
    assert.deepEqual(parseArgs(['-it', 'img'], specs), { flags: { interactive: true, tty: true }, args: ['img'] });
    assert.deepEqual(parseArgs(['-ip80:80', 'img'], specs), { flags: { interactive: true, publish: ['80:80'] }, args: ['img'] });
    assert.deepEqual(parseArgs(['-tp', '1:1', 'img'], specs).flags, { tty: true, publish: ['1:1'] });
  });
  it('an unknown letter is still an unknown flag', () => {
    assert.throws(() => parseArgs(['-ix', 'img'], specs), /flag provided but not defined: -ix/);
  });
});
