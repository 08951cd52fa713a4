import { defineDomain } from '../domain-module.ts';
import { blockRoutes } from './blocks.routes.ts';
import { reportRoutes } from './reports.routes.ts';
import { screenshotRoutes } from './screenshots.routes.ts';

export const safetyModule = defineDomain({
  name: 'safety',
  api: (c) => [reportRoutes(c.db), screenshotRoutes(c.db), blockRoutes(c.db)],
  sqlErrors: [
    // A block between the caller and the target (messaging, payments and the firewall raise it too).
    { sqlstate: 'IP403', kind: 'forbidden', code: 'blocked', message: 'blocked' },
    // report_screenshot: at most 10 reports a minute per persona.
    {
      sqlstate: 'IP429',
      kind: 'rate_limited',
      code: 'rate_limited',
      message: 'too many screenshot reports; try again later',
      ownMessage: true,
    },
  ],
  privacy: {
    writes: {
      'POST /api/blocks': 'blocking a hidden persona',
      'POST /api/reports': 'reporting a hidden persona',
      'POST /api/screenshots': 'screenshot reports on a hidden profile or post',
    },
    excluded: {
      'DELETE /api/blocks/{id}': 'removes the caller’s own block; answers 204 whatever the target',
    },
  },
});
