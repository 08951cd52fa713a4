import { useState } from 'react';
import { KeyboardAvoidingView, Platform, ScrollView, StyleSheet, Text, TextInput, View } from 'react-native';
import { Button } from '../components/button';
import { errorMessage } from '../components/status-views';
import { useT } from '../i18n/i18n';
import { useClients } from '../lib/clients-context';
import { useTheme } from '../theme/theme';

type Channel = 'email' | 'phone';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE_RE = /^\+[1-9]\d{7,14}$/;
const CODE_RE = /^\d{6}$/;

function normalise(channel: Channel, value: string): string {
  const trimmed = value.trim();
  return channel === 'email' ? trimmed.toLowerCase() : trimmed.replace(/[\s()-]/g, '');
}

export default function SignInScreen() {
  const t = useT();
  const theme = useTheme();
  const { supabase } = useClients();
  const [channel, setChannel] = useState<Channel>('email');
  const [target, setTarget] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function sendCode() {
    const value = normalise(channel, sentTo ?? target);
    if (channel === 'email' ? !EMAIL_RE.test(value) : !PHONE_RE.test(value)) {
      setError(t(channel === 'email' ? 'signIn.invalidEmail' : 'signIn.invalidPhone'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { error: otpError } = await supabase.auth.signInWithOtp(
        channel === 'email' ? { email: value } : { phone: value },
      );
      if (otpError) throw otpError;
      setSentTo(value);
      setCode('');
    } catch (err) {
      setError(t('signIn.sendFailed', { message: errorMessage(err) }));
    } finally {
      setBusy(false);
    }
  }

  async function verify() {
    if (!sentTo) return;
    if (!CODE_RE.test(code)) {
      setError(t('signIn.invalidCode'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { error: verifyError } = await supabase.auth.verifyOtp(
        channel === 'email'
          ? { email: sentTo, token: code, type: 'email' }
          : { phone: sentTo, token: code, type: 'sms' },
      );
      if (verifyError) throw verifyError;
      // The auth listener stores the session; the router's guard then leaves this screen.
    } catch (err) {
      setError(t('signIn.verifyFailed', { message: errorMessage(err) }));
      setBusy(false);
    }
  }

  function restart() {
    setSentTo(null);
    setCode('');
    setError(null);
  }

  const inputStyle = [
    styles.input,
    { color: theme.text, borderColor: theme.border, backgroundColor: theme.surface },
  ];

  return (
    <KeyboardAvoidingView
      style={[styles.flex, { backgroundColor: theme.background }]}
      behavior={Platform.OS === 'ios' ? 'padding' : undefined}
    >
      <ScrollView contentContainerStyle={styles.container} keyboardShouldPersistTaps="handled">
        <Text style={[styles.brand, { color: theme.primary }]}>{t('app.name')}</Text>
        <Text style={[styles.subtitle, { color: theme.muted }]}>{t('signIn.subtitle')}</Text>

        {sentTo === null ? (
          <View style={styles.step}>
            <View style={styles.row}>
              {(['email', 'phone'] as const).map((c) => (
                <View key={c} style={styles.flex}>
                  <Button
                    label={t(c === 'email' ? 'signIn.useEmail' : 'signIn.usePhone')}
                    variant={channel === c ? 'primary' : 'secondary'}
                    selected={channel === c}
                    onPress={() => {
                      setChannel(c);
                      setTarget('');
                      setError(null);
                    }}
                  />
                </View>
              ))}
            </View>
            <Text style={[styles.label, { color: theme.text }]}>
              {t(channel === 'email' ? 'signIn.emailLabel' : 'signIn.phoneLabel')}
            </Text>
            <TextInput
              testID="sign-in-target"
              style={inputStyle}
              value={target}
              onChangeText={setTarget}
              accessibilityLabel={t(channel === 'email' ? 'signIn.emailLabel' : 'signIn.phoneLabel')}
              placeholder={t(channel === 'email' ? 'signIn.emailPlaceholder' : 'signIn.phonePlaceholder')}
              placeholderTextColor={theme.muted}
              autoCapitalize="none"
              autoCorrect={false}
              keyboardType={channel === 'email' ? 'email-address' : 'phone-pad'}
              autoComplete={channel === 'email' ? 'email' : 'tel'}
              onSubmitEditing={sendCode}
            />
            <Button label={t(busy ? 'signIn.sending' : 'signIn.sendCode')} busy={busy} onPress={sendCode} />
          </View>
        ) : (
          <View style={styles.step}>
            <Text style={[styles.label, { color: theme.text }]}>
              {t('signIn.codeSentTo', { target: sentTo })}
            </Text>
            <TextInput
              testID="sign-in-code"
              style={[inputStyle, styles.code]}
              value={code}
              onChangeText={(v) => setCode(v.replace(/\D/g, '').slice(0, 6))}
              accessibilityLabel={t('signIn.codeLabel')}
              placeholder="••••••"
              placeholderTextColor={theme.muted}
              keyboardType="number-pad"
              autoComplete="one-time-code"
              textContentType="oneTimeCode"
              maxLength={6}
              onSubmitEditing={verify}
            />
            <Button label={t(busy ? 'signIn.verifying' : 'signIn.verify')} busy={busy} onPress={verify} />
            <Button label={t('signIn.resend')} variant="secondary" disabled={busy} onPress={sendCode} />
            <Button label={t('signIn.changeTarget')} variant="secondary" disabled={busy} onPress={restart} />
          </View>
        )}

        {error ? (
          <Text
            testID="sign-in-error"
            accessibilityRole="alert"
            style={[styles.error, { color: theme.danger }]}
          >
            {error}
          </Text>
        ) : null}
      </ScrollView>
    </KeyboardAvoidingView>
  );
}

const styles = StyleSheet.create({
  flex: { flex: 1 },
  container: { padding: 24, gap: 16, maxWidth: 480, width: '100%', alignSelf: 'center' },
  brand: { fontSize: 36, fontWeight: '800', marginTop: 24 },
  subtitle: { fontSize: 16 },
  step: { gap: 12 },
  row: { flexDirection: 'row', gap: 8 },
  label: { fontSize: 15, fontWeight: '600' },
  input: { borderWidth: 1, borderRadius: 10, paddingHorizontal: 14, paddingVertical: 12, fontSize: 17 },
  code: { fontSize: 26, letterSpacing: 10, textAlign: 'center' },
  error: { fontSize: 15 },
});
