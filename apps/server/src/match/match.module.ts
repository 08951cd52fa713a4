import { defineDomain } from '../domain-module.ts';
import { matchRoutes } from './match.routes.ts';

export const matchModule = defineDomain({ name: 'match', api: (c) => [matchRoutes(c.db)] });
