"""Portfolios of purchased mortgage notes, their loans and payoff figures."""
