"""Shared test configuration: the plugin under test is loaded through its pytest11 entry point."""
