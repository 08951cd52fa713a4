import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The ways a marker could sit in a file: raw UTF-8, UTF-16LE, hex, and base64 at each of its 3 alignments. */
function encodings(marker: string): Buffer[] {
  const raw = Buffer.from(marker, 'utf8');
  const out = [raw, Buffer.from(marker, 'utf16le'), Buffer.from(raw.toString('hex'))];
  for (let pad = 0; pad < 3; pad++) {
    // The middle of the base64 of the marker behind `pad` unknown bytes does not depend on those bytes.
    const b64 = Buffer.concat([Buffer.alloc(pad), raw]).toString('base64');
    out.push(Buffer.from(b64.slice(4, -4)));
  }
  return out;
}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Every file under `dir` (recursively, raw bytes) that contains any of the markers, as `file: marker`. */
export function findMarkers(dir: string, markers: string[]): string[] {
  const needles = markers.map((m) => ({ m, forms: encodings(m) }));
  const hits: string[] = [];
  for (const file of files(dir)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      continue; // removed while we walked
    }
    for (const { m, forms } of needles)
      if (forms.some((f) => bytes.includes(f))) hits.push(`${relative(dir, file)}: ${m}`);
  }
  return hits;
}
