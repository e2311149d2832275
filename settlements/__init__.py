"""DPO and short-sale agreements: drafting, attorney review and frozen PDFs."""
