import { ApiClientError } from '@ipelya/api-client';
import {
  type AdminCoinPackage,
  type CreateCoinPackage,
  CreateCoinPackageSchema,
  type UpdateCoinPackage,
  UpdateCoinPackageSchema,
} from '@ipelya/contracts';
import type { MessageKey } from '../../../../i18n/messages.ts';
import { minorDigits, minorToInput, parseMajorInput } from '../../../../lib/money.ts';

/** What the package form edits: text as typed; prices in major units ("9.99"), converted on submit. */
export type PriceDraft = { currency: string; amount: string };
export type PackageDraft = {
  code: string;
  coins: string;
  prices: PriceDraft[];
  apple_product_id: string;
  google_product_id: string;
  active: boolean;
};

export const PACKAGE_FIELDS = ['code', 'coins', 'prices', 'apple_product_id', 'google_product_id'] as const;
export type PackageField = (typeof PACKAGE_FIELDS)[number];
/** A translated message per field, plus `form` for what belongs to no field. */
export type FieldErrors = Partial<Record<PackageField | 'form', MessageKey>>;

const FIELD_MESSAGE: Record<PackageField, MessageKey> = {
  code: 'admin.packages.error.code',
  coins: 'admin.packages.error.coins',
  prices: 'admin.packages.error.prices',
  apple_product_id: 'admin.packages.error.storeId',
  google_product_id: 'admin.packages.error.storeId',
};
/** Unique constraints of public.coin_packages → the field whose value is already taken. */
const TAKEN: Record<string, [PackageField, MessageKey]> = {
  coin_packages_code_key: ['code', 'admin.packages.error.codeTaken'],
  coin_packages_apple_product_id_key: ['apple_product_id', 'admin.packages.error.storeIdTaken'],
  coin_packages_google_product_id_key: ['google_product_id', 'admin.packages.error.storeIdTaken'],
};

export function emptyDraft(): PackageDraft {
  return {
    code: '',
    coins: '',
    prices: [
      { currency: 'USD', amount: '' },
      { currency: 'TRY', amount: '' },
    ],
    apple_product_id: '',
    google_product_id: '',
    active: true,
  };
}

/** Prices in a fixed order (the database's jsonb keeps its own): alphabetical by currency. */
export function byCurrency(prices: Record<string, number>): [string, number][] {
  return Object.entries(prices).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function draftFrom(pkg: AdminCoinPackage): PackageDraft {
  return {
    code: pkg.code,
    coins: String(pkg.coins),
    prices: byCurrency(pkg.prices).map(([currency, minor]) => ({
      currency,
      amount: minorToInput(minor, currency),
    })),
    apple_product_id: pkg.apple_product_id ?? '',
    google_product_id: pkg.google_product_id ?? '',
    active: pkg.active,
  };
}

/** Zod issues (ours or the API's `details.fields`) → one message per field, keyed by the path's first part. */
export function fieldErrorsFromIssues(issues: { path: string; message?: string }[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const root = issue.path.split('.')[0] as PackageField;
    if ((PACKAGE_FIELDS as readonly string[]).includes(root)) errors[root] ??= FIELD_MESSAGE[root];
    else errors.form ??= 'admin.packages.error.invalid';
  }
  return errors;
}

/** What the API answered → messages next to the fields it names; anything else goes above the buttons. */
export function fieldErrorsFromApi(err: unknown): FieldErrors {
  if (!(err instanceof ApiClientError)) return { form: 'admin.actionError' };
  const details = (err.details ?? {}) as {
    fields?: { path: string; message?: string }[];
    constraint?: string;
  };
  if (err.status === 400 && Array.isArray(details.fields) && details.fields.length > 0) {
    return fieldErrorsFromIssues(details.fields);
  }
  if (err.status === 400) return { form: 'admin.packages.error.invalid' };
  if (err.status === 409) {
    const taken = details.constraint ? TAKEN[details.constraint] : undefined;
    return taken ? { [taken[0]]: taken[1] } : { form: 'admin.packages.error.conflict' };
  }
  if (err.status === 403) return { form: 'admin.forbidden.body' };
  if (err.status === 404) return { form: 'admin.packages.error.missing' };
  return { form: 'admin.actionError' };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/**
 * Typed prices → { USD: 999 }; null when a row is malformed or a currency repeats. A row without an amount
 * is skipped, so the suggested USD and TRY rows need not both be filled.
 */
function pricesFrom(rows: PriceDraft[]): Record<string, number> | null {
  const prices: Record<string, number> = {};
  for (const row of rows) {
    const currency = row.currency.trim().toUpperCase();
    if (!row.amount.trim()) continue;
    if (minorDigits(currency) === null || currency in prices) return null;
    const minor = parseMajorInput(row.amount, currency);
    if (minor === null) return null;
    prices[currency] = minor;
  }
  return prices;
}

const storeId = (text: string) => (text.trim() ? text.trim() : null);
const coinsFrom = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN);

/** The create request, checked with the API's own schema so the form says what the API would. */
export function createInput(draft: PackageDraft): Parsed<CreateCoinPackage> {
  const prices = pricesFrom(draft.prices);
  const input = {
    code: draft.code.trim(),
    coins: coinsFrom(draft.coins),
    prices: prices ?? {},
    apple_product_id: storeId(draft.apple_product_id),
    google_product_id: storeId(draft.google_product_id),
    active: draft.active,
  };
  const checked = CreateCoinPackageSchema.safeParse(input);
  const errors = checked.success ? {} : fieldErrorsFromIssues(issuesOf(checked.error));
  if (prices === null) errors.prices = FIELD_MESSAGE.prices;
  return Object.keys(errors).length === 0 ? { ok: true, value: input } : { ok: false, errors };
}

/** Only what changed (the code never does); `null` value means nothing to send. */
export function updateInput(draft: PackageDraft, pkg: AdminCoinPackage): Parsed<UpdateCoinPackage | null> {
  const prices = pricesFrom(draft.prices);
  if (prices === null) return { ok: false, errors: { prices: FIELD_MESSAGE.prices } };
  const patch: UpdateCoinPackage = {};
  const coins = coinsFrom(draft.coins);
  if (coins !== pkg.coins) patch.coins = coins;
  if (!samePrices(prices, pkg.prices)) patch.prices = prices;
  const apple = storeId(draft.apple_product_id);
  if (apple !== pkg.apple_product_id) patch.apple_product_id = apple;
  const google = storeId(draft.google_product_id);
  if (google !== pkg.google_product_id) patch.google_product_id = google;
  if (Object.keys(patch).length === 0) return { ok: true, value: null };
  const checked = UpdateCoinPackageSchema.safeParse(patch);
  return checked.success
    ? { ok: true, value: patch }
    : { ok: false, errors: fieldErrorsFromIssues(issuesOf(checked.error)) };
}

function samePrices(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

const issuesOf = (error: { issues: { path: PropertyKey[] }[] }) =>
  error.issues.map((i) => ({ path: i.path.map(String).join('.') }));

/** The API's order: on sale first, then by size, then by code. */
export function sortPackages(list: AdminCoinPackage[]): AdminCoinPackage[] {
  return [...list].sort(
    (a, b) => Number(b.active) - Number(a.active) || a.coins - b.coins || a.code.localeCompare(b.code),
  );
}
