// Stands in for expo-screen-capture (a native module): records prevention and lets tests fire screenshots.
type Listener = () => void;
const listeners = new Set<Listener>();

export const usePreventScreenCapture = jest.fn((_key?: string) => undefined);
export const enableAppSwitcherProtectionAsync = jest.fn(async (_intensity?: number) => undefined);
export const disableAppSwitcherProtectionAsync = jest.fn(async () => undefined);
export const addScreenshotListener = jest.fn((listener: Listener) => {
  listeners.add(listener);
  return { remove: () => listeners.delete(listener) };
});

/** Simulates the user taking a screenshot while the app is in the foreground. */
export function takeScreenshot() {
  for (const l of [...listeners]) l();
}

export const activeScreenshotListeners = () => listeners.size;

export function resetFakeScreenCapture() {
  listeners.clear();
  usePreventScreenCapture.mockClear();
  enableAppSwitcherProtectionAsync.mockClear();
  disableAppSwitcherProtectionAsync.mockClear();
  addScreenshotListener.mockClear();
}
