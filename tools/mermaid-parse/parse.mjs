// parse.mjs [FILE...]: reads Mermaid text from each FILE (or stdin), parses
// it with the real `mermaid` package and prints what Mermaid understood as
// one line of JSON per input on stdout:
//
//   {"diagramType": "...",
//    "vertices":  [{"id": "n0", "text": "<label as a reader sees it>"}, ...],
//    "subgraphs": [{"id": "s0", "title": "...", "nodes": ["n0", ...]}, ...],
//    "edges":     [{"start": "n0", "end": "n1", "stroke": "normal|dotted|invisible"}, ...]}
//
// A parse error is printed on stderr (prefixed with the file name) and the
// exit code is 1; the other inputs are still parsed.
//
// Used by the Go tests of internal/graph to check that generated diagrams
// parse and that every label reads back as the job name it was made from.
// Mermaid needs a DOM (DOMPurify is used while parsing labels), so a jsdom
// window is installed before mermaid is imported; no browser is involved.
//
// Install: npm ci --ignore-scripts (in this directory; see .ci/install-graph-tools.sh).
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!DOCTYPE html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;

const { default: mermaid } = await import('mermaid');
const { readFile } = await import('node:fs/promises');

// Mermaid replaces entity codes (#quot;, #35;) by private markers while
// parsing and turns the markers into HTML entities when it renders
// (decodeEntities in mermaid's source); the browser then shows the
// characters. Do the same here so labels compare with the original names.
const textarea = dom.window.document.createElement('textarea');
function shown(s) {
  const html = String(s)
    .replace(/ﬂ°°/g, '&#')
    .replace(/ﬂ°/g, '&')
    .replace(/¶ß/g, ';');
  textarea.innerHTML = html;
  return textarea.value;
}

async function describe(text) {
  mermaid.initialize({ startOnLoad: false });
  const res = await mermaid.parse(text);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db;
  const out = { diagramType: res.diagramType, vertices: [], subgraphs: [], edges: [] };
  if (typeof db.getVertices === 'function') {
    const subgraphIds = new Set((db.getSubGraphs?.() ?? []).map((s) => s.id));
    for (const [id, v] of db.getVertices()) {
      if (subgraphIds.has(id)) continue; // links to subgraphs register them as vertices too
      out.vertices.push({ id, text: shown(v.text) });
    }
    for (const s of db.getSubGraphs()) {
      out.subgraphs.push({ id: s.id, title: shown(s.title), nodes: [...s.nodes] });
    }
    for (const e of db.getEdges()) {
      out.edges.push({ start: e.start, end: e.end, stroke: e.stroke });
    }
  }
  return out;
}

async function stdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

const files = process.argv.slice(2);
const inputs = files.length > 0 ? files : ['-'];
let failed = false;
for (const f of inputs) {
  try {
    const text = f === '-' ? await stdin() : await readFile(f, 'utf8');
    process.stdout.write(JSON.stringify(await describe(text)) + '\n');
  } catch (err) {
    const where = f === '-' ? '' : `${f}: `;
    process.stderr.write(`${where}mermaid: ${err && err.message ? err.message : err}\n`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
