"""Read the totals of a pytest `--junitxml` report."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.passed + other.passed, self.failed + other.failed, self.skipped + other.skipped)

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped

    def line(self) -> str:
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"


def read_counts(path: Path) -> Counts:
    """Totals over every <testsuite> of the report; errors count as failures. A missing file counts as nothing."""
    if not path.is_file():
        return Counts()
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    passed = failed = skipped = 0
    for suite in suites:
        tests = int(suite.get("tests", "0"))
        bad = int(suite.get("failures", "0")) + int(suite.get("errors", "0"))
        skip = int(suite.get("skipped", "0"))
        failed += bad
        skipped += skip
        passed += max(tests - bad - skip, 0)
    return Counts(passed, failed, skipped)
