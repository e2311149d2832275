"""Loan-tape import: read a seller's CSV/XLSX, map its columns, validate every cell, write."""
