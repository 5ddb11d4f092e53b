"""The report stage: report/write.py writes report.md, report.html and the plots from results.json and
the per-question records; the other modules render a part each. Importing the package imports nothing, so
evaluate/decision.py can use report/numbers.py without pulling in the renderers."""
