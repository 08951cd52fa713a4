import { useRouter } from 'expo-router';
import { useState } from 'react';
import { KeyboardAvoidingView, Platform, ScrollView, StyleSheet, Text, TextInput, View } from 'react-native';
import { Button } from '../../components/button';
import { errorMessage } from '../../components/status-views';
import { useLanguageStore, useT } from '../../i18n/i18n';
import type { TranslationKey } from '../../i18n/types';
import { deleteRefusal, useDeleteAccount } from '../../state/queries/account';
import { useTheme } from '../../theme/theme';

const WHAT_GOES: readonly TranslationKey[] = [
  'deleteAccount.item.personas',
  'deleteAccount.item.posts',
  'deleteAccount.item.conversations',
  'deleteAccount.item.wallet',
  'deleteAccount.item.sessions',
];

export default function DeleteAccountScreen() {
  const t = useT();
  const theme = useTheme();
  const router = useRouter();
  const language = useLanguageStore((s) => s.language);
  const remove = useDeleteAccount();
  const [typed, setTyped] = useState('');

  // Case does not matter, in the language's own rules ("sil" is "SİL" in Turkish).
  const locale = language === 'tr' ? 'tr-TR' : 'en-US';
  const word = t('deleteAccount.word');
  const confirmed = typed.trim().toLocaleUpperCase(locale) === word.toLocaleUpperCase(locale);
  const refusal = remove.isError ? deleteRefusal(remove.error) : null;

  const submit = () => {
    if (!confirmed || remove.isPending) return;
    // On success the session is gone and the signed-out guard shows sign-in.
    remove.mutate();
  };

  return (
    <KeyboardAvoidingView
      style={[styles.flex, { backgroundColor: theme.background }]}
      behavior={Platform.OS === 'ios' ? 'padding' : undefined}
    >
      <ScrollView contentContainerStyle={styles.container} keyboardShouldPersistTaps="handled">
        <Text style={[styles.intro, { color: theme.danger }]}>{t('deleteAccount.intro')}</Text>
        <Text accessibilityRole="header" style={[styles.label, { color: theme.text }]}>
          {t('deleteAccount.whatGoes')}
        </Text>
        <View testID="delete-what-goes" style={styles.list}>
          {WHAT_GOES.map((key) => (
            <Text key={key} style={{ color: theme.text }}>
              • {t(key)}
            </Text>
          ))}
        </View>
        <Text style={{ color: theme.muted }}>{t('deleteAccount.refusedWhile')}</Text>

        <Text style={[styles.label, { color: theme.text }]}>{t('deleteAccount.confirmLabel', { word })}</Text>
        <TextInput
          testID="delete-confirm-input"
          accessibilityLabel={t('deleteAccount.confirmLabel', { word })}
          value={typed}
          onChangeText={setTyped}
          onSubmitEditing={submit}
          autoCapitalize="characters"
          autoCorrect={false}
          editable={!remove.isPending}
          style={[
            styles.input,
            { color: theme.text, borderColor: theme.border, backgroundColor: theme.surface },
          ]}
        />
        {remove.isError ? (
          <View testID="delete-error" style={[styles.error, { borderColor: theme.danger }]}>
            <Text accessibilityRole="alert" style={{ color: theme.danger }}>
              {refusal ? t(refusal) : t('deleteAccount.failed', { message: errorMessage(remove.error) })}
            </Text>
            {refusal ? <Text style={{ color: theme.muted }}>{t('deleteAccount.nothingDeleted')}</Text> : null}
          </View>
        ) : null}
        <Button
          testID="delete-account-confirm"
          label={remove.isPending ? t('deleteAccount.deleting') : t('deleteAccount.confirm')}
          busy={remove.isPending}
          disabled={!confirmed}
          onPress={submit}
        />
        <Button
          label={t('deleteAccount.cancel')}
          variant="secondary"
          disabled={remove.isPending}
          onPress={() => (router.canGoBack() ? router.back() : router.replace('/profile'))}
        />
      </ScrollView>
    </KeyboardAvoidingView>
  );
}

const styles = StyleSheet.create({
  flex: { flex: 1 },
  container: { padding: 20, gap: 14, maxWidth: 560, width: '100%', alignSelf: 'center' },
  intro: { fontSize: 17, fontWeight: '700', lineHeight: 24 },
  label: { fontSize: 16, fontWeight: '600' },
  list: { gap: 6 },
  input: { borderWidth: 1, borderRadius: 10, paddingHorizontal: 12, paddingVertical: 10, fontSize: 16 },
  error: { borderWidth: 1, borderRadius: 10, padding: 12, gap: 6 },
});
