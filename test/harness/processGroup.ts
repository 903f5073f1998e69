// The demo runs this too (scripts/demo.ts), so it lives in scripts/lib/; the tests import it from here as before.
export * from '../../scripts/lib/processGroup';
