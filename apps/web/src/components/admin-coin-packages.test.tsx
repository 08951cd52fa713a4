import { ApiClientError } from '@ipelya/api-client';
import type { AdminCoinPackage } from '@ipelya/contracts';
import { describe, expect, it } from 'vitest';
import { AdminNav } from '../app/[lang]/admin/admin-nav.tsx';
import {
  createInput,
  draftFrom,
  emptyDraft,
  fieldErrorsFromApi,
  type PackageDraft,
  sortPackages,
  updateInput,
} from '../app/[lang]/admin/coin-packages/coin-package-draft.ts';
import {
  CoinPackageForm,
  CoinPackageTable,
  type CoinPackageTableProps,
} from '../app/[lang]/admin/coin-packages/coin-packages-parts.tsx';
import type { Language } from '../i18n/negotiate.ts';
import { count, noop, plain, render } from '../test/render-markup.tsx';

const pkg = (over: Partial<AdminCoinPackage> = {}): AdminCoinPackage => ({
  id: '00000000-0000-4000-8000-0000000000a1',
  code: 'coins_300',
  coins: 1300,
  prices: { USD: 499, TRY: 17999 },
  apple_product_id: 'app.ipelya.coins.300',
  google_product_id: null,
  active: true,
  created_at: '2026-12-04T10:00:00Z',
  ...over,
});
const archived = pkg({
  id: '00000000-0000-4000-8000-0000000000a2',
  code: 'coins_old',
  active: false,
  apple_product_id: null,
});

const table = (over: Partial<CoinPackageTableProps> = {}, lang: Language = 'en') =>
  render(
    <CoinPackageTable
      packages={[pkg(), archived]}
      busy={null}
      confirming={null}
      failed={null}
      onEdit={noop}
      onArchive={noop}
      onConfirmArchive={noop}
      onCancelArchive={noop}
      onReactivate={noop}
      {...over}
    />,
    lang,
  );

describe('coin packages table', () => {
  it('lists every package with coins, a price per currency, store ids and its state', () => {
    const d = plain(table());
    expect(count(d, 'coin-package')).toBe(2);
    expect(d).toContain('data-code="coins_300" data-active="true"');
    expect(d).toContain('data-code="coins_old" data-active="false"');
    expect(d).toContain('1,300');
    expect(d).toContain('$4.99');
    expect(d).toContain('TRY 179.99');
    // Currencies in a fixed, alphabetical order whatever order the API's jsonb gives.
    expect(d.indexOf('TRY 179.99')).toBeLessThan(d.indexOf('$4.99'));
    // Store ids may break after a dot on narrow screens, and read as one id.
    expect(d).toContain('app.<wbr/>ipelya.<wbr/>coins.<wbr/>300');
    expect(d.replace(/<wbr\/>/g, '')).toContain('>app.ipelya.coins.300<');
    // No Google id: said in words, not left blank.
    expect(d).toMatch(/data-testid="package-google">none</);
    expect(d).toContain('On sale');
    expect(d).toContain('Archived');
    // On sale → archive; archived → put back on sale; both can be edited.
    expect(count(d, 'archive-package')).toBe(1);
    expect(count(d, 'reactivate-package')).toBe(1);
    expect(count(d, 'edit-package')).toBe(2);
    expect(count(d, 'archive-confirm')).toBe(0);
    // Every cell carries its column name for the narrow (card) layout.
    expect(d).toContain('data-label="Google Play product id"');
  });

  it('speaks Turkish, with Turkish number and money formats', () => {
    const d = plain(table({}, 'tr'));
    expect(d).toContain('Satışta');
    expect(d).toContain('Arşivlendi');
    expect(d).toContain('1.300');
    expect(d).toContain('₺179,99');
    expect(d).toContain('Yeniden satışa çıkar');
  });

  it('asks before archiving, naming the package, and shows a failed action on its row', () => {
    const d = table({ confirming: pkg().id });
    expect(count(d, 'archive-confirm')).toBe(1);
    expect(d).toContain('Take coins_300 off sale?');
    expect(d).toContain('Yes, archive');
    expect(count(d, 'admin-action-error')).toBe(0);
    const failed = table({ failed: { id: archived.id, message: 'admin.packages.error.missing' } });
    expect(failed).toContain('This package no longer exists.');
    expect(count(failed, 'admin-action-error')).toBe(1);
    const busy = table({ busy: pkg().id, confirming: pkg().id });
    expect(busy).toContain('Archiving…');
  });

  it('has an empty state in both languages', () => {
    const en = table({ packages: [] });
    expect(count(en, 'admin-packages-empty')).toBe(1);
    expect(count(en, 'admin-packages')).toBe(0);
    expect(en).toContain('There are no coin packages yet.');
    expect(table({ packages: [] }, 'tr')).toContain('Henüz jeton paketi yok.');
  });
});

