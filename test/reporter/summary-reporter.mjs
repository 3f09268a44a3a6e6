// The tap reporter for `npm test`: terse per-file lines, failure details, and a closing
// `N passed, N failed, N skipped` line counted over leaf assertions (not subtest summaries).
import { Minipass } from 'minipass';
import { Parser } from 'tap-parser';

export default class SummaryReporter extends Minipass {
  constructor() {
    super({ encoding: 'utf8' });
    this.passed = 0;
    this.failed = 0;
    this.skipped = 0;
    this.failures = [];
    this.parser = new Parser({ passes: true });
    this.watch(this.parser, [], 0);
    this.parser.on('complete', (res) => this.finish(res));
  }

  watch(parser, path, depth) {
    let pendingChildren = 0;
    parser.on('child', (child) => {
      pendingChildren++;
      this.watch(child, [...path, child.name], depth + 1);
    });
    parser.on('assert', (res) => {
      const isSubtestSummary = pendingChildren > 0;
      if (isSubtestSummary) pendingChildren--;
      if (depth === 1 && isSubtestSummary) {
        // a top-level subtest of a file: print one line per file-level test
      }
      if (depth === 0) {
        const status = res.ok ? 'ok' : 'not ok';
        super.write(`${status} ${res.name}${res.time ? ` (${Math.round(res.time)} ms)` : ''}\n`);
      }
      if (isSubtestSummary) return;
      if (res.skip || res.todo) this.skipped++;
      else if (res.ok) this.passed++;
      else {
        this.failed++;
        this.failures.push({ name: [...path, res.name].join(' > '), diag: res.diag });
      }
    });
    parser.on('extra', (text) => {
      if (text.trim()) super.write(text.replace(/^/gm, '  | '));
    });
  }

  finish(res) {
    for (const f of this.failures) {
      super.write(`\nFAIL ${f.name}\n`);
      if (f.diag) super.write(JSON.stringify(f.diag, null, 2).replace(/^/gm, '    ') + '\n');
    }
    if (res && res.bailout) super.write(`\nBAIL OUT: ${res.bailout}\n`);
    super.write(`\n${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped\n`);
    super.end();
  }

  write(chunk, encoding, cb) {
    this.parser.write(chunk, encoding, cb);
    return true;
  }

  end(chunk, encoding, cb) {
    if (chunk) this.parser.write(chunk, encoding);
    this.parser.end();
    if (typeof cb === 'function') cb();
    return this;
  }
}
