// @ts-check
/**
 * Just enough of a PDF for the tests, with Node's own zlib (no npm package): its pages (count and
 * size), its title, and its content streams inflated (to find the colours painted). The board
 * pack (printed by Chromium) has its text in subset fonts, so its words are checked in the title
 * and on the page; the committee report's PDF (written by HQ in standard fonts) is read page by
 * page, its text line by line (`pdfPageTexts`).
 */
import { inflateSync } from 'node:zlib';

/** @param {Buffer} pdf */
export function pdfPages(pdf) {
  const text = pdf.toString('latin1');
  // Page objects, not the page tree (`/Type /Pages`).
  const count = (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
  const boxes = [...text.matchAll(/\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/g)].map((m) => ({
    width: Number(m[3]) - Number(m[1]),
    height: Number(m[4]) - Number(m[2]),
  }));
  return { count, boxes };
}

/** The document's title (its Info dictionary's `/Title`), as text. @param {Buffer} pdf */
export function pdfTitle(pdf) {
  const text = pdf.toString('latin1');
  const hex = text.match(/\/Title\s*<([0-9a-fA-F\s]+)>/);
  if (hex) {
    const bytes = Buffer.from(hex[1].replace(/\s/g, ''), 'hex');
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return bytes.subarray(2).swap16().toString('utf16le');
    return bytes.toString('latin1');
  }
  const literal = text.match(/\/Title\s*\(((?:\\.|[^\\)])*)\)/);
  if (!literal) return '';
  const raw = literal[1].replace(/\\([()\\])/g, '$1');
  const bytes = Buffer.from(raw, 'latin1');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return bytes.subarray(2).swap16().toString('utf16le');
  return raw;
}

/** Every FlateDecode stream, inflated, as text. @param {Buffer} pdf */
export function pdfStreams(pdf) {
  const out = [];
  const text = pdf.toString('latin1');
  const re = /stream\r?\n/g;
  let m;
  while ((m = re.exec(text))) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    try {
      out.push(inflateSync(pdf.subarray(start, end)).toString('latin1'));
    } catch {
      /* not deflated, or an image */
    }
    re.lastIndex = end;
  }
  return out;
}

/**
 * Whether a fill colour is painted anywhere: an `r g b rg` operator within 0.01 of `rgb`
 * (0-255 each). @param {string[]} streams @param {[number, number, number]} rgb
 */
export function paintsColour(streams, rgb) {
  const want = rgb.map((c) => c / 255);
  return streams.some((s) =>
    [...s.matchAll(/([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+rg\b/g)].some((m) => want.every((w, i) => Math.abs(Number(m[i + 1]) - w) < 0.01)),
  );
}

/**
 * A PDF's indirect objects by number: each one's dictionary text (up to `stream`) and its stream
 * bytes, still encoded. Enough for a PDF written with plain objects (not object streams).
 * @param {Buffer} pdf
 * @returns {Map<number, { dict: string, stream: Buffer | null }>}
 */
function pdfObjects(pdf) {
  const text = pdf.toString('latin1');
  /** @type {Map<number, { dict: string, stream: Buffer | null }>} */
  const objects = new Map();
  const re = /(?:^|[\r\n\s])(\d+)\s+(\d+)\s+obj\b/g;
  let m;
  while ((m = re.exec(text))) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endobj', start);
    if (end < 0) break;
    let body = text.slice(start, end);
    /** @type {Buffer | null} */
    let stream = null;
    const s = body.search(/\bstream\r?\n/);
    if (s >= 0) {
      const dict = body.slice(0, s);
      const dataStart = start + s + (body.slice(s).match(/^stream\r?\n/)?.[0].length ?? 7);
      const length = dict.match(/\/Length\s+(\d+)(?!\s+\d+\s+R)/);
      let dataEnd = length ? dataStart + Number(length[1]) : text.indexOf('endstream', dataStart);
      if (dataEnd < dataStart) dataEnd = dataStart;
      stream = pdf.subarray(dataStart, dataEnd);
      const after = text.indexOf('endobj', text.indexOf('endstream', dataEnd) + 9);
      body = dict;
      re.lastIndex = after < 0 ? end + 6 : after + 6;
    } else {
      re.lastIndex = end + 6;
    }
    objects.set(Number(m[1]), { dict: body, stream });
  }
  return objects;
}

/** `N 0 R` in a dictionary's `key`: the object number, or null. @param {string} dict @param {string} key */
function ref(dict, key) {
  const m = dict.match(new RegExp(`/${key}\\s+(\\d+)\\s+\\d+\\s+R`));
  return m ? Number(m[1]) : null;
}

/** Every `N 0 R` in a dictionary's `key` (a reference or an array of them). @param {string} dict @param {string} key */
function refs(dict, key) {
  const one = ref(dict, key);
  const array = dict.match(new RegExp(`/${key}\\s*\\[([^\\]]*)\\]`));
  if (array) return [...array[1].matchAll(/(\d+)\s+\d+\s+R/g)].map((r) => Number(r[1]));
  return one === null ? [] : [one];
}

/** A stream's bytes, inflated when it says FlateDecode. @param {{ dict: string, stream: Buffer | null }} o */
function streamBytes(o) {
  if (!o.stream) return Buffer.alloc(0);
  if (/\/Filter\s*\/FlateDecode|\/Filter\s*\[\s*\/FlateDecode\s*\]/.test(o.dict)) return inflateSync(o.stream);
  return o.stream;
}

// Windows-1252 for 0x80-0x9F (WinAnsiEncoding of the standard fonts); the rest is Latin-1.
const CP1252 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/** A string's bytes as text: UTF-16 with its byte order mark, else WinAnsi. @param {number[]} bytes */
function decodeText(bytes) {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.slice(2)).swap16().toString('utf16le');
  return bytes.map((b) => (b >= 0x80 && b <= 0x9f ? CP1252[b - 0x80] : String.fromCharCode(b))).join('');
}

