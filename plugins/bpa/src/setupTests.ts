import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The extension tests render the whole app in jsdom; on a busy 2-core CI
// machine its first render takes longer than testing-library's 1 s default.
configure({ asyncUtilTimeout: 10_000 });
