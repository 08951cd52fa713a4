'use client';

import type { AdminCoinPackage } from '@ipelya/contracts';
import { type FormEvent, Fragment, type ReactNode, useId } from 'react';
import { useI18n } from '../../../../i18n/i18n-provider.tsx';
import type { MessageKey } from '../../../../i18n/messages.ts';
import { formatCoins, formatMinor } from '../../../../lib/money.ts';
import {
  byCurrency,
  type FieldErrors,
  type PackageDraft,
  type PackageField,
  type PriceDraft,
} from './coin-package-draft.ts';

export type RowFailure = { id: string; message: MessageKey };

export type CoinPackageTableProps = {
  packages: AdminCoinPackage[];
  /** The row whose archive / re-activate call is running. */
  busy: string | null;
  /** The row asking "really archive?". */
  confirming: string | null;
  failed: RowFailure | null;
  onEdit: (pkg: AdminCoinPackage) => void;
  onArchive: (id: string) => void;
  onConfirmArchive: (id: string) => void;
  onCancelArchive: () => void;
  onReactivate: (id: string) => void;
};

/** Presentational: every package, archived ones too, with edit and archive / put-back-on-sale actions. */
export function CoinPackageTable(props: CoinPackageTableProps) {
  const { t, lang } = useI18n();
  if (props.packages.length === 0) {
    return (
      <p className="card muted" data-testid="admin-packages-empty">
        {t('admin.packages.empty')}
      </p>
    );
  }
  const columns: MessageKey[] = [
    'admin.packages.code',
    'admin.packages.coins',
    'admin.packages.prices',
    'admin.packages.apple',
    'admin.packages.google',
    'admin.packages.state',
  ];
  const cell = (i: number) => ({ 'data-label': t(columns[i]!) });
  return (
    <div className="table-wrap">
      <table className="data-table stack-table package-table" data-testid="admin-packages">
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={c} scope="col" className={i === 1 ? 'num' : undefined}>
                {t(c)}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">{t('admin.packages.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.packages.map((p) => {
            const confirming = props.confirming === p.id;
            const busy = props.busy === p.id;
            return [
              <tr
                key={p.id}
                data-testid="coin-package"
                data-id={p.id}
                data-code={p.code}
                data-active={p.active}
                className={p.active ? undefined : 'archived'}
              >
                <th scope="row" {...cell(0)}>
                  <code data-testid="package-code">{p.code}</code>
                </th>
                <td className="num" {...cell(1)} data-testid="package-coins">
                  {formatCoins(p.coins, lang)}
                </td>
                <td {...cell(2)}>
                  <ul className="price-list" data-testid="package-prices">
                    {byCurrency(p.prices).map(([currency, minor]) => (
                      <li key={currency} data-currency={currency}>
                        {formatMinor(minor, currency, lang)}
                      </li>
                    ))}
                  </ul>
                </td>
                <td {...cell(3)}>
                  <StoreId value={p.apple_product_id} testid="package-apple" />
                </td>
                <td {...cell(4)}>
                  <StoreId value={p.google_product_id} testid="package-google" />
                </td>
                <td {...cell(5)}>
                  <span
                    className={`pill state-pill ${p.active ? 'pill-ok' : 'muted-pill'}`}
                    data-testid="package-state"
                  >
                    {t(p.active ? 'admin.packages.active' : 'admin.packages.archived')}
                  </span>
                </td>
                <td className="row-actions">
                  <div className="button-row">
                    <button
                      type="button"
                      className="button small-button"
                      data-testid="edit-package"
                      disabled={props.busy !== null}
                      onClick={() => props.onEdit(p)}
                    >
                      {t('admin.packages.edit')}
                    </button>
                    {p.active ? (
                      <button
                        type="button"
                        className="button small-button danger"
                        data-testid="archive-package"
                        disabled={props.busy !== null || confirming}
                        onClick={() => props.onArchive(p.id)}
                      >
                        {busy ? t('admin.packages.archiving') : t('admin.packages.archive')}
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button small-button"
                        data-testid="reactivate-package"
                        disabled={props.busy !== null}
                        onClick={() => props.onReactivate(p.id)}
                      >
                        {busy ? t('admin.packages.saving') : t('admin.packages.reactivate')}
                      </button>
                    )}
                  </div>
                </td>
              </tr>,
              confirming && (
                <tr key={`${p.id}:confirm`} className="confirm-row" data-testid="archive-confirm">
                  <td colSpan={7}>
                    <p className="confirm-text">{t('admin.packages.archiveConfirm', { code: p.code })}</p>
                    <div className="button-row">
                      <button
                        type="button"
                        className="button small-button danger"
                        data-testid="archive-confirm-yes"
                        disabled={props.busy !== null}
                        onClick={() => props.onConfirmArchive(p.id)}
                      >
                        {busy ? t('admin.packages.archiving') : t('admin.packages.archiveYes')}
                      </button>
                      <button
                        type="button"
                        className="button small-button"
                        data-testid="archive-confirm-no"
                        disabled={props.busy !== null}
                        onClick={props.onCancelArchive}
                      >
                        {t('admin.packages.cancel')}
                      </button>
                    </div>
                  </td>
                </tr>
              ),
              props.failed?.id === p.id && (
                <tr key={`${p.id}:error`} className="confirm-row">
                  <td colSpan={7}>
                    <p className="error" role="alert" data-testid="admin-action-error">
                      {t(props.failed.message)}
                    </p>
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}

function StoreId(props: { value: string | null; testid: string }) {
  const { t } = useI18n();
  return props.value ? (
    <code className="store-id" data-testid={props.testid}>
      {/* Long reverse-DNS ids break after a dot, not in the middle of a word. */}
      {props.value.split('.').map((part, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string
        <Fragment key={i}>
          {i > 0 && (
            <>
              .<wbr />
            </>
          )}
          {part}
        </Fragment>
      ))}
    </code>
  ) : (
    <span className="muted" data-testid={props.testid}>
      {t('admin.packages.none')}
    </span>
  );
}

export type CoinPackageFormProps = {
  mode: 'create' | 'edit';
  draft: PackageDraft;
  errors: FieldErrors;
  busy: boolean;
  onChange: (draft: PackageDraft) => void;
  onSubmit: () => void;
  onCancel?: () => void;
};

/** Presentational: the create / edit form; each error sits under its field and is tied to it for readers. */
export function CoinPackageForm(props: CoinPackageFormProps) {
  const { t } = useI18n();
  const id = useId();
  const { draft, errors } = props;
  const set = (patch: Partial<PackageDraft>) => props.onChange({ ...draft, ...patch });
  const setPrice = (index: number, patch: Partial<PriceDraft>) =>
    set({ prices: draft.prices.map((p, i) => (i === index ? { ...p, ...patch } : p)) });
  const errorId = (field: PackageField) => `${id}-${field}-error`;
  const invalid = (field: PackageField) =>
    errors[field] ? { 'aria-invalid': true, 'aria-describedby': errorId(field) } : {};
  const fieldError = (field: PackageField) =>
    errors[field] && (
      <p className="field-error" id={errorId(field)} data-testid={`field-error-${field}`}>
        {t(errors[field])}
      </p>
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSubmit();
  };
  const edit = props.mode === 'edit';

  return (
    <form
      className="package-form"
      noValidate
      onSubmit={submit}
      data-testid={edit ? 'edit-package-form' : 'create-package-form'}
    >
      <div className="form-grid">
        <Field
          label={t('admin.packages.code')}
          htmlFor={`${id}-code`}
          hint={t(edit ? 'admin.packages.code.fixed' : 'admin.packages.code.hint')}
        >
          {edit ? (
            <input
              id={`${id}-code`}
              className="readonly-value"
              readOnly
              // Not a stop for Tab: there is nothing to do in it.
              tabIndex={-1}
              value={draft.code}
              data-testid="package-form-code"
            />
          ) : (
            <input
              id={`${id}-code`}
              name="code"
              autoComplete="off"
              spellCheck={false}
              placeholder="coins_550"
              value={draft.code}
              onChange={(e) => set({ code: e.target.value })}
              data-testid="package-code-input"
              {...invalid('code')}
            />
          )}
          {fieldError('code')}
        </Field>
        <Field label={t('admin.packages.coins')} htmlFor={`${id}-coins`}>
          <input
            id={`${id}-coins`}
            name="coins"
            inputMode="numeric"
            autoComplete="off"
            placeholder="550"
            value={draft.coins}
            onChange={(e) => set({ coins: e.target.value })}
            data-testid="package-coins-input"
            {...invalid('coins')}
          />
          {fieldError('coins')}
        </Field>
      </div>

      <fieldset className="price-fieldset" {...invalid('prices')}>
        <legend>{t('admin.packages.prices')}</legend>
        <p className="muted small hint">{t('admin.packages.prices.hint')}</p>
        <ul className="price-rows">
          {draft.prices.map((price, i) => (
            // Rows have no identity of their own; the index is what the handlers address.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <li key={i} className="price-row" data-testid="price-row">
              <label className="visually-hidden" htmlFor={`${id}-cur-${i}`}>
                {t('admin.packages.currency')}
              </label>
              <input
                id={`${id}-cur-${i}`}
                className="currency-input"
                maxLength={3}
                autoComplete="off"
                spellCheck={false}
                placeholder="USD"
                value={price.currency}
                onChange={(e) => setPrice(i, { currency: e.target.value.toUpperCase() })}
                data-testid="price-currency"
              />
              <label className="visually-hidden" htmlFor={`${id}-amt-${i}`}>
                {t('admin.packages.amount', { currency: price.currency || '…' })}
              </label>
              <input
                id={`${id}-amt-${i}`}
                className="amount-input"
                inputMode="decimal"
                autoComplete="off"
                placeholder="9.99"
                value={price.amount}
                onChange={(e) => setPrice(i, { amount: e.target.value })}
                data-testid="price-amount"
              />
              <button
                type="button"
                className="icon-button"
                aria-label={t('admin.packages.removePrice', { currency: price.currency || '…' })}
                onClick={() => set({ prices: draft.prices.filter((_, j) => j !== i) })}
                data-testid="remove-price"
              >
                ×
              </button>
            </li>
          ))}
        </ul>
        <button
          type="button"
          className="link-button"
          onClick={() => set({ prices: [...draft.prices, { currency: '', amount: '' }] })}
          data-testid="add-price"
        >
          {t('admin.packages.addPrice')}
        </button>
        {fieldError('prices')}
      </fieldset>

      <div className="form-grid">
        <Field label={t('admin.packages.apple')} htmlFor={`${id}-apple`} hint={t('admin.packages.optional')}>
          <input
            id={`${id}-apple`}
            name="apple_product_id"
            autoComplete="off"
            spellCheck={false}
            placeholder="app.ipelya.coins.550"
            value={draft.apple_product_id}
            onChange={(e) => set({ apple_product_id: e.target.value })}
            data-testid="package-apple-input"
            {...invalid('apple_product_id')}
          />
          {fieldError('apple_product_id')}
        </Field>
        <Field
          label={t('admin.packages.google')}
          htmlFor={`${id}-google`}
          hint={t('admin.packages.optional')}
        >
          <input
            id={`${id}-google`}
            name="google_product_id"
            autoComplete="off"
            spellCheck={false}
            placeholder="coins_550"
            value={draft.google_product_id}
            onChange={(e) => set({ google_product_id: e.target.value })}
            data-testid="package-google-input"
            {...invalid('google_product_id')}
          />
          {fieldError('google_product_id')}
        </Field>
      </div>

      {!edit && (
        <label className="checkbox">
          <input
            type="checkbox"
            checked={draft.active}
            onChange={(e) => set({ active: e.target.checked })}
            data-testid="package-active-input"
          />
          {t('admin.packages.activeNow')}
        </label>
      )}

      {errors.form && (
        <p className="error" role="alert" data-testid="package-form-error">
          {t(errors.form)}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button primary" disabled={props.busy} data-testid="save-package">
          {props.busy
            ? t('admin.packages.saving')
            : t(edit ? 'admin.packages.save' : 'admin.packages.create')}
        </button>
        {props.onCancel && (
          <button
            type="button"
            className="button"
            onClick={props.onCancel}
            disabled={props.busy}
            data-testid="cancel-package"
          >
            {t('admin.packages.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

function Field(props: { label: string; htmlFor: string; hint?: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={props.htmlFor}>
        {props.label}
        {props.hint && <span className="muted small field-hint"> · {props.hint}</span>}
      </label>
      {props.children}
    </div>
  );
}
