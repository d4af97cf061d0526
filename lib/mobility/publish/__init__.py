"""Model output into pages: results (glue + JSON), display (figures, numbers, tables), compare (published vs ours),
scorecard, inventory, table of contents, the book build and its Sphinx extension."""
