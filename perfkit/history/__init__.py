"""Performance history over commits: series from result files, change points, grouped
shifts, the columnar store, bisection and the history report."""
