"""Browser-test fixtures (Playwright driving Debian's Chromium). Filled in by the foundation work."""
