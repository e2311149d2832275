"""Liquidation events, deficiency balances, state rules, judgments and deadlines."""