const form = (props: Partial<Parameters<typeof CoinPackageForm>[0]> = {}, lang: Language = 'en') =>
  render(
    <CoinPackageForm
      mode="create"
      draft={emptyDraft()}
      errors={{}}
      busy={false}
      onChange={noop}
      onSubmit={noop}
      {...props}
    />,
    lang,
  );

describe('coin package form', () => {
  it('creates with an editable code; edits with the code fixed', () => {
    const create = form();
    expect(count(create, 'package-code-input')).toBe(1);
    expect(count(create, 'package-active-input')).toBe(1);
    expect(count(create, 'price-row')).toBe(2);
    expect(create).toContain('Create package');
    const edit = form({ mode: 'edit', draft: draftFrom(pkg()), onCancel: noop });
    expect(count(edit, 'package-code-input')).toBe(0);
    expect(edit).toMatch(/readOnly|readonly/);
    expect(edit).toContain('value="coins_300"');
    expect(edit).toContain('value="4.99"');
    expect(edit).toContain('value="179.99"');
    expect(edit).toContain('Save changes');
    expect(count(edit, 'cancel-package')).toBe(1);
  });

  it('shows each error under its own field, tied to the input', () => {
    const d = form({
      errors: { code: 'admin.packages.error.codeTaken', prices: 'admin.packages.error.prices' },
    });
    expect(count(d, 'field-error-code')).toBe(1);
    expect(count(d, 'field-error-prices')).toBe(1);
    expect(count(d, 'field-error-coins')).toBe(0);
    expect(d).toContain('Another package already has this code.');
    const describedBy = /data-testid="package-code-input"[^>]*aria-describedby="([^"]+)"/.exec(d)?.[1];
    expect(describedBy).toBeTruthy();
    expect(d).toContain(`id="${describedBy}"`);
    expect(d).toMatch(/data-testid="package-code-input"[^>]*aria-invalid="true"/);
    const tr = form({ errors: { coins: 'admin.packages.error.coins', form: 'admin.actionError' } }, 'tr');
    expect(tr).toContain('1 ile 10.000.000 arasında');
    expect(tr).toContain('İşlem başarısız oldu.');
  });
});

const filled = (over: Partial<PackageDraft> = {}): PackageDraft => ({
  ...emptyDraft(),
  code: 'coins_900',
  coins: '900',
  prices: [
    { currency: 'usd', amount: '12.99' },
    { currency: 'TRY', amount: '449,5' },
    { currency: '', amount: '' },
    { currency: 'EUR', amount: ' ' },
  ],
  ...over,
});

