"""NoteInvest: portfolios of mortgage notes, deficiency balances and settlements."""
