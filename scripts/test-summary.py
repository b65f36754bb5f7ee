#!/usr/bin/env python3
"""Reads the trx files that scripts/test.sh wrote and decides whether the run passed.

Usage: test-summary.py RESULTS_DIR PROJECT [PROJECT ...]

A run passes only when every named project left its own trx file (PROJECT.trx), every one of them executed at
least one test, none reports a run-level error (a crashed or aborted test host), and no result is anything but passed or skipped: failed, error, timeout, aborted, inconclusive,
not runnable, disconnected and passed-but-run-aborted all count as failed. Prints one line per project, the names
of every test that did not pass (skipped ones with their reason), and last the line
"N passed, N failed, N skipped". Exit code 0 only when the run passed.
"""
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
FAILING_COUNTERS = ("failed", "error", "timeout", "aborted", "inconclusive", "notRunnable", "disconnected",
                    "passedButRunAborted")


def counter(counters, name):
    value = counters.get(name)
    return int(value) if value else 0


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    results, projects = argv[1], argv[2:]
    problems = []
    passed = failed = skipped = 0
    for project in projects:
        path = os.path.join(results, project + ".trx")
        if not os.path.isfile(path):
            problems.append(f"{project}: no result file ({path}); the project did not run")
            continue
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as error:
            problems.append(f"{project}: unreadable result file: {error}")
            continue
        counters = root.find("t:ResultSummary/t:Counters", NS)
        if counters is None:
            problems.append(f"{project}: the result file has no counters")
            continue
        executed = counter(counters, "executed")
        p = counter(counters, "passed")
        f = sum(counter(counters, name) for name in FAILING_COUNTERS)
        # xunit's skipped tests leave notExecuted at 0 and show only as total minus executed.
        s = max(counter(counters, "notExecuted"), counter(counters, "total") - executed)
        print(f"{project}: {executed} executed, {p} passed, {f} failed, {s} skipped")
        if executed == 0:
            problems.append(f"{project}: executed no test")
        # A crashed or aborted test host leaves counters that can look clean; the run's own errors say so.
        for info in root.iterfind("t:ResultSummary/t:RunInfos/t:RunInfo", NS):
            if info.get("outcome") == "Error":
                text = (info.findtext("t:Text", default="", namespaces=NS) or "").strip()
                problems.append(f"{project}: the test run reported an error: {text.splitlines()[0] if text else '(no text)'}")
        if (root.find("t:ResultSummary", NS).get("outcome") or "") in ("Aborted", "Error", "Timeout"):
            problems.append(f"{project}: the test run ended {root.find('t:ResultSummary', NS).get('outcome')}")
        if executed and p + f < executed:
            # An executed result that is neither passed nor one of the failing kinds (a new outcome) is not a pass.
            f += executed - p - f
        passed, failed, skipped = passed + p, failed + f, skipped + s
        for result in root.iterfind("t:Results/t:UnitTestResult", NS):
            outcome = result.get("outcome")
            if outcome == "Passed":
                continue
            message = result.find("t:Output/t:ErrorInfo/t:Message", NS)
            stdout = result.find("t:Output/t:StdOut", NS)
            why = (message.text if message is not None else stdout.text if stdout is not None else "") or ""
            why = why.strip().splitlines()[0] if why.strip() else ""
            print(f"  {outcome}: {result.get('testName')}" + (f" ({why})" if why else ""))
    for problem in problems:
        print(f"ERROR {problem}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if not problems and failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
