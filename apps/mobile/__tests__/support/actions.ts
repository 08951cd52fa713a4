import { act, fireEvent } from 'expo-router/testing-library';
import type { ReactTestInstance } from 'react-test-renderer';

/** Presses and lets the async handler (a faked network call) settle inside act(). */
export async function press(element: ReactTestInstance) {
  await act(async () => {
    fireEvent.press(element);
  });
}

export async function fire(element: ReactTestInstance, event: string, ...data: unknown[]) {
  await act(async () => {
    fireEvent(element, event, ...data);
  });
}
