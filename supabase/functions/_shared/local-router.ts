// Runs the edge functions in one Deno process, routed the way Supabase routes them: a request to
// /functions/v1/<name>/rest reaches function <name> as /<name>/rest. For local runs and tests only;
// `supabase functions serve` does the same with the real edge runtime.
//   PORT=54321 deno run --allow-all --no-check supabase/functions/_shared/local-router.ts
// EDGE_FUNCTIONS=api,publish-scheduled limits which functions load (default: every folder not starting with _).
import type { FetchHandler } from '../../../apps/server/src/edge/edge-core.ts';
import { LOCAL_REGISTRY } from './serve.ts';

const registry = new Map<string, FetchHandler>();
(globalThis as Record<symbol, unknown>)[LOCAL_REGISTRY] = registry;

const root = new URL('../', import.meta.url);
const only = (Deno.env.get('EDGE_FUNCTIONS') ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const names: string[] = [];
for await (const entry of Deno.readDir(root)) {
  // Supabase skips folders starting with an underscore (shared code), so do we.
  if (!entry.isDirectory || entry.name.startsWith('_') || entry.name.startsWith('.')) continue;
  if (only.length && !only.includes(entry.name)) continue;
  names.push(entry.name);
}
for (const name of names.sort()) await import(new URL(`${name}/index.ts`, root).href);

const notFound = (message: string) =>
  Response.json({ error: { code: 'not_found', message } }, { status: 404 });

Deno.serve(
  {
    port: Number(Deno.env.get('PORT') ?? 54321),
    hostname: Deno.env.get('HOST') ?? '127.0.0.1',
    onListen: ({ port, hostname }) => {
      // One JSON line tests wait for; the port is the real one when PORT=0.
      console.log(
        JSON.stringify({ msg: 'edge functions listening', hostname, port, functions: [...registry.keys()] }),
      );
    },
  },
  (req) => {
    const url = new URL(req.url);
    const match = /^\/functions\/v1\/([\w-]+)(\/.*)?$/.exec(url.pathname);
    if (!match) return notFound('edge functions live under /functions/v1/<name>');
    const [, name, rest] = match;
    const handler = registry.get(name!);
    if (!handler) return notFound(`no function ${name}`);
    url.pathname = `/${name}${rest ?? ''}`;
    return handler(new Request(url, req));
  },
);
