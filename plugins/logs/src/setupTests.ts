import '@testing-library/jest-dom';

// jsdom has no ResizeObserver; recharts' ResponsiveContainer needs one.
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
(globalThis as any).ResizeObserver ??= ResizeObserverStub;

// Rendering MUI tables and dialogs takes a few seconds on a busy 2-core CI
// machine; the default 5 s per test is too tight there.
jest.setTimeout(30_000);
