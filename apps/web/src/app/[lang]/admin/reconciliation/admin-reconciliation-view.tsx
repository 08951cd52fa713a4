'use client';

import type { ReconciliationItem } from '@ipelya/contracts';
import { useCallback, useState } from 'react';
import { AdminFailure } from '../../../../components/admin-failure.tsx';
import { useI18n } from '../../../../i18n/i18n-provider.tsx';
import { getApi } from '../../../../lib/api-browser.ts';
import { useSignedInLoad } from '../../../../lib/use-signed-in-load.ts';
import { AdminNav } from '../admin-nav.tsx';
import { type RowError, resolveItem, rowErrorFrom } from './reconciliation-item.ts';
import {
  type Confirming,
  type ReconcileStatus,
  ReconciliationFilter,
  ReconciliationList,
} from './reconciliation-parts.tsx';

export function AdminReconciliationView() {
  const { t } = useI18n();
  const [status, setStatus] = useState<ReconcileStatus>('open');
  const loader = useCallback(
    async () => ({ items: (await getApi().adminReconciliation({ status })).items, now: Date.now() }),
    [status],
  );
  const { state, reload, setData } = useSignedInLoad(loader);
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [failed, setFailed] = useState<(RowError & { id: string }) | null>(null);

  async function confirm(c: Confirming) {
    setBusy(c.id);
    setFailed(null);
    try {
      const result = await resolveItem(getApi(), c);
      // Stays in the open list, marked resolved, so the admin sees what the decision did.
      const { credited: _credited, ...item } = result;
      setData((d) => ({
        ...d,
        items: d.items.map((i): ReconciliationItem => (i.id === item.id ? item : i)),
      }));
      setConfirming(null);
    } catch (err) {
      setFailed({ id: c.id, ...rowErrorFrom(err) });
    } finally {
      setBusy(null);
    }
  }

  const forbidden = state.kind === 'failed' && state.failure === 'forbidden';
  return (
    <div className="admin" data-testid="admin-reconciliation-page">
      {!forbidden && <AdminNav current="reconciliation" />}
      <h1>{t('admin.reconciliation.title')}</h1>
      {!forbidden && (
        <>
          <p className="muted">{t('admin.reconciliation.intro')}</p>
          <ReconciliationFilter
            status={status}
            onChange={(s) => {
              setConfirming(null);
              setFailed(null);
              setStatus(s);
            }}
          />
        </>
      )}
      {state.kind === 'loading' && <p className="muted">{t('admin.loading')}</p>}
      {state.kind === 'failed' && <AdminFailure failure={state.failure} onRetry={() => void reload()} />}
      {state.kind === 'ready' && (
        <ReconciliationList
          items={state.data.items}
          status={status}
          now={state.data.now}
          busy={busy}
          confirming={confirming}
          failed={failed}
          onAction={(id, action) => {
            setFailed(null);
            setConfirming({ id, action, note: '' });
          }}
          onNote={(note) => setConfirming((c) => (c ? { ...c, note } : c))}
          onConfirm={() => confirming && void confirm(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
    </div>
  );
}
