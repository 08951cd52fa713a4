'use client';

import type { AdminCoinPackage } from '@ipelya/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { AdminFailure } from '../../../../components/admin-failure.tsx';
import { useI18n } from '../../../../i18n/i18n-provider.tsx';
import { getApi } from '../../../../lib/api-browser.ts';
import { useSignedInLoad } from '../../../../lib/use-signed-in-load.ts';
import { AdminNav } from '../admin-nav.tsx';
import {
  createInput,
  draftFrom,
  emptyDraft,
  type FieldErrors,
  fieldErrorsFromApi,
  type PackageDraft,
  sortPackages,
  updateInput,
} from './coin-package-draft.ts';
import { CoinPackageForm, CoinPackageTable, type RowFailure } from './coin-packages-parts.tsx';

type Editing = { pkg: AdminCoinPackage; draft: PackageDraft; errors: FieldErrors; busy: boolean };

export function AdminCoinPackagesView() {
  const { t } = useI18n();
  const loader = useCallback(async () => sortPackages((await getApi().adminCoinPackages()).items), []);
  const { state, reload, setData } = useSignedInLoad(loader);

  const [draft, setDraft] = useState<PackageDraft>(emptyDraft);
  const [createErrors, setCreateErrors] = useState<FieldErrors>({});
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [rowBusy, setRowBusy] = useState<string | null>(null);
  const [rowFailed, setRowFailed] = useState<RowFailure | null>(null);

  const put = (pkg: AdminCoinPackage) =>
    setData((list) => sortPackages([...list.filter((p) => p.id !== pkg.id), pkg]));

  async function create() {
    const parsed = createInput(draft);
    setNotice(null);
    if (!parsed.ok) return setCreateErrors(parsed.errors);
    setCreating(true);
    setCreateErrors({});
    try {
      const pkg = await getApi().createCoinPackage(parsed.value);
      put(pkg);
      setDraft(emptyDraft());
      setNotice(t('admin.packages.created', { code: pkg.code }));
    } catch (err) {
      setCreateErrors(fieldErrorsFromApi(err));
    } finally {
      setCreating(false);
    }
  }

  async function saveEdit(current: Editing) {
    const parsed = updateInput(current.draft, current.pkg);
    if (!parsed.ok) return setEditing({ ...current, errors: parsed.errors });
    if (parsed.value === null) return setEditing(null);
    setEditing({ ...current, busy: true, errors: {} });
    try {
      const pkg = await getApi().updateCoinPackage(current.pkg.id, parsed.value);
      put(pkg);
      setEditing(null);
      setNotice(t('admin.packages.updated', { code: pkg.code }));
    } catch (err) {
      setEditing({ ...current, busy: false, errors: fieldErrorsFromApi(err) });
    }
  }

  async function rowAction(id: string, action: () => Promise<AdminCoinPackage>) {
    setRowBusy(id);
    setRowFailed(null);
    setNotice(null);
    try {
      put(await action());
      setConfirming(null);
    } catch (err) {
      setRowFailed({ id, message: fieldErrorsFromApi(err).form ?? 'admin.actionError' });
    } finally {
      setRowBusy(null);
    }
  }

  const forbidden = state.kind === 'failed' && state.failure === 'forbidden';
  return (
    <div className="admin" data-testid="admin-packages-page">
      {!forbidden && <AdminNav current="coin-packages" />}
      <h1>{t('admin.packages.title')}</h1>
      {state.kind === 'loading' && <p className="muted">{t('admin.loading')}</p>}
      {state.kind === 'failed' && <AdminFailure failure={state.failure} onRetry={() => void reload()} />}
      {state.kind === 'ready' && (
        <>
          <p className="muted">{t('admin.packages.intro')}</p>
          <p className="notice" role="status" data-testid="admin-packages-notice">
            {notice}
          </p>
          <CoinPackageTable
            packages={state.data}
            busy={rowBusy}
            confirming={confirming}
            failed={rowFailed}
            onEdit={(pkg) => {
              setNotice(null);
              setEditing({ pkg, draft: draftFrom(pkg), errors: {}, busy: false });
            }}
            onArchive={(id) => {
              setRowFailed(null);
              setConfirming(id);
            }}
            onCancelArchive={() => setConfirming(null)}
            onConfirmArchive={(id) => void rowAction(id, () => getApi().archiveCoinPackage(id))}
            onReactivate={(id) => void rowAction(id, () => getApi().updateCoinPackage(id, { active: true }))}
          />
          <section className="card package-create" aria-labelledby="new-package-title">
            <h2 id="new-package-title">{t('admin.packages.new')}</h2>
            <CoinPackageForm
              mode="create"
              draft={draft}
              errors={createErrors}
              busy={creating}
              onChange={setDraft}
              onSubmit={() => void create()}
            />
          </section>
          {editing && (
            <EditDialog
              editing={editing}
              onChange={(d) => setEditing({ ...editing, draft: d })}
              onSubmit={() => void saveEdit(editing)}
              onClose={() => setEditing(null)}
            />
          )}
        </>
      )}
    </div>
  );
}

/** A modal <dialog>: Escape and the cancel button close it, focus stays inside while it is open. */
function EditDialog(props: {
  editing: Editing;
  onChange: (draft: PackageDraft) => void;
  onSubmit: () => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const { onClose } = props;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) {
      dialog.showModal();
      // The code cannot change: start where the admin most likely edits.
      dialog.querySelector<HTMLInputElement>('input[name="coins"]')?.focus();
    }
    const onCancel = () => onClose();
    dialog.addEventListener('close', onCancel);
    return () => dialog.removeEventListener('close', onCancel);
  }, [onClose]);
  return (
    <dialog
      ref={ref}
      className="card package-dialog"
      aria-labelledby="edit-package-title"
      data-testid="edit-dialog"
    >
      <h2 id="edit-package-title">{t('admin.packages.editTitle', { code: props.editing.pkg.code })}</h2>
      <p className="muted small">{t('admin.packages.editHint')}</p>
      <CoinPackageForm
        mode="edit"
        draft={props.editing.draft}
        errors={props.editing.errors}
        busy={props.editing.busy}
        onChange={props.onChange}
        onSubmit={props.onSubmit}
        onCancel={() => ref.current?.close()}
      />
    </dialog>
  );
}
