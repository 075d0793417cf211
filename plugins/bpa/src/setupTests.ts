import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The extension tests render the whole app in jsdom; on a busy 2-core CI
// machine its first render takes longer than testing-library's 1 s default
// and a test longer than Jest's 5 s.
configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);