describe('package drafts → API requests', () => {
  it('turns typed amounts into minor units and blank store ids into null', () => {
    expect(createInput(filled())).toEqual({
      ok: true,
      value: {
        code: 'coins_900',
        coins: 900,
        prices: { USD: 1299, TRY: 44950 },
        apple_product_id: null,
        google_product_id: null,
        active: true,
      },
    });
  });

  it('checks with the API’s schema and names each bad field', () => {
    const r = createInput(
      filled({ code: 'Has Spaces', coins: '1.5', apple_product_id: 'bad id!', google_product_id: 'ok.id' }),
    );
    expect(r).toEqual({
      ok: false,
      errors: {
        code: 'admin.packages.error.code',
        coins: 'admin.packages.error.coins',
        apple_product_id: 'admin.packages.error.storeId',
      },
    });
    for (const prices of [
      [],
      [{ currency: 'USD', amount: '0' }],
      [{ currency: 'USD', amount: '1.999' }],
      [{ currency: 'US', amount: '1' }],
      [{ currency: '', amount: '1' }],
      [{ currency: 'EUR', amount: '' }],
      [
        { currency: 'USD', amount: '1' },
        { currency: 'usd', amount: '2' },
      ],
    ]) {
      const bad = createInput(filled({ prices }));
      expect(bad.ok ? {} : bad.errors, JSON.stringify(prices)).toEqual({
        prices: 'admin.packages.error.prices',
      });
    }
    expect(createInput(filled({ coins: '10000001' })).ok).toBe(false);
  });

  it('sends only what changed, and nothing when nothing did', () => {
    const p = pkg();
    expect(updateInput(draftFrom(p), p)).toEqual({ ok: true, value: null });
    const d = draftFrom(p);
    expect(
      updateInput(
        {
          ...d,
          coins: '1400',
          prices: [{ currency: 'USD', amount: '5.49' }],
          apple_product_id: '',
          google_product_id: 'coins_300',
        },
        p,
      ),
    ).toEqual({
      ok: true,
      value: { coins: 1400, prices: { USD: 549 }, apple_product_id: null, google_product_id: 'coins_300' },
    });
    const bad = updateInput({ ...d, coins: '0' }, p);
    expect(bad).toEqual({ ok: false, errors: { coins: 'admin.packages.error.coins' } });
  });

  it('keeps the API’s order: on sale first, then by coins', () => {
    const list = sortPackages([archived, pkg({ id: 'b', code: 'coins_big', coins: 5000 }), pkg()]);
    expect(list.map((p) => p.code)).toEqual(['coins_300', 'coins_big', 'coins_old']);
  });
});

describe('API errors → field messages', () => {
  const apiError = (status: number, details?: unknown) => new ApiClientError(status, 'x', 'message', details);
  it('puts validation failures next to the field the API names', () => {
    expect(
      fieldErrorsFromApi(
        apiError(400, {
          fields: [
            { path: 'prices.usd', message: 'price currencies are ISO 4217 codes like USD' },
            { path: 'coins', message: 'Too small' },
          ],
        }),
      ),
    ).toEqual({ prices: 'admin.packages.error.prices', coins: 'admin.packages.error.coins' });
    expect(
      fieldErrorsFromApi(apiError(400, { fields: [{ path: '', message: 'Unrecognized key' }] })),
    ).toEqual({
      form: 'admin.packages.error.invalid',
    });
  });
  it('says which value is taken on a conflict', () => {
    expect(fieldErrorsFromApi(apiError(409, { constraint: 'coin_packages_code_key' }))).toEqual({
      code: 'admin.packages.error.codeTaken',
    });
    expect(fieldErrorsFromApi(apiError(409, { constraint: 'coin_packages_google_product_id_key' }))).toEqual({
      google_product_id: 'admin.packages.error.storeIdTaken',
    });
    expect(fieldErrorsFromApi(apiError(409))).toEqual({ form: 'admin.packages.error.conflict' });
  });
  it('explains refusals and failures above the buttons', () => {
    expect(fieldErrorsFromApi(apiError(403))).toEqual({ form: 'admin.forbidden.body' });
    expect(fieldErrorsFromApi(apiError(404))).toEqual({ form: 'admin.packages.error.missing' });
    expect(fieldErrorsFromApi(apiError(500))).toEqual({ form: 'admin.actionError' });
    expect(fieldErrorsFromApi(new TypeError('fetch failed'))).toEqual({ form: 'admin.actionError' });
  });
});

describe('admin navigation', () => {
  it('links the three admin pages and marks the current one', () => {
    const d = render(<AdminNav current="coin-packages" />);
    expect(d).toContain('href="/admin/payouts"');
    expect(d).toContain('href="/admin/fraud"');
    expect(d).toContain('href="/admin/coin-packages"');
    expect(d.match(/aria-current="page"/g)).toHaveLength(1);
    expect(d).toMatch(/aria-current="page"[^>]*data-testid="admin-nav-coin-packages"/);
    const tr = render(<AdminNav current="fraud" />, 'tr');
    expect(tr).toContain('Jeton paketleri');
    expect(tr).toMatch(/aria-current="page"[^>]*data-testid="admin-nav-fraud"/);
  });
});
