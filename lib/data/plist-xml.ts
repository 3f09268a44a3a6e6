// A small strict parser for XML property lists (the OsiriX ROI files of INbreast). Strict on
// purpose: any malformed input throws a DataFormatError naming the file and the offset, with no
// console output (the fuzz tests feed it thousands of broken files).

import { DataFormatError } from './errors';

export type PlistValue = string | number | boolean | Date | Uint8Array | PlistValue[] | { [key: string]: PlistValue };

interface Token { kind: 'open' | 'close' | 'empty' | 'text'; name: string; text: string; at: number }

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeText(s: string, fail: (why: string) => never): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);?/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      if (!Number.isFinite(code) || code > 0x10ffff) fail(`bad character reference ${m}`);
      return String.fromCodePoint(code);
    }
    if (!(e in ENTITIES) || !m.endsWith(';')) fail(`unknown entity ${m}`);
    return ENTITIES[e];
  });
}

function tokenize(xml: string, fail: (why: string, at?: number) => never): Token[] {
  const tokens: Token[] = [];
  let p = 0;
  while (p < xml.length) {
    const lt = xml.indexOf('<', p);
    const textEnd = lt < 0 ? xml.length : lt;
    if (textEnd > p) tokens.push({ kind: 'text', name: '', text: xml.slice(p, textEnd), at: p });
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) { const e = xml.indexOf('-->', lt + 4); if (e < 0) fail('unclosed comment', lt); p = e + 3; continue; }
    if (xml.startsWith('<?', lt)) { const e = xml.indexOf('?>', lt + 2); if (e < 0) fail('unclosed processing instruction', lt); p = e + 2; continue; }
    if (xml.startsWith('<!', lt)) { const e = xml.indexOf('>', lt + 2); if (e < 0) fail('unclosed declaration', lt); p = e + 1; continue; }
    const gt = xml.indexOf('>', lt);
    if (gt < 0) fail('unclosed tag', lt);
    const inner = xml.slice(lt + 1, gt).trim();
    const m = /^(\/?)([A-Za-z_][\w.-]*)(\s[^<>]*?)?(\/?)$/.exec(inner);
    if (!m) fail(`malformed tag <${inner.slice(0, 40)}>`, lt);
    if (m[1] && m[4]) fail(`malformed tag <${inner}>`, lt);
    tokens.push({ kind: m[1] ? 'close' : m[4] ? 'empty' : 'open', name: m[2], text: '', at: lt });
    p = gt + 1;
  }
  return tokens;
}

export function parsePlistXml(xml: string, file: string): PlistValue {
  const fail = (why: string, at?: number): never => { throw new DataFormatError(file, `malformed plist XML${at !== undefined ? ` at offset ${at}` : ''}: ${why}`); };
  const tokens = tokenize(xml, fail).filter((t) => t.kind !== 'text' || t.text.trim() !== '' || false);
  let i = 0;
  const peek = () => tokens[i];
  const textOf = (name: string, at: number): string => {
    let s = '';
    while (peek() && peek().kind === 'text') s += tokens[i++].text;
    const c = tokens[i++];
    if (!c || c.kind !== 'close' || c.name !== name) fail(`<${name}> is not closed by </${name}>`, at);
    return decodeText(s, fail);
  };
  const value = (depth: number): PlistValue => {
    if (depth > 64) fail('nesting deeper than 64 levels');
    const t = tokens[i++];
    if (!t) fail('unexpected end of file');
    if (t.kind === 'text') fail(`unexpected text "${t.text.trim().slice(0, 20)}"`, t.at);
    if (t.kind === 'close') fail(`unexpected </${t.name}>`, t.at);
    const empty = t.kind === 'empty';
    switch (t.name) {
      case 'dict': {
        const o: Record<string, PlistValue> = {};
        if (empty) return o;
        for (;;) {
          const k = tokens[i++];
          if (!k) fail('unclosed <dict>', t.at);
          if (k.kind === 'close' && k.name === 'dict') return o;
          if (k.name !== 'key' || k.kind === 'close') fail(`expected <key> in <dict>, found <${k.kind === 'text' ? '#text' : k.name}>`, k.at);
          const key = k.kind === 'empty' ? '' : textOf('key', k.at);
          o[key] = value(depth + 1);
        }
      }
      case 'array': {
        const a: PlistValue[] = [];
        if (empty) return a;
        while (!(peek() && peek().kind === 'close' && peek().name === 'array')) {
          if (!peek()) fail('unclosed <array>', t.at);
          a.push(value(depth + 1));
        }
        i++;
        return a;
      }
      case 'string': return empty ? '' : textOf('string', t.at);
      case 'integer': case 'real': {
        const s = empty ? '' : textOf(t.name, t.at).trim();
        const v = Number(s);
        if (!s || !Number.isFinite(v) || (t.name === 'integer' && !/^[-+]?\d+$/.test(s))) fail(`<${t.name}> holds "${s.slice(0, 20)}", not a number`, t.at);
        return v;
      }
      case 'true': case 'false': {
        if (!empty) { const c = tokens[i++]; if (!c || c.kind !== 'close' || c.name !== t.name) fail(`<${t.name}> is not closed`, t.at); }
        return t.name === 'true';
      }
      case 'date': {
        const s = empty ? '' : textOf('date', t.at).trim();
        const d = new Date(s);
        if (Number.isNaN(d.getTime())) fail(`<date> holds "${s.slice(0, 30)}", not a date`, t.at);
        return d;
      }
      case 'data': return empty ? new Uint8Array(0) : new Uint8Array(Buffer.from(textOf('data', t.at).replace(/\s+/g, ''), 'base64'));
      default: return fail(`unexpected element <${t.name}>`, t.at);
    }
  };
  const first = tokens[i++];
  if (!first || first.name !== 'plist' || first.kind !== 'open') fail('missing <plist> root element');
  const v = value(0);
  const end = tokens[i++];
  if (!end || end.kind !== 'close' || end.name !== 'plist') fail('<plist> must hold exactly one value and be closed');
  if (i !== tokens.length) fail('content after </plist>');
  return v;
}
