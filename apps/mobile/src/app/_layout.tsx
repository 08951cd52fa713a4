import { Stack } from 'expo-router';
import { StatusBar } from 'expo-status-bar';
import { AppBootstrap } from '../components/app-bootstrap';
import { HeaderActions } from '../components/header-actions';
import { PersonaQueryScope } from '../components/persona-query-scope';
import { useDeviceRegistration } from '../hooks/use-devices';
import { useT } from '../i18n/i18n';
import { useSessionStore } from '../state/session-store';
import { useTheme } from '../theme/theme';

function RootStack() {
  const t = useT();
  const theme = useTheme();
  const signedIn = useSessionStore((s) => s.status === 'signed-in');
  useDeviceRegistration();
  return (
    <>
      <StatusBar style={theme.persona === 'shadow' ? 'light' : 'dark'} />
      <Stack
        screenOptions={{
          headerStyle: { backgroundColor: theme.headerBackground },
          headerTintColor: theme.text,
          headerTitleStyle: { color: theme.text },
          contentStyle: { backgroundColor: theme.background },
          headerRight: () => <HeaderActions />,
        }}
      >
        <Stack.Protected guard={signedIn}>
          <Stack.Screen name="index" options={{ title: t('feed.title') }} />
          <Stack.Screen name="profile" options={{ title: t('profile.title') }} />
          <Stack.Screen name="creator/[handle]" options={{ title: '' }} />
          <Stack.Screen name="wallet" options={{ title: t('wallet.title') }} />
          <Stack.Screen name="messages/index" options={{ title: t('messages.title') }} />
          <Stack.Screen name="messages/[id]" options={{ title: '' }} />
          <Stack.Screen name="privacy/contacts" options={{ title: t('contacts.title') }} />
          <Stack.Screen name="privacy/blocked" options={{ title: t('blocked.title') }} />
          <Stack.Screen name="account/delete" options={{ title: t('deleteAccount.title') }} />
        </Stack.Protected>
        <Stack.Protected guard={!signedIn}>
          <Stack.Screen name="sign-in" options={{ title: t('signIn.title') }} />
        </Stack.Protected>
      </Stack>
    </>
  );
}

export default function RootLayout() {
  return (
    <AppBootstrap>
      <PersonaQueryScope>
        <RootStack />
      </PersonaQueryScope>
    </AppBootstrap>
  );
}
