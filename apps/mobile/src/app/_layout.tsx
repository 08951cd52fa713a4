import { ApiClientError } from '@ipelya/api-client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Stack } from 'expo-router';
import { StatusBar } from 'expo-status-bar';
import { useState } from 'react';
import { AppBootstrap } from '../components/app-bootstrap';
import { PersonaBadge } from '../components/persona-badge';
import { useT } from '../i18n/i18n';
import { useSessionStore } from '../state/session-store';
import { useTheme } from '../theme/theme';

function isClientError(error: unknown): boolean {
  return error instanceof ApiClientError && error.status >= 400 && error.status < 500;
}

function RootStack() {
  const t = useT();
  const theme = useTheme();
  const signedIn = useSessionStore((s) => s.status === 'signed-in');
  return (
    <>
      <StatusBar style={theme.persona === 'shadow' ? 'light' : 'dark'} />
      <Stack
        screenOptions={{
          headerStyle: { backgroundColor: theme.headerBackground },
          headerTintColor: theme.text,
          headerTitleStyle: { color: theme.text },
          contentStyle: { backgroundColor: theme.background },
          headerRight: () => <PersonaBadge />,
        }}
      >
        <Stack.Protected guard={signedIn}>
          <Stack.Screen name="index" options={{ title: t('feed.title') }} />
          <Stack.Screen name="profile" options={{ title: t('profile.title') }} />
          <Stack.Screen name="creator/[handle]" options={{ title: '' }} />
        </Stack.Protected>
        <Stack.Protected guard={!signedIn}>
          <Stack.Screen name="sign-in" options={{ title: t('signIn.title') }} />
        </Stack.Protected>
      </Stack>
    </>
  );
}

export default function RootLayout() {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          // A client error (404, 403…) will not change on retry; network and server errors get one more try.
          queries: { retry: (failures, error) => !isClientError(error) && failures < 1, staleTime: 30_000 },
        },
      }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <AppBootstrap>
        <RootStack />
      </AppBootstrap>
    </QueryClientProvider>
  );
}