/**
 * The text a content stream shows, line by line: each text-showing operator's string placed at
 * its line's position (Td, TD, Tm, T*, ', "); fragments on one baseline joined by a space, lines
 * from the top of the page down.
 * @param {string} content
 * @returns {string[]}
 */
export function contentLines(content) {
  /** @type {{ x: number, y: number, text: string }[]} */
  const shown = [];
  /** @type {(number | string | (number | string)[])[]} */
  let operands = [];
  let x = 0;
  let y = 0;
  let leading = 0;
  let i = 0;
  const n = content.length;
  /** @type {((number | string)[]) | null} */
  let array = null;
  const push = (/** @type {number | string} */ v) => (array ? array.push(v) : operands.push(v));
  const readString = () => {
    // At '(': a literal string with balanced parentheses and escapes.
    /** @type {number[]} */
    const bytes = [];
    let depth = 1;
    i++;
    while (i < n && depth > 0) {
      const c = content[i];
      if (c === '\\') {
        const e = content[i + 1];
        const map = /** @type {Record<string, number>} */ ({ n: 10, r: 13, t: 9, b: 8, f: 12, '(': 40, ')': 41, '\\': 92 });
        if (e in map) {
          bytes.push(map[e]);
          i += 2;
        } else if (/[0-7]/.test(e)) {
          const oct = content.slice(i + 1, i + 4).match(/^[0-7]{1,3}/)?.[0] ?? '0';
          bytes.push(parseInt(oct, 8) & 0xff);
          i += 1 + oct.length;
        } else if (e === '\r' || e === '\n') {
          i += content[i + 1] === '\r' && content[i + 2] === '\n' ? 3 : 2;
        } else {
          i += 1;
        }
        continue;
      }
      if (c === '(') depth++;
      if (c === ')') depth--;
      if (depth > 0) bytes.push(c.charCodeAt(0) & 0xff);
      i++;
    }
    return decodeText(bytes);
  };
  while (i < n) {
    const c = content[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '%') {
      while (i < n && content[i] !== '\n' && content[i] !== '\r') i++;
    } else if (c === '(') {
      push(readString());
    } else if (c === '<' && content[i + 1] !== '<') {
      const end = content.indexOf('>', i);
      const hex = content.slice(i + 1, end).replace(/\s/g, '');
      const bytes = (hex.length % 2 ? `${hex}0` : hex).match(/../g)?.map((h) => parseInt(h, 16)) ?? [];
      push(decodeText(bytes));
      i = end + 1;
    } else if (c === '[') {
      array = [];
      i++;
    } else if (c === ']') {
      if (array) operands.push(array);
      array = null;
      i++;
    } else if (c === '<' || c === '>') {
      // A dictionary (inline image parameters, marked content): skipped.
      i += 2;
    } else if (c === '/') {
      const m = content.slice(i).match(/^\/[^\s/[\]()<>{}%]*/);
      push(m ? m[0] : '/');
      i += m ? m[0].length : 1;
    } else if (/[-+.\d]/.test(c)) {
      const m = content.slice(i).match(/^[-+]?(\d+\.?\d*|\.\d+)/);
      push(m ? Number(m[0]) : 0);
      i += m ? m[0].length : 1;
    } else {
      const m = content.slice(i).match(/^[A-Za-z'"*]+/);
      const op = m ? m[0] : c;
      i += op.length;
      const num = (/** @type {number} */ k) => Number(operands[operands.length - k]);
      const show = (/** @type {string} */ s) => shown.push({ x, y, text: s });
      switch (op) {
        case 'BT':
          x = 0;
          y = 0;
          break;
        case 'Td':
          x += num(2);
          y += num(1);
          break;
        case 'TD':
          x += num(2);
          y += num(1);
          leading = -num(1);
          break;
        case 'TL':
          leading = num(1);
          break;
        case 'Tm':
          x = num(2);
          y = num(1);
          break;
        case 'T*':
          y -= leading;
          break;
        case 'Tj':
          show(String(operands[operands.length - 1] ?? ''));
          break;
        case "'":
          y -= leading;
          show(String(operands[operands.length - 1] ?? ''));
          break;
        case '"':
          y -= leading;
          show(String(operands[operands.length - 1] ?? ''));
          break;
        case 'TJ': {
          const parts = operands[operands.length - 1];
          if (Array.isArray(parts)) {
            // A large negative adjustment is a space between words.
            show(parts.map((p) => (typeof p === 'string' ? p : p < -200 ? ' ' : '')).join(''));
          }
          break;
        }
        default:
          break;
      }
      operands = [];
    }
  }
  /** @type {{ y: number, parts: { x: number, text: string }[] }[]} */
  const lines = [];
  for (const s of shown) {
    const line = lines.find((l) => Math.abs(l.y - s.y) < 1);
    if (line) line.parts.push({ x: s.x, text: s.text });
    else lines.push({ y: s.y, parts: [{ x: s.x, text: s.text }] });
  }
  return lines
    .sort((a, b) => b.y - a.y)
    .map((l) =>
      l.parts
        .sort((a, b) => a.x - b.x)
        .map((p) => p.text)
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((l) => l !== '');
}

/**
 * The PDF page by page, in the page tree's order: each page's size and the text its content
 * streams show, line by line (see `contentLines`). For PDFs whose fonts draw the text as it is
 * (standard fonts, WinAnsi or UTF-16 strings), as HQ writes them; not for subset fonts.
 * @param {Buffer} pdf
 * @returns {{ width: number, height: number, lines: string[], text: string }[]}
 */
export function pdfPageTexts(pdf) {
  const objects = pdfObjects(pdf);
  const text = pdf.toString('latin1');
  const trailerRoot = [...text.matchAll(/\/Root\s+(\d+)\s+\d+\s+R/g)].pop();
  /** @type {number[]} */
  let pages = [];
  /** @type {Map<number, string>} */
  const inheritedBox = new Map();
  const catalog = trailerRoot ? objects.get(Number(trailerRoot[1])) : undefined;
  const tree = catalog ? ref(catalog.dict, 'Pages') : null;
  if (tree !== null) {
    const seen = new Set();
    /** @param {number} id @param {string} box */
    const walk = (id, box) => {
      if (seen.has(id)) return;
      seen.add(id);
      const o = objects.get(id);
      if (!o) return;
      const own = o.dict.match(/\/MediaBox\s*\[[^\]]*\]/)?.[0] ?? box;
      if (/\/Type\s*\/Pages\b/.test(o.dict)) for (const kid of refs(o.dict, 'Kids')) walk(kid, own);
      else {
        pages.push(id);
        inheritedBox.set(id, own);
      }
    };
    walk(tree, '');
  } else {
    pages = [...objects.entries()].filter(([, o]) => /\/Type\s*\/Page(?![a-zA-Z])/.test(o.dict)).map(([id]) => id);
  }
  return pages.map((id) => {
    const page = /** @type {{ dict: string, stream: Buffer | null }} */ (objects.get(id));
    const box = (inheritedBox.get(id) || page.dict.match(/\/MediaBox\s*\[[^\]]*\]/)?.[0] || '').match(/[-\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
    const content = refs(page.dict, 'Contents')
      .map((c) => objects.get(c))
      .filter((o) => o !== undefined)
      .map((o) => streamBytes(/** @type {{ dict: string, stream: Buffer | null }} */ (o)).toString('latin1'))
      .join('\n');
    const lines = contentLines(content);
    return { width: (box[2] ?? 0) - (box[0] ?? 0), height: (box[3] ?? 0) - (box[1] ?? 0), lines, text: lines.join('\n') };
  });
}
